import Synchronization

/// An index could not be built: unknown type or a field path that does not resolve.
public struct HollowIndexError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the type and path.
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { "index: \(message)" }
}

/// Finds the record of a type by its primary key (Java: `HollowPrimaryKeyIndex`).
///
/// Built over one immutable ``ReadState``; build a new index for a new state. Key field paths follow
/// references and auto-extend into single-field types (`"name"` → `"name.value"`), as in Java.
public final class HollowPrimaryKeyIndex: Sendable {
    /// The indexed type.
    public let type: String
    /// The key field paths.
    public let fieldPaths: [String]
    private let fieldTypes: [HollowFieldType]
    private let table: [[IndexKeyPart]: Int]

    /// Indexes `type` of `state` by `fieldPaths`, or by the type's declared primary key when nil.
    /// - Throws: ``HollowIndexError`` for an unknown type, a type without primary key, or a bad path.
    public init(state: ReadState, type: String, fieldPaths: [String]? = nil) throws(HollowIndexError) {
        guard case .object(let schema)? = state.schema(named: type) else {
            throw HollowIndexError("\(type) is not an object type of this state")
        }
        guard let paths = fieldPaths ?? schema.primaryKey, !paths.isEmpty else {
            throw HollowIndexError("\(type) declares no primary key; pass fieldPaths")
        }
        var resolved: [FieldPath] = []
        for p in paths {
            guard let path = FieldPath.resolve(state, type: type, path: p) else {
                throw HollowIndexError("field path \(p) does not resolve from \(type)")
            }
            resolved.append(path)
        }
        var table: [[IndexKeyPart]: Int] = [:]
        let ordinals = state.populatedOrdinals(of: type)
        table.reserveCapacity(ordinals.count)
        for o in ordinals {
            let key = resolved.map { IndexKeyPart($0.value(state, o)) }
            if table[key] == nil { table[key] = o }
        }
        self.type = type
        self.fieldPaths = paths
        self.fieldTypes = resolved.map(\.finalType)
        self.table = table
    }

    /// The ordinal of the record whose key fields equal `keys`, or nil.
    public func matchingOrdinal(_ keys: [HollowValue]) -> Int? {
        guard keys.count == fieldTypes.count else { return nil }
        var key: [IndexKeyPart] = []
        for (k, t) in zip(keys, fieldTypes) {
            guard let v = KeyHasher.coerce(k, to: t) else { return nil }
            key.append(IndexKeyPart(v))
        }
        return table[key]
    }

    /// Java's `getMatchingOrdinal(Object... keys)`: the matching ordinal, or -1.
    public func getMatchingOrdinal(_ keys: HollowValue...) -> Int { matchingOrdinal(keys) ?? -1 }

    /// The number of distinct keys indexed.
    public var count: Int { table.count }
}

/// The ordinals a ``HollowHashIndex`` query matched (Java: `HollowHashIndexResult`): a view of the index's
/// table, made without copying.
public struct HollowHashIndexResult: RandomAccessCollection, Sendable {
    @usableFromInline let buffer: [Int32]
    /// The position of the first match in the index's table.
    public let startIndex: Int
    /// One past the position of the last match.
    public let endIndex: Int

    init(buffer: [Int32], range: Range<Int>) {
        self.buffer = buffer
        self.startIndex = range.lowerBound
        self.endIndex = range.upperBound
    }

    /// A result with no matches.
    public init() { self.init(buffer: [], range: 0..<0) }

    /// The matched ordinal at `position`.
    @inlinable public subscript(position: Int) -> Int { Int(buffer[position]) }
    /// The matched ordinals of the selected type, ascending and distinct.
    public var ordinals: [Int] { Array(self) }
    /// The number of matches.
    public var numResults: Int { endIndex - startIndex }
    /// True if `ordinal` is among the matches (a binary search: matches are ascending).
    public func contains(_ ordinal: Int) -> Bool {
        var lo = startIndex
        var hi = endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            let v = Int(buffer[mid])
            if v == ordinal { return true }
            if v < ordinal { lo = mid + 1 } else { hi = mid }
        }
        return false
    }
}

/// The records a generated hash index's query matched, as views of a generated API (Java: the `Iterable<Movie>`
/// that a generated `findMovieMatches` returns): positions `0 ..< count` over a ``HollowHashIndexResult``, made
/// without copying its ordinals; each element is made on access.
public struct HollowHashIndexRecords<Record: HollowGeneratedRecord>: RandomAccessCollection, Sendable {
    /// The API the views read through.
    public let api: Record.API
    /// The matched ordinals (empty when nothing matched).
    public let result: HollowHashIndexResult

    /// The records of `api` whose ordinals are `result` (nil: none).
    @inlinable public init(api: Record.API, result: HollowHashIndexResult?) {
        self.api = api
        self.result = result ?? HollowHashIndexResult()
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { result.endIndex &- result.startIndex }
    /// The view of the match at `position` (0 ..< count), in ascending ordinal order.
    @inlinable public subscript(position: Int) -> Record {
        precondition(position >= 0 && position < endIndex, "position out of range")
        return Record(api: api, ordinal: result[result.startIndex &+ position])
    }
    /// The matched ordinals, ascending.
    public var ordinals: [Int] { result.ordinals }
}

/// Finds records by the values of one or more match field paths, returning records selected by another
/// path (Java: `HollowHashIndex(engine, type, selectField, matchFields...)`).
///
/// Paths go through object fields (references are followed), `element` of lists and sets, and `key` /
/// `value` of maps, e.g. select `"actors.element"` matching `"actors.element.name"` from `Movie`. When
/// the select path and the match paths share a leading part, matches are correlated within it (the
/// selected actor is the one whose name matched). Paths ending on a reference match the referenced
/// ordinal; they are not auto-extended (write `"name.value"`).
///
/// Layout: the selected ordinals grouped per distinct key in one `[Int32]` buffer (a counting sort), and a
/// key table pointing at the groups. When every path goes through object fields only (at most one value per
/// root record), the key table is an open-addressing table of (key hash, group) slots that stores no keys:
/// a probe compares the query with the key fields of a record of the group, read in place, and the build
/// reads the key fields straight from the type data without allocating per record.
///
/// Build it once, then move it along the consumer's deltas with ``updated(to:)`` (or register a
/// ``FollowingHashIndex`` with the consumer): for an index selecting the root records (`selectField == ""`),
/// whatever its match paths, the update marks the removed roots dead and indexes the added ones in a small
/// overlay, with work proportional to the change; indexes selecting other records are rebuilt.
public final class HollowHashIndex: Sendable {
    /// The state the index answers for; ordinals it returns are ordinals of this state.
    public let state: ReadState
    /// The root type.
    public let type: String
    /// The path from the root to the selected records (`""` selects the root records).
    public let selectField: String
    /// The match paths, in query order.
    public let matchFields: [String]
    /// The type of the selected records (``type`` when ``selectField`` is empty; empty when the select path ends
    /// on a value, which selects nothing).
    public let selectedType: String
    /// How this index was made: `true` when built from scratch, `false` when updated from a delta.
    public let wasRebuilt: Bool
    private let matchTypes: [HollowFieldType]
    /// The types the match paths go through (their schemas must not change for a delta update).
    private let pathTypes: [String]
    /// The table built from scratch (over the state it was built for, which it keeps reading).
    private let base: HashIndexTable
    /// Root ordinals whose entries in ``base`` no longer count (removed since the base was built).
    private let dead: [UInt64]
    private let deadCount: Int
    /// The roots added since the base was built, indexed over ``state`` (nil when none).
    private let overlay: HashIndexOverlay?

    /// Builds the index over `state`.
    /// - Throws: ``HollowIndexError`` for an unknown type or a path that does not resolve.
    public convenience init(state: ReadState, type: String, selectField: String, matchFields: [String]) throws(HollowIndexError) {
        guard state.schema(named: type) != nil else { throw HollowIndexError("\(type) is not a type of this state") }
        guard !matchFields.isEmpty else { throw HollowIndexError("a hash index needs at least one match field") }
        guard let select = WalkPath.resolve(state, root: type, path: selectField) else {
            throw HollowIndexError("select field \(selectField) does not resolve from \(type)")
        }
        var matches: [WalkPath] = []
        for m in matchFields {
            guard let p = WalkPath.resolve(state, root: type, path: m) else {
                throw HollowIndexError("match field \(m) does not resolve from \(type)")
            }
            matches.append(p)
        }
        let base: HashIndexTable
        if let root = HollowObjectTypeDataAccess(state: state, type: type),
            let selectPath = ScalarPath(state, select), case let matchPaths = matches.compactMap({ ScalarPath(state, $0) }),
            matchPaths.count == matches.count
        {
            base = Self.buildScalar(selectPath, matchPaths, count: root.populatedCount) { body in root.forEachOrdinal(body) }
        } else if select.steps.isEmpty, matches.count == 1, let hops = HopPath(state, matches[0]),
            let root = state.types[type]
        {
            base = Self.buildFanned(hops, holderType: state.types[hops.holderType]) { body in OrdinalBits.forEach(root.populated, body) }
        } else {
            base = Self.buildWalking(state, state.populatedOrdinals(of: type), select, matches)
        }
        var pathTypes: [String] = []
        for p in matches { for t in p.typeNames where !pathTypes.contains(t) { pathTypes.append(t) } }
        self.init(
            state: state, type: type, selectField: selectField, matchFields: matchFields,
            selectedType: select.endType, matchTypes: matches.map(\.finalType), pathTypes: pathTypes, base: base, dead: [], deadCount: 0, overlay: nil,
            wasRebuilt: true)
    }

    private init(
        state: ReadState, type: String, selectField: String, matchFields: [String], selectedType: String,
        matchTypes: [HollowFieldType], pathTypes: [String], base: HashIndexTable, dead: [UInt64], deadCount: Int, overlay: HashIndexOverlay?,
        wasRebuilt: Bool
    ) {
        self.pathTypes = pathTypes
        self.selectedType = selectedType
        self.state = state
        self.type = type
        self.selectField = selectField
        self.matchFields = matchFields
        self.matchTypes = matchTypes
        self.base = base
        self.dead = dead
        self.deadCount = deadCount
        self.overlay = overlay
        self.wasRebuilt = wasRebuilt
    }

    /// The selected ordinals of records whose match fields equal `query` (one value per match field), or nil.
    public func findMatches(_ query: [HollowValue]) -> HollowHashIndexResult? {
        guard query.count == matchTypes.count else { return nil }
        var values: [HollowValue] = []
        values.reserveCapacity(query.count)
        for (q, t) in zip(query, matchTypes) {
            guard let v = KeyHasher.coerce(q, to: t) else { return nil }
            values.append(v)
        }
        let group = base.group(values)
        if deadCount == 0 && overlay == nil {
            return group.map { HollowHashIndexResult(buffer: base.ordinals, range: base.range($0)) }
        }
        // An updated index: the base's live matches merged with the overlay's (its roots in base groups and
        // under keys of its own). A root is in at most one of the base's live entries and the overlay, but it
        // can be in both parts of the overlay (two holders with equal keys, one unchanged, one not).
        var merged: [Int32] = []
        var parts = 0
        if let group {
            for i in base.range(group) where !OrdinalBits.contains(dead, Int(base.ordinals[i])) { merged.append(base.ordinals[i]) }
            if !merged.isEmpty { parts += 1 }
        }
        if let overlay {
            if let group, let extra = overlay.inBaseGroups, let r = extra.range(ofGroup: group) {
                merged += extra.ordinals[r]
                parts += 1
            }
            if let table = overlay.table, let r = table.find(values) {
                merged += table.ordinals[r]
                parts += 1
            }
        }
        if parts > 1 {
            merged.sort()
            var out = 0
            var previous: Int32 = -1
            for o in merged where o != previous {
                previous = o
                merged[out] = o
                out += 1
            }
            merged.removeLast(merged.count - out)
        }
        return merged.isEmpty ? nil : HollowHashIndexResult(buffer: merged, range: 0..<merged.count)
    }

    /// Java's `findMatches(Object... query)`.
    public func findMatches(_ query: HollowValue...) -> HollowHashIndexResult? { findMatches(query) }

    /// The number of distinct keys indexed. After ``updated(to:)``, the keys of the base table plus those of
    /// the overlay: keys whose records were all removed still count, and a key in both counts twice.
    public var keyCount: Int { base.keyCount + (overlay?.table?.keyCount ?? 0) }

    // MARK: Delta updates

    /// The index of `newState`, reached from this index's ``state`` by ONE delta or reverse delta (Java
    /// `listenForDeltaUpdates`): the root records the transition removed are marked dead, the ones it added
    /// are indexed in an overlay, found from the root type's populated-ordinal bit sets before and after. The
    /// base table is shared, so the work is proportional to the change plus the overlay. This holds for any
    /// match paths (object fields and collection hops alike) when the index selects the root records: a
    /// record that stays populated keeps everything it references, so only added and removed roots change
    /// the answers. Rebuilds instead when the index selects anything else (its table does not record which
    /// root an entry came from), a type on a path changed its schema, or the removed and added records since
    /// the base was built exceed an eighth of the index.
    /// - Throws: ``HollowIndexError`` when the rebuild fails (the type or a path is gone).
    public func updated(to newState: ReadState) throws(HollowIndexError) -> HollowHashIndex {
        if newState === state { return self }
        guard selectField.isEmpty, let oldType = state.types[type], let newType = newState.types[type],
            oldType.schema == newType.schema, pathTypes.allSatisfy({ state.types[$0]?.schema == newState.types[$0]?.schema })
        else {
            return try rebuilt(newState)
        }
        if oldType === newType {
            return HollowHashIndex(
                state: newState, type: type, selectField: selectField, matchFields: matchFields, selectedType: selectedType,
                matchTypes: matchTypes, pathTypes: pathTypes, base: base, dead: dead, deadCount: deadCount, overlay: overlay, wasRebuilt: false)
        }
        var newDead = dead
        var added: [Int] = []
        let before = oldType.populated
        let after = newType.populated
        // Removed ordinals were populated before: the dead set needs at most `before`'s words.
        if newDead.count < before.count { newDead += repeatElement(0, count: before.count - newDead.count) }
        for w in 0..<max(before.count, after.count) {
            let a = w < before.count ? before[w] : 0
            let b = w < after.count ? after[w] : 0
            let gone = a & ~b
            if gone != 0 {
                newDead[w] |= gone
            }
            var new = b & ~a
            while new != 0 {
                added.append(w &* 64 &+ new.trailingZeroBitCount)
                new &= new &- 1
            }
        }
        // The overlay keeps its roots that are still populated, plus the added ones. Base entries of an
        // ordinal that was removed and later added again stay dead; the overlay holds the new record.
        var roots: [Int] = []
        if let overlay { roots = overlay.roots.filter { OrdinalBits.contains(after, $0) } }
        roots += added
        roots.sort()
        let deadCount = OrdinalBits.count(newDead)
        if deadCount + roots.count > max(64, newType.populatedCount / 8) { return try rebuilt(newState) }
        var walks: [WalkPath] = []
        for m in matchFields {
            guard let w = WalkPath.resolve(newState, root: type, path: m) else { return try rebuilt(newState) }
            walks.append(w)
        }
        var newOverlay: HashIndexOverlay?
        if !roots.isEmpty {
            if HollowObjectTypeDataAccess(state: newState, type: type) != nil,
                case let scalar = walks.compactMap({ ScalarPath(newState, $0) }), scalar.count == walks.count
            {
                let table = Self.buildScalar(ScalarPath(), scalar, count: roots.count) { body in roots.forEach(body) }
                newOverlay = HashIndexOverlay(roots: roots, table: table, inBaseGroups: nil)
            } else if walks.count == 1, let hops = HopPath(newState, walks[0]) {
                if let holders = base.holders, let holderType = newState.types[hops.holderType] {
                    // A holder's key is its ordinal when the path ends on the holders: every holder keeps its group.
                    let unmoved = hops.tail.isEmpty ? UnmovedRecords() : UnmovedRecords(holders.type, holderType)
                    newOverlay = Self.buildFannedOverlay(hops, holders, keyCount: base.keyCount, unmoved: unmoved, roots: roots)
                } else {
                    let table = Self.buildFanned(hops, holderType: nil) { body in roots.forEach(body) }
                    newOverlay = HashIndexOverlay(roots: roots, table: table, inBaseGroups: nil)
                }
            } else {
                let table = Self.buildWalking(newState, roots, WalkPath(steps: [], finalType: .reference), walks)
                newOverlay = HashIndexOverlay(roots: roots, table: table, inBaseGroups: nil)
            }
        }
        return HollowHashIndex(
            state: newState, type: type, selectField: selectField, matchFields: matchFields, selectedType: selectedType,
            matchTypes: matchTypes, pathTypes: pathTypes, base: base, dead: newDead, deadCount: deadCount, overlay: newOverlay, wasRebuilt: false)
    }

    private func rebuilt(_ newState: ReadState) throws(HollowIndexError) -> HollowHashIndex {
        try HollowHashIndex(state: newState, type: type, selectField: selectField, matchFields: matchFields)
    }

    // MARK: Building

    private static let emptySlot = UInt64.max

    @inline(__always)
    fileprivate static func probe(_ slots: [UInt64], _ hash: Int32, _ matches: (Int) -> Bool) -> Int? {
        slots.withUnsafeBufferPointer { t in
            let tag = UInt64(UInt32(bitPattern: hash))
            let mask = t.count - 1
            var b = Int(tag) & mask
            for _ in 0..<t.count {
                let e = t[b]
                if e == emptySlot { return nil }
                if e >> 32 == tag, matches(Int(e & 0xFFFF_FFFF)) { return Int(e & 0xFFFF_FFFF) }
                b = (b &+ 1) & mask
            }
            return nil
        }
    }

    /// Every path is single-valued: one pass over the root records hashes the key fields in place, assigns
    /// each distinct key a group in an open-addressing table, then a counting sort groups the selected ordinals.
    private static func buildScalar(
        _ select: ScalarPath, _ paths: [ScalarPath], count n: Int, _ forEachRoot: ((Int) -> Void) -> Void
    ) -> HashIndexTable {
        var entryGroup = [Int32](repeating: 0, count: n)
        var entrySelected = [Int32](repeating: 0, count: n)
        var entries = 0
        var counts: [Int32] = []
        var reps: [Int32] = []
        var hashes: [Int32] = []
        var capacity = 256
        var slots = [UInt64](repeating: emptySlot, count: capacity)
        var selectedAscending = true
        var lastSelected = -1
        // Numeric key fields are compared by their bits, kept per group; strings and bytes are read again
        // from the group's first record.
        let np = paths.count
        let exact = paths.map(\.hasExactBits)
        var raw = [UInt64](repeating: 0, count: np)
        var groupRaw: [UInt64] = []
        forEachRoot { o in
            guard let selected = select.target(o) else { return }
            var h = HollowKeyHash.initial
            for i in 0..<np {
                guard let (bits, fh) = paths[i].key(o) else { return }
                raw[i] = bits
                h = HollowKeyHash.combine(h, fh)
            }
            let tag = UInt64(UInt32(bitPattern: h))
            var group = -1
            slots.withUnsafeMutableBufferPointer { t in
                let mask = t.count - 1
                var b = Int(tag) & mask
                while true {
                    let e = t[b]
                    if e == emptySlot {
                        group = reps.count
                        t[b] = tag << 32 | UInt64(group)
                        break
                    }
                    if e >> 32 == tag {
                        let g = Int(e & 0xFFFF_FFFF)
                        var same = true
                        for i in 0..<np where !(exact[i] ? groupRaw[g &* np &+ i] == raw[i] : paths[i].sameValue(Int(reps[g]), o)) {
                            same = false
                            break
                        }
                        if same {
                            group = g
                            break
                        }
                    }
                    b = (b &+ 1) & mask
                }
            }
            if group == reps.count {
                reps.append(Int32(truncatingIfNeeded: o))
                groupRaw += raw
                hashes.append(h)
                counts.append(0)
                if reps.count * 2 > capacity {
                    capacity <<= 1
                    slots = rehash(hashes, capacity)
                }
            }
            counts[group] &+= 1
            entryGroup[entries] = Int32(truncatingIfNeeded: group)
            entrySelected[entries] = Int32(truncatingIfNeeded: selected)
            entries += 1
            if selected <= lastSelected { selectedAscending = false }
            lastSelected = selected
        }
        let (ordinals, offsets) = grouped(
            entryGroup[0..<entries], entrySelected[0..<entries], counts, sortGroups: !selectedAscending)
        return HashIndexTable(ordinals: ordinals, offsets: offsets, keys: .records(slots: slots, reps: reps, paths: paths))
    }

    private static func rehash(_ hashes: [Int32], _ capacity: Int) -> [UInt64] {
        var t = [UInt64](repeating: emptySlot, count: capacity)
        let mask = capacity - 1
        for (g, h) in hashes.enumerated() {
            let tag = UInt64(UInt32(bitPattern: h))
            var b = Int(tag) & mask
            while t[b] != emptySlot { b = (b &+ 1) & mask }
            t[b] = tag << 32 | UInt64(g)
        }
        return t
    }

    /// Counting sort of (group, selected) entries into one buffer with group offsets; each group ends up
    /// ascending and distinct (sorted when the entries did not arrive ascending).
    private static func grouped(
        _ entryGroup: ArraySlice<Int32>, _ entrySelected: ArraySlice<Int32>, _ counts: [Int32], sortGroups: Bool
    ) -> ([Int32], [Int32]) {
        var offsets = [Int32](repeating: 0, count: counts.count + 1)
        for (g, c) in counts.enumerated() { offsets[g + 1] = offsets[g] &+ c }
        var next = Array(offsets.dropLast())
        var ordinals = [Int32](repeating: 0, count: entryGroup.count)
        for (g, s) in zip(entryGroup, entrySelected) {
            ordinals[Int(next[Int(g)])] = s
            next[Int(g)] &+= 1
        }
        guard sortGroups else { return (ordinals, offsets) }
        // Sort each group and drop repeats, compacting the buffer.
        var out = 0
        var newOffsets = [Int32](repeating: 0, count: offsets.count)
        for g in 0..<counts.count {
            let range = Int(offsets[g])..<Int(offsets[g + 1])
            ordinals[range].sort()
            var previous: Int32 = -1
            for i in range where ordinals[i] != previous {
                previous = ordinals[i]
                ordinals[out] = previous
                out += 1
            }
            newOffsets[g + 1] = Int32(out)
        }
        ordinals.removeLast(ordinals.count - out)
        return (ordinals, newOffsets)
    }

    /// The root records selected by one match path with collection hops (e.g. `cast.element.name`): the hops are
    /// walked to the records they reach (the holders, e.g. actors) without making values; the distinct holders
    /// are grouped by the key read in place after the last hop, as ``buildScalar`` does for roots, so each
    /// holder's key is read and hashed once however many roots reach it; then a counting sort groups the roots.
    /// With `holderType` (the holders' type state), the table keeps each holder's group for later overlays.
    private static func buildFanned(
        _ path: HopPath, holderType: TypeState?, _ forEachRoot: ((Int) -> Void) -> Void
    ) -> HashIndexTable {
        var pairs = HolderPairs()
        var holders: [Int32] = []
        forEachRoot { r in
            holders.removeAll(keepingCapacity: true)
            path.holders(r, into: &holders)
            for h in holders { pairs.append(h, r) }
            pairs.endRoot(r)
        }
        return groupHolders(path.tail, pairs, holderType: holderType)
    }

    /// Groups the holders of `pairs` by their key (`tail` read from each holder, hashed once per holder), then
    /// the pairs' roots by their holder's group.
    private static func groupHolders(_ tail: ScalarPath, _ pairs: HolderPairs, holderType: TypeState?) -> HashIndexTable {
        let reached = pairs.reached
        let keys = buildScalar(ScalarPath(), [tail], count: OrdinalBits.count(reached)) { body in
            OrdinalBits.forEach(reached, body)
        }
        // Each holder's group (-1: its key is null), by the holder's rank among the reached ones (so an overlay's
        // work follows the holders it reaches, not the largest holder ordinal), then (group, root) entries, a
        // root once per group.
        var rankBase = [Int32](repeating: 0, count: reached.count)
        var reachedCount: Int32 = 0
        for w in 0..<reached.count {
            rankBase[w] = reachedCount
            reachedCount &+= Int32(reached[w].nonzeroBitCount)
        }
        @inline(__always) func rank(_ h: Int) -> Int {
            let w = h &>> 6
            return Int(rankBase[w]) &+ (reached[w] & ((UInt64(1) &<< UInt64(h & 63)) &- 1)).nonzeroBitCount
        }
        var groupOf = [Int32](repeating: -1, count: Int(reachedCount))
        for g in 0..<keys.keyCount {
            for i in Int(keys.offsets[g])..<Int(keys.offsets[g + 1]) { groupOf[rank(Int(keys.ordinals[i]))] = Int32(g) }
        }
        var counts = [Int32](repeating: 0, count: keys.keyCount)
        var lastRootOf = [Int32](repeating: -1, count: keys.keyCount)
        var entryGroup: [Int32] = []
        var entrySelected: [Int32] = []
        entryGroup.reserveCapacity(pairs.holder.count)
        entrySelected.reserveCapacity(pairs.holder.count)
        for (h, r) in zip(pairs.holder, pairs.root) {
            let g = Int(groupOf[rank(Int(h))])
            guard g >= 0, !(pairs.rootsAscending && lastRootOf[g] == r) else { continue }
            lastRootOf[g] = r
            counts[g] &+= 1
            entryGroup.append(Int32(truncatingIfNeeded: g))
            entrySelected.append(r)
        }
        let (ordinals, offsets) = grouped(entryGroup[...], entrySelected[...], counts, sortGroups: !pairs.rootsAscending)
        var table = HashIndexTable(ordinals: ordinals, offsets: offsets, keys: keys.keys)
        if let holderType {
            table.holders = FannedHolders(type: holderType, reached: reached, rankBase: rankBase, groupOf: groupOf)
        }
        return table
    }

    /// The overlay of an index whose base was built by ``buildFanned``, for `roots` (ascending): a holder that
    /// the base reached and that is still the same record (`unmoved`: same segment and index, so the same key)
    /// puts its root in the holder's base group without reading its key; the other holders (added or moved since
    /// the base was built) are grouped by their key under keys of the overlay's own, as a build does. The work
    /// follows the roots' holders, and keys are read and hashed only for holders new since the base.
    private static func buildFannedOverlay(
        _ path: HopPath, _ base: FannedHolders, keyCount: Int, unmoved: UnmovedRecords, roots: [Int]
    ) -> HashIndexOverlay {
        var fresh = HolderPairs()
        var pairGroup: [Int32] = []
        var pairRoot: [Int32] = []
        var counts = [Int32](repeating: 0, count: keyCount)
        var lastRootOf = [Int32](repeating: -1, count: keyCount)
        var holders: [Int32] = []
        for r in roots {
            holders.removeAll(keepingCapacity: true)
            path.holders(r, into: &holders)
            let root = Int32(truncatingIfNeeded: r)
            for h in holders {
                if let g = base.group(Int(h)), unmoved.contains(Int(h)) {
                    // Null key (-1): the holder matches nothing, as in the base. A root once per group.
                    guard g >= 0, lastRootOf[g] != root else { continue }
                    lastRootOf[g] = root
                    counts[g] &+= 1
                    pairGroup.append(Int32(truncatingIfNeeded: g))
                    pairRoot.append(root)
                } else {
                    fresh.append(h, r)
                }
            }
            fresh.endRoot(r)
        }
        var inBase: GroupedOrdinals?
        if !pairGroup.isEmpty {
            // Compact: the base groups that got roots, ascending, and their roots (ascending: roots came in order).
            var groups: [Int32] = []
            var offsets: [Int32] = [0]
            var next = counts
            for g in 0..<keyCount where counts[g] > 0 {
                groups.append(Int32(truncatingIfNeeded: g))
                next[g] = offsets[offsets.count - 1]
                offsets.append(next[g] &+ counts[g])
            }
            var ordinals = [Int32](repeating: 0, count: pairGroup.count)
            for (g, r) in zip(pairGroup, pairRoot) {
                ordinals[Int(next[Int(g)])] = r
                next[Int(g)] &+= 1
            }
            inBase = GroupedOrdinals(groups: groups, offsets: offsets, ordinals: ordinals)
        }
        let table = fresh.holder.isEmpty ? nil : groupHolders(path.tail, fresh, holderType: nil)
        return HashIndexOverlay(roots: roots, table: table, inBaseGroups: inBase)
    }

    /// Paths with collection hops: walk each root record with fan-out, correlating the select path and the
    /// match paths within their shared leading part.
    private static func buildWalking(
        _ state: ReadState, _ roots: [Int], _ select: WalkPath, _ matches: [WalkPath]
    ) -> HashIndexTable {
        // The shared leading steps of the select path and every match path, walked once per root record.
        var common = 0
        while common < select.steps.count, common < select.boundaries.count,
            matches.allSatisfy({ common < $0.steps.count && $0.steps[common] == select.steps[common] })
        {
            common += 1
        }
        // Only share whole collection hops or reference hops: back off to a step that ends on a record.
        while common > 0 && !select.endsOnRecord(after: common) { common -= 1 }
        let prefix = WalkPath(steps: Array(select.steps[0..<common]), finalType: .reference)
        let selectRest = select.suffix(from: common)
        let matchRests = matches.map { $0.suffix(from: common) }

        var table: [[IndexKeyPart]: Int32] = [:]
        var counts: [Int32] = []
        var entryGroup: [Int32] = []
        var entrySelected: [Int32] = []
        for root in roots {
            for pivot in prefix.walk(state, root) {
                guard case .reference(let pivotOrdinal) = pivot else { continue }
                let selected = selectRest.walk(state, pivotOrdinal).compactMap { v -> Int? in
                    if case .reference(let o) = v { return o } else { return nil }
                }
                if selected.isEmpty { continue }
                var tuples: [[IndexKeyPart]] = [[]]
                for m in matchRests {
                    let values = m.walk(state, pivotOrdinal).map { IndexKeyPart($0) }
                    tuples = tuples.flatMap { t in values.map { t + [$0] } }
                    if tuples.isEmpty { break }
                }
                for t in tuples {
                    let g: Int32
                    if let existing = table[t] {
                        g = existing
                    } else {
                        g = Int32(counts.count)
                        table[t] = g
                        counts.append(0)
                    }
                    for s in selected {
                        counts[Int(g)] &+= 1
                        entryGroup.append(g)
                        entrySelected.append(Int32(truncatingIfNeeded: s))
                    }
                }
            }
        }
        let (ordinals, offsets) = grouped(entryGroup[...], entrySelected[...], counts, sortGroups: true)
        return HashIndexTable(ordinals: ordinals, offsets: offsets, keys: .values(table))
    }
}

/// Selected ordinals grouped per key and the table that finds a key's group.
private struct HashIndexTable: Sendable {
    /// Group `g` is `ordinals[offsets[g]..<offsets[g + 1]]`, ascending and distinct.
    let ordinals: [Int32]
    let offsets: [Int32]
    let keys: HashIndexKeys
    /// For a table built through collection hops (``HollowHashIndex/buildFanned``): each holder's group.
    var holders: FannedHolders?

    var keyCount: Int { offsets.count - 1 }

    /// The range of `ordinals` matching `values` (coerced to the match paths' types), or nil.
    func find(_ values: [HollowValue]) -> Range<Int>? { group(values).map(range) }

    /// The ordinals of group `g`.
    func range(_ g: Int) -> Range<Int> { Int(offsets[g])..<Int(offsets[g + 1]) }

    /// The group of the key `values` (coerced to the match paths' types), or nil.
    func group(_ values: [HollowValue]) -> Int? {
        switch keys {
        case .values(let table):
            return table[values.map { IndexKeyPart($0) }].map(Int.init)
        case .records(let slots, let reps, let paths):
            var h = HollowKeyHash.initial
            for v in values { h = HollowKeyHash.combine(h, KeyHasher.fieldHash(v)) }
            return HollowHashIndex.probe(slots, h) { g in
                let rep = Int(reps[g])
                for (p, v) in zip(paths, values) where !p.matches(rep, v) { return false }
                return true
            }
        }
    }
}

/// What an updated ``HollowHashIndex`` adds to its base table: the root records added since the base was built.
private struct HashIndexOverlay: Sendable {
    /// Those roots, ascending.
    let roots: [Int]
    /// Their entries under keys of the overlay's own (nil: none).
    let table: HashIndexTable?
    /// Their entries in groups of the base table (holders unchanged since the base was built; nil: none).
    let inBaseGroups: GroupedOrdinals?
}

/// Ordinals grouped under some groups of another table: group `groups[i]` holds `ordinals[offsets[i]..<offsets[i + 1]]`.
private struct GroupedOrdinals: Sendable {
    /// The groups, ascending.
    let groups: [Int32]
    let offsets: [Int32]
    let ordinals: [Int32]

    /// The range of `ordinals` in group `g`, or nil when the group has none.
    func range(ofGroup g: Int) -> Range<Int>? {
        var lo = 0
        var hi = groups.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let v = Int(groups[mid])
            if v == g { return Int(offsets[mid])..<Int(offsets[mid &+ 1]) }
            if v < g { lo = mid &+ 1 } else { hi = mid }
        }
        return nil
    }
}

/// (holder, root) pairs collected by walking roots through collection hops, with the bit set of the holders.
private struct HolderPairs {
    var holder: [Int32] = []
    var root: [Int32] = []
    var reached: [UInt64] = []
    var rootsAscending = true
    private var lastRoot = -1

    @inline(__always)
    mutating func append(_ h: Int32, _ r: Int) {
        holder.append(h)
        root.append(Int32(truncatingIfNeeded: r))
        let w = Int(h) >> 6
        if w >= reached.count { reached += repeatElement(0, count: w + 1 - reached.count) }
        reached[w] |= UInt64(1) << UInt64(h & 63)
    }

    /// Call after the pairs of root `r`.
    @inline(__always)
    mutating func endRoot(_ r: Int) {
        if r <= lastRoot { rootsAscending = false }
        lastRoot = r
    }
}

/// How a table built through collection hops grouped the records the hops reached (the holders), kept so that
/// an overlay reuses the group of every holder that has not changed since.
private struct FannedHolders: Sendable {
    /// The holders' type in the state the table was built on.
    let type: TypeState
    /// The holders reached.
    let reached: [UInt64]
    /// For each word of ``reached``, the number of holders reached in the words before it.
    let rankBase: [Int32]
    /// Each reached holder's group, by rank (-1: its key is null).
    let groupOf: [Int32]

    /// The group of holder `h` (-1: null key), or nil when the build did not reach it.
    @inline(__always)
    func group(_ h: Int) -> Int? {
        let w = h &>> 6
        guard h >= 0, w < reached.count else { return nil }
        let bit = UInt64(1) &<< UInt64(h & 63)
        guard reached[w] & bit != 0 else { return nil }
        return Int(groupOf[Int(rankBase[w]) &+ (reached[w] & (bit &- 1)).nonzeroBitCount])
    }
}

/// Which records of a type are the same bytes in two states of it: those at the same index of the same immutable
/// segment in both (a record removed and added again, or moved by a compaction, is not).
private struct UnmovedRecords {
    private let all: Bool
    private let shardMask: Int
    /// Per shard: both states read the ordinals that are not patched from the same base segment.
    private let sameShard: [Bool]
    private let old: RecordPlacement?
    private let new: RecordPlacement?

    /// Every record counts as unmoved.
    init() {
        all = true
        shardMask = 0
        sameShard = []
        old = nil
        new = nil
    }

    init(_ oldType: TypeState, _ newType: TypeState) {
        let o = RecordPlacement(oldType)
        let n = RecordPlacement(newType)
        all = oldType === newType
        shardMask = (1 << n.shardShift) - 1
        if o.kind == n.kind, o.shardShift == n.shardShift, o.base.count == n.base.count {
            sameShard = zip(o.base, n.base).map { $0 == $1 }
        } else {
            sameShard = []
        }
        old = o
        new = n
    }

    @inline(__always)
    func contains(_ ordinal: Int) -> Bool {
        if all { return true }
        guard let old, let new, !sameShard.isEmpty else { return false }
        let inOld = OrdinalBits.contains(old.patched, ordinal)
        let inNew = OrdinalBits.contains(new.patched, ordinal)
        if !inOld && !inNew { return sameShard[ordinal & shardMask] }
        guard inOld && inNew, let a = old.patch[Int32(truncatingIfNeeded: ordinal)], let b = new.patch[Int32(truncatingIfNeeded: ordinal)]
        else { return false }
        return a & 0xFFFF_FFFF == b & 0xFFFF_FFFF && old.patchSegments[Int(a >> 32)] == new.patchSegments[Int(b >> 32)]
    }
}


/// How a ``HollowHashIndex`` finds a key's group.
private enum HashIndexKeys: Sendable {
    /// Open-addressing slots `UInt64(UInt32(hash)) << 32 | group` (or all ones for empty); `reps[g]` is a
    /// root record whose match paths read group `g`'s key.
    case records(slots: [UInt64], reps: [Int32], paths: [ScalarPath])
    /// Keys gathered by walking collections.
    case values([[IndexKeyPart]: Int32])
}

/// A path through object fields only (at most one value per root record), resolved to type data accesses.
private struct ScalarPath: Sendable {
    struct Step: Sendable {
        let access: HollowObjectTypeDataAccess
        let field: Int
    }
    let steps: [Step]
    let finalType: HollowFieldType

    /// The empty path: it selects the record itself.
    init() {
        self.steps = []
        self.finalType = .reference
    }

    /// True for the empty path.
    var isEmpty: Bool { steps.isEmpty }

    /// The path's field steps resolved in `state`, or nil when it has a collection hop or crosses a type
    /// that is not an object type of `state`.
    init?(_ state: ReadState, _ path: WalkPath) {
        var steps: [Step] = []
        var cache: [String: HollowObjectTypeDataAccess] = [:]
        for s in path.steps {
            guard case .field(let type, let index, _) = s else { return nil }
            if cache[type] == nil { cache[type] = HollowObjectTypeDataAccess(state: state, type: type) }
            guard let access = cache[type] else { return nil }
            steps.append(Step(access: access, field: index))
        }
        self.steps = steps
        self.finalType = path.finalType
    }

    /// The ordinal of the record holding the final field (the root itself for an empty path), or nil when a
    /// reference on the way is null.
    @inline(__always)
    private func holder(_ ordinal: Int) -> Int? {
        var o = ordinal
        var i = 0
        while i < steps.count - 1 {
            guard let next = steps[i].access.readOrdinal(o, steps[i].field) else { return nil }
            o = next
            i += 1
        }
        return o
    }

    /// The ordinal the path selects from `root` (the root for an empty path), or nil.
    @inline(__always)
    func target(_ root: Int) -> Int? {
        guard let s = steps.last else { return root }
        guard let o = holder(root) else { return nil }
        return s.access.readOrdinal(o, s.field)
    }

    /// True when ``key(_:)``'s bits identify the value (every type but STRING and BYTES).
    var hasExactBits: Bool { finalType != .string && finalType != .bytes }

    /// The value's bits (for types with ``hasExactBits``; 0 otherwise) and its hash
    /// (``KeyHasher/fieldHash(_:)``), read once; nil when the value is null.
    @inline(__always)
    func key(_ root: Int) -> (UInt64, Int32)? {
        guard let s = steps.last else { return (UInt64(root), KeyHasher.fieldHash(.reference(root))) }
        guard let o = holder(root) else { return nil }
        switch finalType {
        case .int:
            guard let v = s.access.readInt(o, s.field) else { return nil }
            return (UInt64(bitPattern: Int64(v)), KeyHasher.fieldHash(.int(v)))
        case .long:
            guard let v = s.access.readLong(o, s.field) else { return nil }
            return (UInt64(bitPattern: v), KeyHasher.fieldHash(.long(v)))
        case .reference:
            guard let v = s.access.readOrdinal(o, s.field) else { return nil }
            return (UInt64(v), KeyHasher.fieldHash(.reference(v)))
        case .boolean:
            guard let v = s.access.readBoolean(o, s.field) else { return nil }
            return (v ? 1 : 0, KeyHasher.fieldHash(.boolean(v)))
        case .float:
            guard let v = s.access.readFloat(o, s.field) else { return nil }
            return (UInt64(v.bitPattern), KeyHasher.fieldHash(.float(v)))
        case .double:
            guard let v = s.access.readDouble(o, s.field) else { return nil }
            return (v.bitPattern, KeyHasher.fieldHash(.double(v)))
        case .string:
            return s.access.stringHash(o, s.field).map { (0, $0) }
        case .bytes:
            return s.access.readBytes(o, s.field).map { (0, KeyHasher.fieldHash(.bytes($0))) }
        }
    }

    /// True when the path reads equal non-null values from roots `a` and `b`.
    @inline(__always)
    func sameValue(_ a: Int, _ b: Int) -> Bool {
        guard let s = steps.last else { return a == b }
        guard let oa = holder(a), let ob = holder(b) else { return false }
        switch finalType {
        case .int: return s.access.readInt(oa, s.field) == s.access.readInt(ob, s.field)
        case .long: return s.access.readLong(oa, s.field) == s.access.readLong(ob, s.field)
        case .reference: return s.access.readOrdinal(oa, s.field) == s.access.readOrdinal(ob, s.field)
        case .string: return s.access.sameString(oa, ob, s.field)
        default: return IndexKeyPart(s.access.value(oa, s.field)) == IndexKeyPart(s.access.value(ob, s.field))
        }
    }

    /// True when the path reads `value` (already coerced to ``finalType``) from `root`.
    func matches(_ root: Int, _ value: HollowValue) -> Bool {
        guard let s = steps.last else { return IndexKeyPart(.reference(root)) == IndexKeyPart(value) }
        guard let o = holder(root) else { return false }
        switch (finalType, value) {
        case (.int, .int(let v)): return s.access.readInt(o, s.field) == v
        case (.long, .long(let v)): return s.access.readLong(o, s.field) == v
        case (.reference, .reference(let v)): return s.access.readOrdinal(o, s.field) == v
        case (.string, .string(let v)): return s.access.stringEquals(o, s.field, v)
        default: return IndexKeyPart(s.access.value(o, s.field)) == IndexKeyPart(value)
        }
    }
}

/// A match path with collection hops, split after its last hop: the hops (reference fields, list and set
/// elements, map keys and values), walked from a root to the records they reach (the holders) without making
/// values, and the object fields after them, read in place from a holder as a ``ScalarPath``.
private struct HopPath: Sendable {
    enum Hop: Sendable {
        case field(HollowObjectTypeDataAccess, Int)
        case list(TypeState)
        case set(TypeState)
        case mapKey(TypeState)
        case mapValue(TypeState)
    }
    let hops: [Hop]
    /// The key path from a holder (empty when the match path ends on the holders themselves).
    let tail: ScalarPath
    /// The type of the holders (the records the last hop reaches).
    let holderType: String

    /// `path` resolved in `state`, or nil when it has no collection hop or a type on it is missing from `state`.
    init?(_ state: ReadState, _ path: WalkPath) {
        guard let last = path.steps.lastIndex(where: { if case .field = $0 { false } else { true } }) else { return nil }
        var hops: [Hop] = []
        var holderType = ""
        for step in path.steps[...last] {
            switch step {
            case .field(let type, let index, let isReference):
                guard isReference, let access = HollowObjectTypeDataAccess(state: state, type: type) else { return nil }
                hops.append(.field(access, index))
                holderType = access.schema.fields[index].referencedType ?? ""
            case .element(let type):
                guard let t = state.types[type] else { return nil }
                switch (t.storage, t.schema) {
                case (.list, .list(let s)):
                    hops.append(.list(t))
                    holderType = s.elementType
                case (.set, .set(let s)):
                    hops.append(.set(t))
                    holderType = s.elementType
                default: return nil
                }
            case .key(let type):
                guard let t = state.types[type], case .map = t.storage, case .map(let s) = t.schema else { return nil }
                hops.append(.mapKey(t))
                holderType = s.keyType
            case .value(let type):
                guard let t = state.types[type], case .map = t.storage, case .map(let s) = t.schema else { return nil }
                hops.append(.mapValue(t))
                holderType = s.valueType
            }
        }
        guard let tail = ScalarPath(state, path.suffix(from: last + 1)) else { return nil }
        self.hops = hops
        self.tail = tail
        self.holderType = holderType
    }

    /// Appends the ordinals of the records reached from `root` (once per way of reaching them) to `out`.
    func holders(_ root: Int, into out: inout [Int32]) { reach(0, root, &out) }

    private func reach(_ i: Int, _ ordinal: Int, _ out: inout [Int32]) {
        if i == hops.count {
            out.append(Int32(truncatingIfNeeded: ordinal))
            return
        }
        switch hops[i] {
        case .field(let access, let field):
            if let next = access.readOrdinal(ordinal, field) { reach(i &+ 1, next, &out) }
        case .list(let t):
            guard let (s, k) = t.list(ordinal) else { return }
            for p in s.range(k) { reach(i &+ 1, s.element(p), &out) }
        case .set(let t):
            guard let (s, k) = t.set(ordinal) else { return }
            for b in s.range(k) { if let e = s.element(b) { reach(i &+ 1, e, &out) } }
        case .mapKey(let t):
            guard let (s, k) = t.map(ordinal) else { return }
            for b in s.range(k) { if let e = s.entry(b) { reach(i &+ 1, e.key, &out) } }
        case .mapValue(let t):
            guard let (s, k) = t.map(ordinal) else { return }
            for b in s.range(k) { if let e = s.entry(b) { reach(i &+ 1, e.value, &out) } }
        }
    }
}

/// A path through object fields and collection hops, walked with fan-out.
struct WalkPath: Sendable {
    enum Step: Hashable, Sendable {
        case field(type: String, index: Int, isReference: Bool)
        case element(type: String)
        case key(type: String)
        case value(type: String)
    }
    var steps: [Step]
    var finalType: HollowFieldType
    /// The type of the record the path ends on (when ``finalType`` is a reference; empty for a suffix).
    var endType = ""
    /// For each step count k, true if the first k steps end on a record (not on an inline value).
    var boundaries: [Bool] { steps.map { if case .field(_, _, let r) = $0 { r } else { true } } }

    func endsOnRecord(after k: Int) -> Bool { k == 0 || boundaries[k - 1] }

    func suffix(from k: Int) -> WalkPath { WalkPath(steps: Array(steps[k...]), finalType: finalType) }

    /// The names of the types the path's steps read.
    var typeNames: [String] {
        steps.map {
            switch $0 {
            case .field(let type, _, _), .element(let type), .key(let type), .value(let type): type
            }
        }
    }

    static func resolve(_ state: ReadState, root: String, path: String) -> WalkPath? {
        var steps: [Step] = []
        var current = root
        var finalType = HollowFieldType.reference
        if path.isEmpty { return WalkPath(steps: [], finalType: .reference, endType: root) }
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (i, part) in parts.enumerated() {
            switch state.schema(named: current) {
            case .object(let s)?:
                guard let index = s.fieldIndex(part) else { return nil }
                let f = s.fields[index]
                steps.append(.field(type: current, index: index, isReference: f.type == .reference))
                finalType = f.type
                if f.type == .reference {
                    current = f.referencedType ?? ""
                } else if i != parts.count - 1 {
                    return nil
                }
            case .list(let s)?:
                guard part == "element" else { return nil }
                steps.append(.element(type: current))
                current = s.elementType
                finalType = .reference
            case .set(let s)?:
                guard part == "element" else { return nil }
                steps.append(.element(type: current))
                current = s.elementType
                finalType = .reference
            case .map(let s)?:
                if part == "key" {
                    steps.append(.key(type: current))
                    current = s.keyType
                } else if part == "value" {
                    steps.append(.value(type: current))
                    current = s.valueType
                } else {
                    return nil
                }
                finalType = .reference
            case nil:
                return nil
            }
        }
        return WalkPath(steps: steps, finalType: finalType, endType: finalType == .reference ? current : "")
    }

    /// Every non-null value reached from record `ordinal` of the path's root type.
    func walk(_ state: ReadState, _ ordinal: Int) -> [HollowValue] {
        var out: [HollowValue] = []
        walk(state, 0, ordinal, &out)
        return out
    }

    private func walk(_ state: ReadState, _ i: Int, _ ordinal: Int, _ out: inout [HollowValue]) {
        if i == steps.count {
            out.append(.reference(ordinal))
            return
        }
        switch steps[i] {
        case .field(let type, let index, let isReference):
            guard let t = state.objectType(type) else { return }
            if isReference {
                if let next = t.readOrdinal(ordinal, index) { walk(state, i + 1, next, &out) }
            } else if let v = t.value(ordinal, index) {
                out.append(v)
            }
        case .element(let type):
            if let l = state.listType(type) {
                for e in l.elementOrdinals(ordinal) { walk(state, i + 1, e, &out) }
            } else if let s = state.setType(type) {
                for e in s.elementOrdinals(ordinal) { walk(state, i + 1, e, &out) }
            }
        case .key(let type):
            guard let m = state.mapType(type) else { return }
            for e in m.entries(ordinal) { walk(state, i + 1, e.key, &out) }
        case .value(let type):
            guard let m = state.mapType(type) else { return }
            for e in m.entries(ordinal) { walk(state, i + 1, e.value, &out) }
        }
    }
}
