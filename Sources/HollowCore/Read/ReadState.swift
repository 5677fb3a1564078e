/// One immutable Hollow data state, loaded from a snapshot and moved along a chain with deltas and reverse
/// deltas. Java: `HollowReadStateEngine` (but immutable: applying a blob returns a new state).
///
/// Records stay in Hollow's compact layout (bit-packed fixed-length words plus var-length byte heaps per
/// shard), so a loaded state takes about as many bytes as its snapshot. Applying a delta shares every
/// unchanged type and every unchanged shard segment with the receiver, which is never modified.
public final class ReadState: Sendable {
    /// The randomized tag of this state (the destination tag of the last blob applied).
    public let randomizedTag: Int64
    /// The header tags of the last blob applied (a reverse delta carries its destination state's tags).
    public let headerTags: [String: String]
    /// The schemas of the state's types, in the order the snapshot listed them.
    public let schemas: [HollowSchema]
    /// What was ignored because a delta's schemas differed from this state's (Java-style application:
    /// the old schemas are kept, new types and fields dropped). Empty when every blob matched.
    public let ignoredSchemaChanges: [String]
    /// The filter the state was loaded with (and its deltas are applied with), nil for an unfiltered state.
    public let filter: HollowFilterConfig?

    let types: [String: TypeState]

    init(
        randomizedTag: Int64, headerTags: [String: String], schemas: [HollowSchema], types: [String: TypeState],
        ignoredSchemaChanges: [String], filter: HollowFilterConfig? = nil
    ) {
        self.filter = filter
        self.randomizedTag = randomizedTag
        self.headerTags = headerTags
        self.schemas = schemas
        self.types = types
        self.ignoredSchemaChanges = ignoredSchemaChanges
    }

    /// The type names, sorted as Java's `String.compareTo` sorts them.
    public var typeNames: [String] { types.keys.sorted(by: javaLess) }

    /// The `hollow.blob.to.version` header tag: the data version of this state, when the producer set it.
    public var version: Int64? { headerTags["hollow.blob.to.version"].flatMap { Int64($0) } }

    /// The schema of type `name`, or nil.
    public func schema(named name: String) -> HollowSchema? { types[name]?.schema }

    /// Bytes of record data this state holds (fixed-length words, heaps, bit sets), counting shared segments.
    public var loadedByteCount: Int { types.values.reduce(0) { $0 + $1.byteSize } }

    // MARK: Loading

    /// Loads a snapshot blob.
    /// - Throws: ``BlobDecodingError``: `.badMagic`, `.truncated`, `.invalidValue`, `.trailingBytes`, or
    ///   `.wrongBlobKind` when `snapshot` is a delta or header blob.
    public static func load(snapshot bytes: [UInt8]) throws(BlobDecodingError) -> ReadState {
        try load(snapshot: BlobInput(bytes: bytes), checkedFilter: nil)
    }

    /// Loads a snapshot blob with only the types and fields `filter` keeps; the other types' data is skipped.
    /// Deltas applied to the state use the same filter. A nil filter loads everything.
    /// - Throws: ``HollowFilterError`` when the filter drops a type that a kept type refers to;
    ///   ``BlobDecodingError`` as ``load(snapshot:)-([UInt8])``.
    public static func load(snapshot bytes: [UInt8], filter: HollowFilterConfig?) throws -> ReadState {
        try load(snapshot: BlobInput(bytes: bytes), filter: filter)
    }

    /// Loads a snapshot from `input` (a file, a decompressing stream or memory), reading it front to back in
    /// bounded pieces: the blob is never held in memory whole (Java: `HollowBlobReader.readSnapshot` with a
    /// `HollowBlobInput`).
    /// - Throws: as ``load(snapshot:filter:)-([UInt8],_)``; ``BlobDecodingError`` `.readFailed` when the input fails.
    public static func load(snapshot input: BlobInput, filter: HollowFilterConfig? = nil) throws -> ReadState {
        if let filter { try filter.check(try HollowBlobHeader.read(input).schemas) }
        return try load(snapshot: input, checkedFilter: filter)
    }

    private static func load(snapshot input: BlobInput, checkedFilter filter: HollowFilterConfig?) throws(BlobDecodingError) -> ReadState {
        let header = try HollowBlobHeader.read(input)
        if (try? BlobParser.parse(input, as: .header)) != nil {
            throw BlobDecodingError(.wrongBlobKind, "this is a header blob, not a snapshot: it holds no data")
        }
        let parsed: ParsedBlob
        do {
            parsed = try BlobParser.parse(input, as: .snapshot, filter: filter)
        } catch {
            if error.code != .readFailed, (try? BlobParser.parse(input, as: .delta)) != nil {
                throw BlobDecodingError(.wrongBlobKind, "this is a delta or reverse delta, not a snapshot")
            }
            throw error
        }
        var types: [String: TypeState] = [:]
        for section in parsed.sections {
            types[section.schema.name] = makeSnapshotType(section)
        }
        return ReadState(
            randomizedTag: header.destinationRandomizedTag, headerTags: header.headerTags,
            schemas: parsed.sections.map(\.schema), types: types, ignoredSchemaChanges: [], filter: filter)
    }

    /// Returns the state `delta` leads to. The receiver is unchanged, also when this throws.
    /// - Throws: ``BlobDecodingError``: `.tagMismatch` when the delta did not start from this state,
    ///   `.wrongBlobKind` for a snapshot, header blob or reverse delta, `.schemaMismatch` when a type
    ///   changed its kind, and the decoding codes for malformed blobs.
    public func applying(delta: [UInt8]) throws(BlobDecodingError) -> ReadState {
        try apply(BlobInput(bytes: delta), reverse: false)
    }

    /// Returns the state `reverseDelta` leads back to. The receiver is unchanged, also when this throws.
    /// - Throws: as ``applying(delta:)-([UInt8])``; `.wrongBlobKind` also for a forward delta.
    public func applying(reverseDelta: [UInt8]) throws(BlobDecodingError) -> ReadState {
        try apply(BlobInput(bytes: reverseDelta), reverse: true)
    }

    /// Returns the state the delta in `delta` (a file, a decompressing stream or memory) leads to, reading it in
    /// bounded pieces. The receiver is unchanged, also when this throws.
    /// - Throws: as ``applying(delta:)-([UInt8])``; `.readFailed` when the input fails.
    public func applying(delta: BlobInput) throws(BlobDecodingError) -> ReadState {
        try apply(delta, reverse: false)
    }

    /// Returns the state the reverse delta in `reverseDelta` leads back to, reading it in bounded pieces.
    /// - Throws: as ``applying(reverseDelta:)-([UInt8])``; `.readFailed` when the input fails.
    public func applying(reverseDelta: BlobInput) throws(BlobDecodingError) -> ReadState {
        try apply(reverseDelta, reverse: true)
    }

    /// The differences between the schemas a (reverse) delta declares and this state's: new types, types
    /// whose schema changed, or a changed `hollow.schema.hash`. Empty when the delta applies cleanly.
    /// A consumer that gets a non-empty answer should load the destination's snapshot instead.
    public func schemaChanges(in header: HollowBlobHeader) -> [String] {
        var changes: [String] = []
        for full in header.schemas {
            guard let schema = filter.map({ $0.apply(to: full) }) ?? full else { continue }  // a filtered type
            if let mine = types[schema.name]?.schema {
                if mine != schema { changes.append("type \(schema.name) has a different schema") }
            } else {
                changes.append("type \(schema.name) is new")
            }
        }
        if let mine = headerTags["hollow.schema.hash"], let theirs = header.schemaHash, mine != theirs {
            changes.append("hollow.schema.hash changes from \(mine) to \(theirs)")
        }
        if changes.isEmpty && header.schemaChangedFromPriorVersion && !header.schemas.isEmpty {
            changes.append("the producer tagged hollow.schema.changedFromPriorVersion")
        }
        return changes
    }

    /// True when applying `blob` (a delta or reverse delta) would change schemas (see ``schemaChanges(in:)``).
    public func deltaChangesSchemas(_ blob: [UInt8]) throws(BlobDecodingError) -> Bool {
        !schemaChanges(in: try HollowBlobHeader.read(blob)).isEmpty
    }

    private func apply(_ bytes: BlobInput, reverse: Bool) throws(BlobDecodingError) -> ReadState {
        let header = try HollowBlobHeader.read(bytes)
        let what = reverse ? "reverse delta" : "delta"
        if (try? BlobParser.parse(bytes, as: .header)) != nil, !header.schemas.isEmpty {
            throw BlobDecodingError(.wrongBlobKind, "this is a header blob, not a \(what)")
        }
        if let current = version, let target = header.toVersion {
            if !reverse && target <= current {
                throw BlobDecodingError(
                    .wrongBlobKind,
                    "this blob leads to version \(target), not past the current version \(current): a reverse delta or an old blob fed as a delta")
            }
            if reverse && target >= current {
                throw BlobDecodingError(
                    .wrongBlobKind,
                    "this blob leads to version \(target), not before the current version \(current): a forward delta or a newer blob fed as a reverse delta")
            }
        }
        guard header.originRandomizedTag == randomizedTag else {
            throw BlobDecodingError(
                .tagMismatch,
                "the \(what) starts from the state tagged \(header.originRandomizedTag), but the loaded state is tagged \(randomizedTag)")
        }
        let parsed: ParsedBlob
        do {
            parsed = try BlobParser.parse(bytes, as: .delta, filter: filter)
        } catch {
            if error.code != .readFailed, (try? BlobParser.parse(bytes, as: .snapshot)) != nil {
                throw BlobDecodingError(.wrongBlobKind, "this is a snapshot, not a \(what)")
            }
            throw error
        }
        var newTypes = types
        var ignored = ignoredSchemaChanges
        for section in parsed.sections {
            guard let old = types[section.schema.name] else {
                ignored.append("type \(section.schema.name) added by the \(what) to version \(header.toVersion.map(String.init) ?? "?") was ignored")
                continue
            }
            let (next, notes) = try TypeState.applying(section, to: old)
            newTypes[section.schema.name] = next
            ignored += notes
        }
        return ReadState(
            randomizedTag: header.destinationRandomizedTag, headerTags: header.headerTags, schemas: schemas, types: newTypes,
            ignoredSchemaChanges: ignored, filter: filter)
    }

    private static func makeSnapshotType(_ section: ParsedSection) -> TypeState {
        let shift = section.numShards.trailingZeroBitCount
        let storage: TypeStorage
        switch section.schema {
        case .object:
            storage = .object(Layers(base: section.shards.map { if case .object(let s) = $0.segment { s } else { fatalError() } }, shardShift: shift))
        case .list:
            storage = .list(Layers(base: section.shards.map { if case .list(let s) = $0.segment { s } else { fatalError() } }, shardShift: shift))
        case .set:
            storage = .set(Layers(base: section.shards.map { if case .set(let s) = $0.segment { s } else { fatalError() } }, shardShift: shift))
        case .map:
            storage = .map(Layers(base: section.shards.map { if case .map(let s) = $0.segment { s } else { fatalError() } }, shardShift: shift))
        }
        return TypeState(
            schema: section.schema, populated: section.populated ?? [], maxOrdinal: section.maxOrdinal,
            shardCount: section.numShards, storage: storage)
    }
}

/// Java `String.compareTo`: lexicographic over UTF-16 code units.
func javaLess(_ a: String, _ b: String) -> Bool { JavaUTF16.javaLess(a, b) }

// MARK: - Delta application per type

extension TypeState {
    /// Applies one delta section to `old`, returning the new type state and notes about ignored schema parts.
    static func applying(_ section: ParsedSection, to old: TypeState) throws(BlobDecodingError) -> (TypeState, [String]) {
        let name = old.name
        var notes: [String] = []
        guard section.schema.kind == old.schema.kind else {
            throw BlobDecodingError(
                .schemaMismatch, "type \(name) is a \(old.schema.kind.rawValue) in the loaded state but a \(section.schema.kind.rawValue) in the delta",
                offset: section.byteRange.lowerBound)
        }
        if section.schema != old.schema {
            switch (old.schema, section.schema) {
            case (.object(let mine), .object(let theirs)):
                let mineNames = Set(mine.fields.map(\.name))
                for f in theirs.fields where !mineNames.contains(f.name) {
                    notes.append("field \(name).\(f.name) added by the delta was ignored")
                }
            default:
                break
            }
            if notes.isEmpty { notes.append("type \(name) has a different schema in the delta; the loaded schema was kept") }
        }
        let n = section.numShards
        let shift = n.trailingZeroBitCount
        var populated = old.populated
        var totalAdded = 0
        var highest = -1
        for shard in section.shards {
            totalAdded += shard.added.count
            if let last = shard.added.last { highest = max(highest, last << shift | 0) }
        }
        if highest >= 0 {
            highest += n - 1
            let bound = max(old.populated.count * 64, old.maxOrdinal + 1) + totalAdded + (1 << 20)
            guard highest <= bound, highest <= Int(Int32.max) else {
                throw BlobDecodingError(
                    .invalidValue, "the delta adds ordinal \(highest) to \(name), implausibly far beyond its \(old.maxOrdinal)",
                    offset: section.byteRange.lowerBound)
            }
            let words = (highest + 64) / 64
            if words > populated.count { populated += [UInt64](repeating: 0, count: words - populated.count) }
        }
        var patchEntries: [(ordinal: Int, segment: Int, index: Int)] = []
        var removedOrdinals: [Int] = []
        var newSegments: [AnySegment] = []
        for (s, shard) in section.shards.enumerated() {
            for l in shard.removed {
                let g = l << shift | s
                guard OrdinalBits.contains(populated, g) else {
                    throw BlobDecodingError(
                        .invalidValue, "the delta removes ordinal \(g) of \(name), which is not populated",
                        offset: section.byteRange.lowerBound)
                }
                populated[g >> 6] &= ~(UInt64(1) << UInt64(g & 63))
                removedOrdinals.append(g)
            }
        }
        for (s, shard) in section.shards.enumerated() where !shard.added.isEmpty {
            let segmentIndex = newSegments.count
            newSegments.append(shard.segment)
            for (i, l) in shard.added.enumerated() {
                let g = l << shift | s
                guard !OrdinalBits.contains(populated, g) else {
                    throw BlobDecodingError(
                        .invalidValue, "the delta adds ordinal \(g) of \(name), which is already populated",
                        offset: section.byteRange.lowerBound)
                }
                populated[g >> 6] |= UInt64(1) << UInt64(g & 63)
                patchEntries.append((g, segmentIndex, i))
            }
        }
        // Drop trailing empty words so the bit set does not grow along a chain.
        let needed = (section.maxOrdinal + 1 + 63) / 64
        if populated.count > needed, populated[needed...].allSatisfy({ $0 == 0 }) { populated.removeLast(populated.count - needed) }

        func merge<S>(_ layers: Layers<S>, _ unwrap: (AnySegment) -> S) -> Layers<S> {
            var l = layers
            for g in removedOrdinals where l.patch.removeValue(forKey: Int32(g)) != nil {
                l.patched[g >> 6] &= ~(UInt64(1) << UInt64(g & 63))
            }
            let first = l.patchSegments.count
            for segment in newSegments { l.patchSegments.append(unwrap(segment)) }
            for e in patchEntries {
                l.patch[Int32(e.ordinal)] = UInt64(first + e.segment) << 32 | UInt64(e.index)
                let w = e.ordinal >> 6
                if w >= l.patched.count { l.patched += repeatElement(0, count: w + 1 - l.patched.count) }
                l.patched[w] |= UInt64(1) << UInt64(e.ordinal & 63)
            }
            // Forget patch segments no record points at any more.
            var used = [Bool](repeating: false, count: l.patchSegments.count)
            for p in l.patch.values { used[Int(p >> 32)] = true }
            if used.contains(false) {
                var remap = [Int](repeating: -1, count: used.count)
                var kept: [S] = []
                for (i, u) in used.enumerated() where u {
                    remap[i] = kept.count
                    kept.append(l.patchSegments[i])
                }
                l.patchSegments = kept
                for (k, p) in l.patch { l.patch[k] = UInt64(remap[Int(p >> 32)]) << 32 | (p & 0xFFFF_FFFF) }
            }
            return l
        }
        let storage: TypeStorage
        switch old.storage {
        case .object(let l):
            guard case .object(let mine) = old.schema else { fatalError("object storage without object schema") }
            let remap = section.schema != old.schema
            storage = .object(merge(l) { seg in
                guard case .object(let o) = seg else { fatalError("segment kind checked above") }
                return remap ? o.remapped(to: mine) : o
            })
        case .list(let l): storage = .list(merge(l) { if case .list(let s) = $0 { s } else { fatalError("segment kind checked above") } })
        case .set(let l): storage = .set(merge(l) { if case .set(let s) = $0 { s } else { fatalError("segment kind checked above") } })
        case .map(let l): storage = .map(merge(l) { if case .map(let s) = $0 { s } else { fatalError("segment kind checked above") } })
        }
        let next = TypeState(
            schema: old.schema, populated: populated, maxOrdinal: section.maxOrdinal, shardCount: section.numShards, storage: storage)
        return (next.compactedIfWorthIt(), notes)
    }
}
