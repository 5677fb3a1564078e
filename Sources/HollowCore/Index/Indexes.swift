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

/// The ordinals a ``HollowHashIndex`` query matched (Java: `HollowHashIndexResult`).
public struct HollowHashIndexResult: Sequence, Sendable {
    /// The matched ordinals of the selected type, ascending and distinct.
    public let ordinals: [Int]
    /// The number of matches.
    public var numResults: Int { ordinals.count }
    /// True if `ordinal` is among the matches.
    public func contains(_ ordinal: Int) -> Bool { ordinals.contains(ordinal) }
    /// Iterates the matched ordinals.
    public func makeIterator() -> IndexingIterator<[Int]> { ordinals.makeIterator() }
}

/// Finds records by the values of one or more match field paths, returning records selected by another
/// path (Java: `HollowHashIndex(engine, type, selectField, matchFields...)`).
///
/// Paths go through object fields (references are followed), `element` of lists and sets, and `key` /
/// `value` of maps, e.g. select `"actors.element"` matching `"actors.element.name"` from `Movie`. When
/// the select path and the match paths share a leading part, matches are correlated within it (the
/// selected actor is the one whose name matched). Paths ending on a reference match the referenced
/// ordinal; they are not auto-extended (write `"name.value"`).
public final class HollowHashIndex: Sendable {
    /// The root type.
    public let type: String
    /// The path from the root to the selected records (`""` selects the root records).
    public let selectField: String
    /// The match paths, in query order.
    public let matchFields: [String]
    private let matchTypes: [HollowFieldType]
    private let table: [[IndexKeyPart]: [Int]]

    /// Builds the index over `state`.
    /// - Throws: ``HollowIndexError`` for an unknown type or a path that does not resolve.
    public init(state: ReadState, type: String, selectField: String, matchFields: [String]) throws(HollowIndexError) {
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

        var table: [[IndexKeyPart]: [Int]] = [:]
        for root in state.populatedOrdinals(of: type) {
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
                for t in tuples { table[t, default: []] += selected }
            }
        }
        for (k, v) in table { table[k] = Array(Set(v)).sorted() }
        self.type = type
        self.selectField = selectField
        self.matchFields = matchFields
        self.matchTypes = matches.map(\.finalType)
        self.table = table
    }

    /// The selected ordinals of records whose match fields equal `query` (one value per match field), or nil.
    public func findMatches(_ query: [HollowValue]) -> HollowHashIndexResult? {
        guard query.count == matchTypes.count else { return nil }
        var key: [IndexKeyPart] = []
        for (q, t) in zip(query, matchTypes) {
            guard let v = KeyHasher.coerce(q, to: t) else { return nil }
            key.append(IndexKeyPart(v))
        }
        return table[key].map { HollowHashIndexResult(ordinals: $0) }
    }

    /// Java's `findMatches(Object... query)`.
    public func findMatches(_ query: HollowValue...) -> HollowHashIndexResult? { findMatches(query) }
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
    /// For each step count k, true if the first k steps end on a record (not on an inline value).
    var boundaries: [Bool] { steps.map { if case .field(_, _, let r) = $0 { r } else { true } } }

    func endsOnRecord(after k: Int) -> Bool { k == 0 || boundaries[k - 1] }

    func suffix(from k: Int) -> WalkPath { WalkPath(steps: Array(steps[k...]), finalType: finalType) }

    static func resolve(_ state: ReadState, root: String, path: String) -> WalkPath? {
        var steps: [Step] = []
        var current = root
        var finalType = HollowFieldType.reference
        if path.isEmpty { return WalkPath(steps: [], finalType: .reference) }
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
        return WalkPath(steps: steps, finalType: finalType)
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
