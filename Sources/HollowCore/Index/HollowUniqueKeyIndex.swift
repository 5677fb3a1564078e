import Synchronization

// A unique-key index built for fast lookups and cheap delta updates: open-addressing tables of
// (key hash, ordinal) pairs, no stored keys. A lookup hashes the query, probes, and compares the candidate
// record's key fields on the compact encoding. After a delta, the index of the new state shares the old
// base table, marks the removed ordinals dead and puts the added ones in a small overlay.

/// Java-compatible hashing of primary-key values, shared by ``HollowUniqueKeyIndex`` and generated indexes.
public enum HollowKeyHash {
    /// The hash of a key made of no fields yet; fold fields in with ``combine(_:_:)``.
    public static let initial: Int32 = 0
    /// Folds one field's hash into a key hash (Java `HollowPrimaryKeyIndex` style).
    @inline(__always)
    public static func combine(_ hash: Int32, _ fieldHash: Int32) -> Int32 { (hash &* 31) ^ HollowHashing.hashInt(fieldHash) }
    /// The field hash of an INT value.
    public static func field(_ v: Int32) -> Int32 { KeyHasher.fieldHash(.int(v)) }
    /// The field hash of a LONG value.
    public static func field(_ v: Int64) -> Int32 { KeyHasher.fieldHash(.long(v)) }
    /// The field hash of a BOOLEAN value.
    public static func field(_ v: Bool) -> Int32 { KeyHasher.fieldHash(.boolean(v)) }
    /// The field hash of a FLOAT value.
    public static func field(_ v: Float) -> Int32 { KeyHasher.fieldHash(.float(v)) }
    /// The field hash of a DOUBLE value.
    public static func field(_ v: Double) -> Int32 { KeyHasher.fieldHash(.double(v)) }
    /// The field hash of a STRING value (Java `String.hashCode`).
    public static func field(_ v: String) -> Int32 { JavaUTF16.javaHashCode(v) }
    /// The field hash of a BYTES value.
    public static func field(_ v: [UInt8]) -> Int32 { HollowHashing.murmur3(v) }
    /// The field hash of a null value.
    public static let null: Int32 = 0
}

/// Finds the record of an OBJECT type by a unique key, over one immutable ``ReadState`` (Java:
/// `HollowUniqueKeyIndex` / `HollowPrimaryKeyIndex`).
///
/// Build it once, then move it along the consumer's deltas with ``updated(to:)`` (or register a
/// ``FollowingUniqueKeyIndex`` with the consumer): the update costs work proportional to the records the
/// delta added and removed. Key paths follow references and auto-extend into single-field types, as in
/// ``HollowPrimaryKeyIndex``. Keys are meant to be unique; when several records share one, which of them a
/// lookup returns is unspecified.
///
/// Layout: a base table of (key hash, ordinal) slots built from scratch, a bit set of ordinals whose base
/// slots are dead, and a small overlay table of the records added since the base was built. An update
/// shares the base, copies the bit set and rebuilds only the overlay; when the overlay outgrows an eighth
/// of the index, the next update rebuilds the base.
public final class HollowUniqueKeyIndex: Sendable {
    /// The state the index answers for; ordinals it returns are ordinals of this state.
    public let state: ReadState
    /// The indexed type.
    public let type: String
    /// The key field paths.
    public let fieldPaths: [String]
    /// The final field type of each key path.
    public let fieldTypes: [HollowFieldType]
    /// How this index was made: `true` when built from scratch, `false` when updated from a delta.
    public let wasRebuilt: Bool

    private let paths: [ResolvedPath]
    /// Base slots: `UInt64(UInt32(hash)) << 32 | UInt64(UInt32(ordinal))`, or ``empty``.
    @usableFromInline let table: [UInt64]
    /// Ordinals whose base slots no longer count (removed since the base was built).
    @usableFromInline let dead: [UInt64]
    /// Slots of the records added since the base was built (empty when none).
    @usableFromInline let overlay: [UInt64]
    @usableFromInline let overlayCount: Int
    private let count: Int

    @usableFromInline static var empty: UInt64 { UInt64.max }

    /// Indexes `type` of `state` by `fieldPaths`, or by the type's declared primary key when nil.
    /// - Throws: ``HollowIndexError`` for an unknown type, a type without primary key, or a bad path.
    public convenience init(state: ReadState, type: String, fieldPaths: [String]? = nil) throws(HollowIndexError) {
        guard case .object(let schema)? = state.schema(named: type) else {
            throw HollowIndexError("\(type) is not an object type of this state")
        }
        guard let names = fieldPaths ?? schema.primaryKey, !names.isEmpty else {
            throw HollowIndexError("\(type) declares no primary key; pass fieldPaths")
        }
        let paths = try Self.resolve(state, type: type, names)
        var ordinals: [Int] = []
        if let access = HollowObjectTypeDataAccess(state: state, type: type) { ordinals = access.populatedOrdinals }
        let (table, count) = Self.makeTable(ordinals.map { (Self.recordHash(paths, $0), $0) }, paths)
        self.init(
            state: state, type: type, fieldPaths: names, paths: paths, table: table, dead: [], overlay: [],
            overlayCount: 0, count: count, wasRebuilt: true)
    }

    private init(
        state: ReadState, type: String, fieldPaths: [String], paths: [ResolvedPath], table: [UInt64], dead: [UInt64],
        overlay: [UInt64], overlayCount: Int, count: Int, wasRebuilt: Bool
    ) {
        self.state = state
        self.type = type
        self.fieldPaths = fieldPaths
        self.fieldTypes = paths.map(\.finalType)
        self.paths = paths
        self.table = table
        self.dead = dead
        self.overlay = overlay
        self.overlayCount = overlayCount
        self.count = count
        self.wasRebuilt = wasRebuilt
    }

    /// The number of records indexed (the number of distinct keys, when keys are unique).
    public var keyCount: Int { count }

    // MARK: Lookups

    /// The ordinal of the record whose key fields equal `keys` (one value per key path), or nil.
    public func matchingOrdinal(_ keys: [HollowValue]) -> Int? {
        guard keys.count == paths.count else { return nil }
        var values: [HollowValue] = []
        values.reserveCapacity(keys.count)
        var h = HollowKeyHash.initial
        for (k, p) in zip(keys, paths) {
            guard let v = KeyHasher.coerce(k, to: p.finalType) else { return nil }
            values.append(v)
            h = HollowKeyHash.combine(h, KeyHasher.fieldHash(v))
        }
        return matchingOrdinal(hash: h) { o in
            for (p, v) in zip(paths, values) where !p.matches(o, v) { return false }
            return true
        }
    }

    /// Java's `getMatchingOrdinal(Object... keys)`: the matching ordinal, or -1.
    public func getMatchingOrdinal(_ keys: HollowValue...) -> Int { matchingOrdinal(keys) ?? -1 }

    /// The ordinal of a single-field INT/LONG/REFERENCE key, without building ``HollowValue``s.
    public func matchingOrdinal(_ key: Int64) -> Int? {
        guard paths.count == 1 else { return nil }
        let p = paths[0]
        switch p.finalType {
        case .int:
            guard let v = Int32(exactly: key) else { return nil }
            return matchingOrdinal(hash: HollowKeyHash.combine(0, HollowKeyHash.field(v))) { p.matchesInt($0, v) }
        case .long:
            return matchingOrdinal(hash: HollowKeyHash.combine(0, HollowKeyHash.field(key))) { p.matchesLong($0, key) }
        default:
            return matchingOrdinal([.long(key)])
        }
    }

    /// The ordinal of a single-field STRING key, compared on the compact encoding.
    public func matchingOrdinal(_ key: String) -> Int? {
        guard paths.count == 1, paths[0].finalType == .string else { return nil }
        let p = paths[0]
        return matchingOrdinal(hash: HollowKeyHash.combine(0, HollowKeyHash.field(key))) { p.matchesString($0, key) }
    }

    /// The ordinal whose key hashes to `hash` (computed with ``HollowKeyHash``) and for which `matches` is
    /// true, or nil. Generated indexes call this with a typed comparison.
    @inlinable @inline(__always)
    public func matchingOrdinal(hash: Int32, matches: (Int) -> Bool) -> Int? {
        let tag = UInt64(UInt32(bitPattern: hash))
        if overlayCount > 0, let o = Self.probe(overlay, tag, [], matches) { return o }
        return Self.probe(table, tag, dead, matches)
    }

    @inlinable @inline(__always)
    static func probe(_ table: [UInt64], _ tag: UInt64, _ dead: [UInt64], _ matches: (Int) -> Bool) -> Int? {
        table.withUnsafeBufferPointer { t in
            let mask = t.count - 1
            var b = Int(tag) & mask
            for _ in 0..<t.count {
                let e = t[b]
                if e == empty { return nil }
                if e >> 32 == tag {
                    let o = Int(e & 0xFFFF_FFFF)
                    let isDead = o >> 6 < dead.count && dead[o >> 6] & (UInt64(1) << UInt64(o & 63)) != 0
                    if !isDead && matches(o) { return o }
                }
                b = (b &+ 1) & mask
            }
            return nil
        }
    }

    // MARK: Delta updates

    /// The index of `newState`, reached from this index's ``state`` by ONE delta or reverse delta: the records
    /// the transition removed are marked dead, the ones it added go into the overlay (Java
    /// `listenForDeltaUpdates`). The removed and added ordinals come from the type's populated-ordinal bit sets
    /// before and after. Work is proportional to the change plus the overlay; the base table is shared.
    /// Falls back to a rebuild when the indexed types' schemas changed or the overlay grew past an eighth.
    /// - Throws: ``HollowIndexError`` when the rebuild fails (the type or a key path is gone).
    public func updated(to newState: ReadState) throws(HollowIndexError) -> HollowUniqueKeyIndex {
        if newState === state { return self }
        guard let oldType = state.types[type], let newType = newState.types[type], oldType.schema == newType.schema,
            paths.allSatisfy({ $0.typesUnchanged(from: state, to: newState) })
        else {
            return try HollowUniqueKeyIndex(state: newState, type: type, fieldPaths: fieldPaths)
        }
        let newPaths = paths.map { $0.rebased(to: newState) }
        if oldType === newType {
            return HollowUniqueKeyIndex(
                state: newState, type: type, fieldPaths: fieldPaths, paths: newPaths, table: table, dead: dead,
                overlay: overlay, overlayCount: overlayCount, count: count, wasRebuilt: false)
        }
        var removed = 0
        var added: [Int] = []
        var newDead = dead
        let before = oldType.populated
        let after = newType.populated
        // Removed ordinals were populated before: the dead set needs at most `before`'s words.
        if newDead.count < before.count { newDead += repeatElement(0, count: before.count - newDead.count) }
        for w in 0..<max(before.count, after.count) {
            let a = w < before.count ? before[w] : 0
            let b = w < after.count ? after[w] : 0
            let gone = a & ~b
            if gone != 0 {
                removed += gone.nonzeroBitCount
                newDead[w] |= gone
            }
            var new = b & ~a
            while new != 0 {
                added.append(w &* 64 &+ new.trailingZeroBitCount)
                new &= new &- 1
            }
        }
        // The overlay keeps its records that are still populated, plus the added ones.
        var entries: [(Int32, Int)] = []
        entries.reserveCapacity(overlayCount + added.count)
        for e in overlay where e != Self.empty {
            let o = Int(e & 0xFFFF_FFFF)
            if OrdinalBits.contains(after, o) { entries.append((Int32(bitPattern: UInt32(e >> 32)), o)) }
        }
        for o in added { entries.append((Self.recordHash(newPaths, o), o)) }
        let newCount = count - removed + added.count
        if entries.count > max(64, newCount / 8) {
            return try HollowUniqueKeyIndex(state: newState, type: type, fieldPaths: fieldPaths)
        }
        let (newOverlay, n) = entries.isEmpty ? ([], 0) : Self.makeTable(entries, newPaths)
        return HollowUniqueKeyIndex(
            state: newState, type: type, fieldPaths: fieldPaths, paths: newPaths, table: table, dead: newDead,
            overlay: newOverlay, overlayCount: n, count: newCount, wasRebuilt: false)
    }

    // MARK: Internals

    /// A table of twice the entries' count (a power of two), first entry of equal keys wins.
    private static func makeTable(_ entries: [(Int32, Int)], _ paths: [ResolvedPath]) -> ([UInt64], Int) {
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var t = [UInt64](repeating: empty, count: capacity)
        var n = 0
        let mask = capacity - 1
        t.withUnsafeMutableBufferPointer { t in
            for (hash, ordinal) in entries {
                let tag = UInt64(UInt32(bitPattern: hash))
                var b = Int(tag) & mask
                var duplicate = false
                while t[b] != empty {
                    if t[b] >> 32 == tag, paths.allSatisfy({ $0.sameKey(Int(t[b] & 0xFFFF_FFFF), ordinal) }) {
                        duplicate = true
                        break
                    }
                    b = (b &+ 1) & mask
                }
                if !duplicate {
                    t[b] = tag << 32 | UInt64(UInt32(truncatingIfNeeded: ordinal))
                    n += 1
                }
            }
        }
        return (t, n)
    }

    private static func recordHash(_ paths: [ResolvedPath], _ ordinal: Int) -> Int32 {
        var h = HollowKeyHash.initial
        for p in paths { h = HollowKeyHash.combine(h, p.fieldHash(ordinal)) }
        return h
    }

    private static func resolve(_ state: ReadState, type: String, _ names: [String]) throws(HollowIndexError) -> [ResolvedPath] {
        var out: [ResolvedPath] = []
        for n in names {
            guard let p = FieldPath.resolve(state, type: type, path: n) else {
                throw HollowIndexError("field path \(n) does not resolve from \(type)")
            }
            var steps: [ResolvedPath.Step] = []
            for s in p.steps {
                guard let access = HollowObjectTypeDataAccess(state: state, type: s.type) else {
                    throw HollowIndexError("field path \(n) crosses \(s.type), which is not an object type")
                }
                steps.append(.init(access: access, field: s.field))
            }
            out.append(ResolvedPath(steps: steps, finalType: p.finalType))
        }
        return out
    }
}

/// A key path resolved to data accesses of one state.
private struct ResolvedPath: Sendable {
    struct Step: Sendable {
        let access: HollowObjectTypeDataAccess
        let field: Int
    }
    let steps: [Step]
    let finalType: HollowFieldType

    /// The ordinal of the record holding the final field, or nil when a reference on the way is null.
    @inline(__always)
    func last(_ ordinal: Int) -> Int? {
        var o = ordinal
        var i = 0
        while i < steps.count - 1 {
            guard let next = steps[i].access.readOrdinal(o, steps[i].field) else { return nil }
            o = next
            i += 1
        }
        return o
    }

    func value(_ ordinal: Int) -> HollowValue? {
        guard let o = last(ordinal), let s = steps.last else { return nil }
        return s.access.value(o, s.field)
    }

    func fieldHash(_ ordinal: Int) -> Int32 {
        guard let o = last(ordinal), let s = steps.last else { return HollowKeyHash.null }
        switch finalType {
        case .string: return s.access.stringHash(o, s.field) ?? HollowKeyHash.null
        case .int: return s.access.readInt(o, s.field).map { KeyHasher.fieldHash(.int($0)) } ?? HollowKeyHash.null
        case .long: return s.access.readLong(o, s.field).map { KeyHasher.fieldHash(.long($0)) } ?? HollowKeyHash.null
        case .reference: return s.access.readOrdinal(o, s.field).map { KeyHasher.fieldHash(.reference($0)) } ?? HollowKeyHash.null
        default: return KeyHasher.fieldHash(s.access.value(o, s.field))
        }
    }

    func matches(_ ordinal: Int, _ v: HollowValue) -> Bool {
        switch v {
        case .string(let s): return matchesString(ordinal, s)
        case .int(let i): return matchesInt(ordinal, i)
        case .long(let l): return matchesLong(ordinal, l)
        default: return IndexKeyPart(value(ordinal)) == IndexKeyPart(v)
        }
    }

    @inline(__always)
    func matchesInt(_ ordinal: Int, _ v: Int32) -> Bool {
        guard let o = last(ordinal), let s = steps.last else { return false }
        return s.access.readInt(o, s.field) == v
    }

    @inline(__always)
    func matchesLong(_ ordinal: Int, _ v: Int64) -> Bool {
        guard let o = last(ordinal), let s = steps.last else { return false }
        return s.access.readLong(o, s.field) == v
    }

    @inline(__always)
    func matchesString(_ ordinal: Int, _ v: String) -> Bool {
        guard let o = last(ordinal), let s = steps.last else { return false }
        return s.access.stringEquals(o, s.field, v)
    }

    func sameKey(_ a: Int, _ b: Int) -> Bool { IndexKeyPart(value(a)) == IndexKeyPart(value(b)) }

    /// True when every type on the path has the same schema in both states.
    func typesUnchanged(from old: ReadState, to new: ReadState) -> Bool {
        steps.allSatisfy { new.types[$0.access.name]?.schema == old.types[$0.access.name]?.schema }
    }

    func rebased(to state: ReadState) -> ResolvedPath {
        ResolvedPath(
            steps: steps.map { s in
                Step(access: s.access.state === state ? s.access : (HollowObjectTypeDataAccess(state: state, type: s.access.name) ?? s.access), field: s.field)
            }, finalType: finalType)
    }
}

// MARK: - Following a consumer

/// Something that follows the states a consumer moves through: a snapshot load, or one delta / reverse delta
/// at a time (Java: `HollowTypeStateListener` + `listenForDeltaUpdates`). The consumer calls it after the
/// new state is published.
public protocol ReadStateTransitionListener: AnyObject, Sendable {
    /// The consumer loaded `state` from a snapshot (or this listener was just registered).
    func snapshotLoaded(_ state: ReadState)
    /// The consumer moved from `old` to `new` by applying one delta or reverse delta.
    func deltaApplied(from old: ReadState, to new: ReadState)
}

/// An index that can follow deltas: ``HollowUniqueKeyIndex`` and ``HollowHashIndex``.
public protocol HollowDeltaUpdatableIndex: AnyObject, Sendable {
    /// The state the index's ordinals belong to.
    var state: ReadState { get }
    /// Whether this index was built from scratch (false: updated from a delta).
    var wasRebuilt: Bool { get }
    /// The index of `newState`, a delta or reverse delta away from ``state``: updated with work proportional to
    /// the change where possible, rebuilt otherwise.
    func updated(to newState: ReadState) throws(HollowIndexError) -> Self
}

extension HollowUniqueKeyIndex: HollowDeltaUpdatableIndex {}
extension HollowHashIndex: HollowDeltaUpdatableIndex {}

/// An index that follows a consumer's refreshes: built after a snapshot, updated with `updated(to:)` after each
/// delta (Java: `listenForDeltaUpdates`). Register it with the consumer's `addTransitionListener`; read
/// ``current``, whose `state` is the state its ordinals belong to, so a lookup and the reads that follow it stay
/// consistent across refreshes. Use ``FollowingUniqueKeyIndex`` or ``FollowingHashIndex``.
public final class FollowingIndex<Index: HollowDeltaUpdatableIndex>: ReadStateTransitionListener {
    private let build: @Sendable (ReadState) throws(HollowIndexError) -> Index
    private let box = Mutex(Box())

    private struct Box {
        var index: Index?
        var error: HollowIndexError?
        var updates = 0
        var rebuilds = 0
    }

    /// A follower that builds its index of a snapshot's state with `build`.
    public init(build: @escaping @Sendable (ReadState) throws(HollowIndexError) -> Index) {
        self.build = build
    }

    /// The index of the newest state seen, or nil before the first state (or when it could not be built).
    public var current: Index? { box.withLock { $0.index } }
    /// Why the last state could not be indexed, or nil.
    public var lastError: HollowIndexError? { box.withLock { $0.error } }
    /// How many times the index was updated from a delta.
    public var deltaUpdateCount: Int { box.withLock { $0.updates } }
    /// How many times the index was built from scratch.
    public var rebuildCount: Int { box.withLock { $0.rebuilds } }

    private func set(_ index: Index?, _ error: HollowIndexError?) {
        box.withLock { b in
            b.index = index
            b.error = error
            if let index { if index.wasRebuilt { b.rebuilds += 1 } else { b.updates += 1 } }
        }
    }

    public func snapshotLoaded(_ state: ReadState) {
        do throws(HollowIndexError) {
            set(try build(state), nil)
        } catch {
            set(nil, error)
        }
    }

    public func deltaApplied(from old: ReadState, to new: ReadState) {
        guard let index = current, index.state === old else { return snapshotLoaded(new) }
        do throws(HollowIndexError) {
            set(try index.updated(to: new), nil)
        } catch {
            set(nil, error)
        }
    }
}

/// A ``HollowUniqueKeyIndex`` that follows a consumer's refreshes (see ``FollowingIndex``).
public typealias FollowingUniqueKeyIndex = FollowingIndex<HollowUniqueKeyIndex>

extension FollowingIndex where Index == HollowUniqueKeyIndex {
    /// Follows the index of `type` keyed by `fieldPaths` (nil: the declared primary key).
    public convenience init(type: String, fieldPaths: [String]? = nil) {
        self.init { state throws(HollowIndexError) in
            try HollowUniqueKeyIndex(state: state, type: type, fieldPaths: fieldPaths)
        }
    }
}

/// A ``HollowHashIndex`` that follows a consumer's refreshes (see ``FollowingIndex``).
public typealias FollowingHashIndex = FollowingIndex<HollowHashIndex>

extension FollowingIndex where Index == HollowHashIndex {
    /// Follows the index of `type` selecting `selectField` by `matchFields`.
    public convenience init(type: String, selectField: String, matchFields: [String]) {
        self.init { state throws(HollowIndexError) in
            try HollowHashIndex(state: state, type: type, selectField: selectField, matchFields: matchFields)
        }
    }
}
