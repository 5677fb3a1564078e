/// Builds Hollow states cycle by cycle and writes them as snapshot, delta, reverse-delta and header blobs
/// that Java Hollow reads (Java's `HollowWriteStateEngine` + `HollowBlobWriter`).
///
/// A cycle: add every record of the new state (identical records share one ordinal; references are
/// ordinals of records added before), then write the blobs, then call ``prepareForNextCycle()``. Records
/// that survive from one cycle to the next keep their ordinals; ordinals of removed records are reused,
/// smallest first, from the cycle after the one that removed them.
///
/// Not thread-safe: one owner drives it.
public final class HollowWriteStateEngine {
    /// Types in registration order (the order of type sections in blobs).
    private var ordered: [TypeWriteState] = []
    private var byName: [String: TypeWriteState] = [:]
    private var pinnedShards: [String: Int]
    /// Projected bytes per shard above which a type is split in more shards (chosen at its first write, and
    /// again at every write with ``allowTypeResharding``).
    public let targetMaxTypeShardSize: Int
    /// Let a type's shard count follow its size along the delta chain (Java: `allowTypeResharding`): at each
    /// write, a type whose projected size asks for another shard count moves towards it, doubling or halving
    /// at most; its delta is written with the new count and its reverse delta with the previous one, and the
    /// header tag `hollow.type.resharding.invoked` names the types (`Type:(from,to)`). Counts fixed with
    /// `numShards` are not changed. Off by default, like Java.
    public var allowTypeResharding = false

    /// Header tags of the state being built (written in snapshot, delta and header blobs).
    public var headerTags: [String: String] = [:]
    /// Header tags of the previous state (written in reverse deltas).
    public private(set) var previousHeaderTags: [String: String] = [:]
    /// Randomized tag of the previous state, -1 before the first cycle.
    public private(set) var previousRandomizedTag: Int64 = -1
    /// Randomized tag of the state being built.
    public private(set) var nextRandomizedTag: Int64 = 0

    private var preparedForNextCycle = true
    private var restored = false

    /// Creates an empty engine.
    /// - Parameters:
    ///   - targetMaxTypeShardSize: projected bytes per shard; `Int.max` (the default, like a bare Java
    ///     engine) keeps every type in one shard, `HollowProducer` passes 16 MiB.
    ///   - numShards: fixed shard counts (powers of two) per type name, like `@HollowShardLargeType`.
    public init(targetMaxTypeShardSize: Int = .max, numShards: [String: Int] = [:]) {
        self.targetMaxTypeShardSize = max(1, targetMaxTypeShardSize)
        self.pinnedShards = numShards
        self.nextRandomizedTag = Self.mintTag(previous: -1)
    }

    static func mintTag(previous: Int64) -> Int64 {
        var rng = SystemRandomNumberGenerator()
        while true {
            let tag = Int64(bitPattern: rng.next())
            let high = UInt64(bitPattern: tag) >> 32
            if high != 0 && high != 0xFFFF_FFFF && high != UInt64(bitPattern: previous) >> 32 { return tag }
        }
    }

    // MARK: Types

    /// Schemas in registration order.
    public var schemas: [HollowSchema] { ordered.map(\.schema) }

    /// The schema of the type called `name`, or nil.
    public func schema(named name: String) -> HollowSchema? { byName[name]?.schema }

    /// Registers a type. Registering the same schema again is a no-op.
    /// - Parameter numShards: a fixed shard count (power of two) for this type, like `@HollowShardLargeType`.
    /// - Throws: `.schemaConflict` if a different schema has the same name; `.invalidValue` for a bad shard count.
    public func addTypeState(_ schema: HollowSchema, numShards: Int? = nil) throws(HollowWriteError) {
        if let existing = byName[schema.name] {
            guard existing.schema == schema else {
                throw HollowWriteError(.schemaConflict, "type \(schema.name) is already registered with another schema")
            }
            return
        }
        let shards = numShards ?? pinnedShards[schema.name]
        if let shards, shards <= 0 || shards & (shards - 1) != 0 {
            throw HollowWriteError(.invalidValue, "number of shards for type \(schema.name) must be a power of 2, not \(shards)")
        }
        let state = TypeWriteState(schema: schema, numShards: shards)
        ordered.append(state)
        byName[schema.name] = state
    }

    // MARK: Adding records

    /// Adds a record of type `type` to the current cycle and returns its ordinal.
    /// - Throws: ``HollowWriteError`` if the type is unknown, the record does not fit its schema, a
    ///   reference names an ordinal not added in this cycle, or the engine is between write and `prepareForNextCycle`.
    @discardableResult
    public func add(_ record: HollowWriteRecord, to type: String) throws(HollowWriteError) -> Int {
        guard preparedForNextCycle else {
            throw HollowWriteError(.wrongPhase, "the engine was written; call prepareForNextCycle() before adding records")
        }
        let state: TypeWriteState
        if let last = lastAdded, last.name == type {
            state = last
        } else {
            guard let found = byName[type] else {
                throw HollowWriteError(.unknownType, "type \(type) is not registered")
            }
            state = found
            lastAdded = found
        }
        scratch.removeAll(keepingCapacity: true)
        try encode(record, for: state.schema, into: &scratch, targets: referenceTargets(of: state))
        return state.add(scratch)
    }

    /// Adds an OBJECT record to the type named by its schema and returns its ordinal.
    @discardableResult
    public func add(_ record: HollowObjectWriteRecord) throws(HollowWriteError) -> Int {
        try add(.object(record), to: record.schema.name)
    }

    private var checkReferences = true
    /// The type of the previous `add` (records of one type usually come in runs).
    private var lastAdded: TypeWriteState?
    /// Reused serialization buffer of `add`.
    private var scratch: [UInt8] = []

    /// The type states a type's references point to (object: per field; list/set: element; map: key, value).
    private func referenceTargets(of state: TypeWriteState) -> [TypeWriteState?] {
        if let cached = state.referenceTargets { return cached }
        let names: [String?] =
            switch state.schema {
            case .object(let s): s.fields.map(\.referencedType)
            case .list(let s): [s.elementType]
            case .set(let s): [s.elementType]
            case .map(let s): [s.keyType, s.valueType]
            }
        let targets = names.map { $0.flatMap { byName[$0] } }
        // Cache only once every referenced type is registered.
        if !zip(names, targets).contains(where: { $0 != nil && $1 == nil }) { state.referenceTargets = targets }
        return targets
    }

    @inline(__always)
    private func checkOrdinal(_ o: Int, _ target: TypeWriteState?, of type: String, in owner: String) throws(HollowWriteError) {
        guard o >= 0 else {
            throw HollowWriteError(.invalidValue, "\(owner) references \(type) ordinal \(o)")
        }
        guard checkReferences else { return }
        guard let target else {
            throw HollowWriteError(.unknownType, "\(owner) references type \(type), which is not registered")
        }
        guard target.current.contains(o) else {
            throw HollowWriteError(.invalidValue, "\(owner) references \(type) ordinal \(o), which was not added in this cycle")
        }
    }

    private func encode(_ record: HollowWriteRecord, for schema: HollowSchema, into buf: inout [UInt8],
                        targets: [TypeWriteState?]) throws(HollowWriteError) {
        switch (record, schema) {
        case (.object(let r), .object(let s)):
            guard r.schema.name == s.name, r.schema.fields.count == s.fields.count,
                  !zip(r.schema.fields, s.fields).contains(where: { $0.type != $1.type }) else {
                throw HollowWriteError(.schemaMismatch, "record of \(r.schema.name) does not follow the registered schema of \(s.name)")
            }
            for (i, f) in s.fields.enumerated() where f.type == .reference {
                if case .reference(let o)? = r.values[i] {
                    try checkOrdinal(o, targets[i], of: f.referencedType ?? "", in: "\(s.name).\(f.name)")
                }
            }
            r.encode(into: &buf)
        case (.list(let elements), .list(let s)):
            for e in elements { try checkOrdinal(e, targets[0], of: s.elementType, in: s.name) }
            Self.encodeList(elements, into: &buf)
        case (.set(let elements), .set(let s)):
            for e in elements { try checkOrdinal(e, targets[0], of: s.elementType, in: s.name) }
            Self.encodeSet(elements, into: &buf)
        case (.map(let entries), .map(let s)):
            for e in entries {
                try checkOrdinal(e.key, targets[0], of: s.keyType, in: "\(s.name) key")
                try checkOrdinal(e.value, targets[1], of: s.valueType, in: "\(s.name) value")
            }
            Self.encodeMap(entries, into: &buf)
        default:
            throw HollowWriteError(.schemaMismatch, "type \(schema.name) is a \(schema.kind.rawValue), the record is not")
        }
    }

    /// A LIST record: size, then the element ordinals in order.
    static func encodeList(_ elements: [Int], into buf: inout [UInt8]) {
        elements.withUnsafeBufferPointer { encodeList($0, into: &buf) }
    }

    static func encodeList<B: RecordBytes>(_ elements: UnsafeBufferPointer<Int>, into buf: inout B) {
        appendVarInt(&buf, UInt32(elements.count))
        for e in elements { appendVarInt(&buf, UInt32(e)) }
    }

    /// A SET record: size, then the sorted element ordinals as deltas (duplicates are kept, as Java's
    /// `HollowSetWriteRecord` keeps them).
    static func encodeSet(_ elements: [Int], into buf: inout [UInt8]) {
        var sorted = elements
        sorted.withUnsafeMutableBufferPointer { encodeSet(sorting: $0, into: &buf) }
    }

    /// A SET record from element ordinals that may be reordered (sorted in place): as ``encodeSet(_:into:)``.
    static func encodeSet<B: RecordBytes>(sorting elements: UnsafeMutableBufferPointer<Int>, into buf: inout B) {
        var elements = elements
        elements.sort()
        appendVarInt(&buf, UInt32(elements.count))
        var prev = 0
        for e in elements {
            appendVarInt(&buf, UInt32(e - prev))
            prev = e
        }
    }

    /// A MAP record from key and value ordinals alternating (`[k0, v0, k1, v1, ...]`, overwritten): as
    /// ``encodeMap(_:into:)``.
    static func encodeMap<B: RecordBytes>(pairs: UnsafeMutableBufferPointer<Int>, into buf: inout B) {
        let n = pairs.count / 2
        // Ordinals are below 2^31: key << 32 | value sorts by key, then value.
        for i in 0..<n { pairs[i] = pairs[2 * i] << 32 | pairs[2 * i + 1] }
        var entries = UnsafeMutableBufferPointer(rebasing: pairs[0..<n])
        entries.sort()
        appendVarInt(&buf, UInt32(n))
        var prev = 0
        for e in entries {
            let key = e >> 32
            appendVarInt(&buf, UInt32(key - prev))
            appendVarInt(&buf, UInt32(e & 0xFFFF_FFFF))
            prev = key
        }
    }

    /// A MAP record: size, then entries sorted by key, then value (repeats kept, as Java's
    /// `HollowMapWriteRecord` keeps them), keys as deltas.
    static func encodeMap(_ entries: [(key: Int, value: Int)], into buf: inout [UInt8]) {
        let sorted = entries.sorted { $0.key != $1.key ? $0.key < $1.key : $0.value < $1.value }
        appendVarInt(&buf, UInt32(sorted.count))
        var prev = 0
        for e in sorted {
            appendVarInt(&buf, UInt32(e.key - prev))
            appendVarInt(&buf, UInt32(e.value))
            prev = e.key
        }
    }

    /// The write state of `type`, for paths that encode records themselves (the mapper, ``HollowRecordWriter``).
    func typeStateForAdding(_ type: String) throws(HollowWriteError) -> TypeWriteState {
        guard let found = byName[type] else { throw HollowWriteError(.unknownType, "type \(type) is not registered") }
        return found
    }

    /// Adds a record already encoded for `state` (FORMAT.md §9.1) whose references are ordinals added in
    /// this cycle; returns its ordinal.
    @inline(__always)
    func addEncoded(_ bytes: [UInt8], to state: TypeWriteState) throws(HollowWriteError) -> Int {
        guard preparedForNextCycle else {
            throw HollowWriteError(.wrongPhase, "the engine was written; call prepareForNextCycle() before adding records")
        }
        return state.add(bytes)
    }

    /// ``addEncoded(_:to:)`` of bytes in place (the ``HollowRecordWriter`` path).
    @inline(__always)
    func addEncoded(_ bytes: UnsafeBufferPointer<UInt8>, to state: TypeWriteState) throws(HollowWriteError) -> Int {
        guard preparedForNextCycle else {
            throw HollowWriteError(.wrongPhase, "the engine was written; call prepareForNextCycle() before adding records")
        }
        return state.add(bytes)
    }

    /// Keeps every record of the previous cycle in the current one (Java's `addAllObjectsFromPreviousCycle`).
    public func addAllObjectsFromPreviousCycle() throws(HollowWriteError) {
        guard preparedForNextCycle else {
            throw HollowWriteError(.wrongPhase, "call prepareForNextCycle() before adding records")
        }
        for t in ordered {
            t.previous.forEach { t.current.insert($0) }
        }
    }

    /// Ordinals populated in the current cycle of `type`, ascending.
    public func populatedOrdinals(of type: String) -> [Int] {
        var out: [Int] = []
        byName[type]?.current.forEach { out.append($0) }
        return out
    }

    // MARK: Cycles

    /// True when some type's populated ordinals differ from the previous cycle's (a producer publishes
    /// nothing for an unchanged cycle).
    public var hasChangedSinceLastCycle: Bool { ordered.contains { $0.hasChangedSinceLastCycle } }

    /// Computes widths, shard counts and statistics for writing. Called by the `write*` methods; adding
    /// records is refused from here until ``prepareForNextCycle()``.
    public func prepareForWrite() {
        guard preparedForNextCycle else { return }
        var resharded: [String] = []
        for t in ordered {
            let canReshard = allowTypeResharding && !t.isNumShardsPinned
            if let change = t.prepareForWrite(targetMaxTypeShardSize: targetMaxTypeShardSize, canReshard: canReshard) {
                resharded.append("\(t.name):(\(change.from),\(change.to))")
            }
        }
        if !resharded.isEmpty {
            headerTags[Self.reshardingTag] = resharded.joined(separator: " ")
        } else if allowTypeResharding {
            headerTags.removeValue(forKey: Self.reshardingTag)
        }
        preparedForNextCycle = false
    }

    /// Header tag naming the types whose shard count changed in this state (Java's
    /// `HEADER_TAG_TYPE_RESHARDING_INVOKED`).
    public static let reshardingTag = "hollow.type.resharding.invoked"

    /// Ends the cycle that was just written: its state becomes the previous state; records not in it are
    /// dropped and their ordinals freed. No-op if already prepared.
    public func prepareForNextCycle() {
        guard !preparedForNextCycle else { return }
        previousRandomizedTag = nextRandomizedTag
        nextRandomizedTag = Self.mintTag(previous: previousRandomizedTag)
        previousHeaderTags = headerTags
        for t in ordered { t.prepareForNextCycle() }
        preparedForNextCycle = true
        restored = false
    }

    // MARK: Blobs

    private func writeHeaderPart(
        _ w: inout ByteWriter, schemas: [HollowSchema], reverse: Bool, extraTags: [String: String] = [:]
    ) {
        w.writeInt32(1030)
        w.writeInt64(reverse ? nextRandomizedTag : previousRandomizedTag)
        w.writeInt64(reverse ? previousRandomizedTag : nextRandomizedTag)
        var sw = ByteWriter()
        sw.writeVarInt(Int32(schemas.count))
        for s in schemas { s.write(to: &sw) }
        w.writeVarInt(Int32(sw.count + 1))
        w.writeBytes(sw.bytes)
        w.writeVarInt(0)
        let tags = (reverse ? previousHeaderTags : headerTags).merging(extraTags) { $1 }
        w.writeInt16(Int16(truncatingIfNeeded: tags.count))
        for key in tags.keys.sorted() {
            w.writeUTF(key)
            w.writeUTF(tags[key]!)
        }
        w.writeVarInt(Int32(schemas.count))
    }

    /// Writes the snapshot blob of the current state.
    public func writeSnapshot() -> [UInt8] {
        prepareForWrite()
        // Room for the whole blob up front (its size is near the records' encoded size): no copy as it grows.
        let encoded = ordered.reduce(0) { $0 + $1.data.count }
        var w = ByteWriter(capacity: encoded + encoded / 4 + 4096)
        writeHeaderPart(&w, schemas: schemas, reverse: false)
        for t in ordered { t.writeSection(.snapshot, to: &w, keyHash: keyHasher(for: t.schema)) }
        return w.bytes
    }

    /// Writes the delta blob from the previous state to the current one (only changed types).
    public func writeDelta() -> [UInt8] {
        prepareForWrite()
        let changed = ordered.filter(\.hasChangedSinceLastCycle)
        var w = ByteWriter()
        writeHeaderPart(&w, schemas: changed.map(\.schema), reverse: false)
        for t in changed { t.writeSection(.delta, to: &w, keyHash: keyHasher(for: t.schema)) }
        return w.bytes
    }

    /// Writes the reverse delta blob from the current state back to the previous one.
    public func writeReverseDelta() -> [UInt8] {
        prepareForWrite()
        let changed = ordered.filter(\.hasChangedSinceLastCycle)
        var w = ByteWriter()
        writeHeaderPart(&w, schemas: changed.map(\.schema), reverse: true)
        for t in changed { t.writeSection(.reverseDelta, to: &w, keyHash: keyHasher(for: t.schema)) }
        return w.bytes
    }

    /// Writes the header blob of the current state (header and schemas, no type data).
    /// - Parameter extraTags: tags written in this blob only, besides ``headerTags`` (the producer's blob digests).
    public func writeHeader(extraTags: [String: String] = [:]) -> [UInt8] {
        prepareForWrite()
        var w = ByteWriter()
        writeHeaderPart(&w, schemas: schemas, reverse: false, extraTags: extraTags)
        return w.bytes
    }

    // MARK: Hash keys (FORMAT.md §8.2)

    /// One resolved hash-key field path: the chain of (type state, field index) from the element type.
    private struct KeyPath {
        var steps: [(state: TypeWriteState, schema: HollowObjectSchema, field: Int)]
    }

    /// Resolves `path` from `type`, auto-expanding a final reference into a single-field type or a
    /// single-field primary key (`FieldPaths.createFieldPathForPrimaryKey`).
    private func resolve(path: String, from type: String) -> KeyPath? {
        let autoExpand = !path.hasSuffix("!")
        let clean = autoExpand ? path : String(path.dropLast())
        var steps: [(state: TypeWriteState, schema: HollowObjectSchema, field: Int)] = []
        var typeName = type
        for segment in clean.split(separator: ".", omittingEmptySubsequences: false) {
            guard let st = byName[typeName], case .object(let s) = st.schema,
                  let idx = s.fieldIndex(String(segment)) else { return nil }
            steps.append((st, s, idx))
            typeName = s.fields[idx].referencedType ?? ""
        }
        guard autoExpand else { return KeyPath(steps: steps) }
        while let last = steps.last, last.schema.fields[last.field].type == .reference {
            guard let ref = last.schema.fields[last.field].referencedType, let st = byName[ref],
                  case .object(let s) = st.schema else { return nil }
            if s.fields.count == 1 {
                steps.append((st, s, 0))
            } else if let pk = s.primaryKey, pk.count == 1, let sub = resolve(path: pk[0], from: ref) {
                steps.append(contentsOf: sub.steps)
            } else {
                return nil
            }
        }
        return KeyPath(steps: steps)
    }

    private func keyHasher(for schema: HollowSchema) -> ((Int) -> Int32)? {
        let (elementType, key): (String, [String]?) =
            switch schema {
            case .set(let s): (s.elementType, s.hashKey)
            case .map(let s): (s.keyType, s.hashKey)
            default: ("", nil)
            }
        guard let key else { return nil }
        let paths = key.compactMap { resolve(path: $0, from: elementType) }
        guard paths.count == key.count else { return nil }  // Java logs NOT_BINDABLE and hashes by ordinal
        return { ordinal in
            var hash: Int32 = 0
            for path in paths {
                hash = hash &* 31
                hash ^= Self.fieldHash(path, ordinal)
            }
            return hash
        }
    }

    private static func fieldHash(_ path: KeyPath, _ start: Int) -> Int32 {
        var ordinal = start
        for (i, step) in path.steps.enumerated() {
            let state = step.state
            guard state.hasRecord(ordinal) else { return 0 }
            let result: Int32? = state.data.withUnsafeBufferPointer { d -> Int32? in
                var p = state.recordRange(ordinal).lowerBound
                skipFields(step.schema, upTo: step.field, d, &p)
                let isLast = i == path.steps.count - 1
                let type = step.schema.fields[step.field].type
                if !isLast {
                    if d[p] == 0x80 { ordinal = -1 } else { ordinal = Int(readVar(d, &p)) }
                    return nil
                }
                let h: Int32
                switch type {
                case .int:
                    if d[p] == 0x80 { h = 0 } else { h = Int32(truncatingIfNeeded: unZigZag64(readVar(d, &p))) }
                case .long:
                    if d[p] == 0x80 {
                        h = 0
                    } else {
                        let v = unZigZag64(readVar(d, &p))
                        h = Int32(truncatingIfNeeded: v ^ Int64(bitPattern: UInt64(bitPattern: v) >> 32))
                    }
                case .reference:
                    h = d[p] == 0x80 ? -1 : Int32(truncatingIfNeeded: readVar(d, &p))
                case .bytes:
                    if d[p] == 0x80 {
                        h = 0
                    } else {
                        let len = Int(readVar(d, &p))
                        h = HollowHashing.murmur3(Array(d[p..<(p + len)]))
                    }
                case .string:
                    var sh: Int32 = 0
                    if d[p] != 0x80 {
                        let len = Int(readVar(d, &p))
                        let end = p + len
                        while p < end { sh = sh &* 31 &+ Int32(truncatingIfNeeded: readVar(d, &p)) }
                    }
                    h = sh
                case .boolean:
                    h = d[p] == 0x80 ? 0 : (d[p] == 1 ? 1231 : 1237)
                case .double:
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits = bits << 8 | UInt64(d[p + k]) }
                    h = Int32(truncatingIfNeeded: bits ^ (bits >> 32))
                case .float:
                    var bits: UInt32 = 0
                    for k in 0..<4 { bits = bits << 8 | UInt32(d[p + k]) }
                    h = Int32(bitPattern: bits)
                }
                return HollowHashing.hashInt(h)
            }
            if let result { return result }
            if ordinal < 0 { return HollowHashing.hashInt(0) }
        }
        return 0
    }

    static func skipFields(_ s: HollowObjectSchema, upTo field: Int, _ d: UnsafeBufferPointer<UInt8>, _ p: inout Int) {
        for f in 0..<field {
            switch s.fields[f].type {
            case .boolean: p += 1
            case .float: p += 4
            case .double: p += 8
            case .int, .long, .reference:
                if d[p] == 0x80 { p += 1 } else { _ = readVar(d, &p) }
            case .string, .bytes:
                if d[p] == 0x80 { p += 1 } else { let len = Int(readVar(d, &p)); p += len }
            }
        }
    }

    // MARK: Restore

    /// Repopulates an engine that has no records yet with a loaded state, so that the next state written
    /// continues its delta chain: `records` (per type name, with their ordinals) become the *previous*
    /// state, records added afterwards that equal one of them get its ordinal, and the next delta and
    /// reverse delta go from / back to `randomizedTag`. Types must be registered first; records of
    /// unregistered types are ignored (like Java's restore).
    /// - Throws: `.wrongPhase` if the engine already holds records; `.schemaMismatch` for a record that
    ///   does not fit its type; `.invalidValue` for a negative or repeated ordinal.
    public func restore(
        records: [String: [(ordinal: Int, record: HollowWriteRecord)]],
        randomizedTag: Int64,
        headerTags: [String: String],
        numShards: [String: Int] = [:]
    ) throws(HollowWriteError) {
        guard preparedForNextCycle, ordered.allSatisfy({ $0.current.isEmpty && $0.previous.isEmpty && $0.maxOrdinal < 0 }) else {
            throw HollowWriteError(.wrongPhase, "restore needs an engine without records")
        }
        var encoded: [(TypeWriteState, Int, [UInt8])] = []
        for (type, recs) in records {
            guard let state = byName[type] else { continue }
            var seen = Set<Int>()
            for (ordinal, record) in recs {
                guard ordinal >= 0, seen.insert(ordinal).inserted else {
                    throw HollowWriteError(.invalidValue, "restore of \(type): ordinal \(ordinal) is negative or repeated")
                }
                var buf: [UInt8] = []
                try encodeUnchecked(record, for: state, into: &buf)
                encoded.append((state, ordinal, buf))
            }
        }
        for (state, ordinal, buf) in encoded {
            state.put(buf, at: ordinal)
            state.previous.insert(ordinal)
        }
        for t in ordered {
            t.recalculateFreeOrdinals()
            if t.numShards == -1, let n = numShards[t.name], n > 0, n & (n - 1) == 0 { t.numShards = n }
        }
        previousRandomizedTag = randomizedTag
        nextRandomizedTag = Self.mintTag(previous: randomizedTag)
        previousHeaderTags = headerTags
        restored = true
    }

    /// Replaces the randomized tag of the state being built (Java's `overrideNextStateRandomizedTag`).
    public func overrideNextRandomizedTag(_ tag: Int64) { nextRandomizedTag = tag }

    /// Encodes without checking that references exist (restore: referenced records may come later).
    func encodeUnchecked(_ record: HollowWriteRecord, for state: TypeWriteState, into buf: inout [UInt8]) throws(HollowWriteError) {
        let saved = checkReferences
        checkReferences = false
        defer { checkReferences = saved }
        try encode(record, for: state.schema, into: &buf, targets: referenceTargets(of: state))
    }

    // MARK: Internal access for tests

    func typeState(_ name: String) -> TypeWriteState? { byName[name] }

}
