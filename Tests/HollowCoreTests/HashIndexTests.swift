import HollowCore
import Testing

/// The value at the end of an object-field path from record `ordinal` of `type`, walked with the untyped API
/// (a reference final field gives `.reference`); nil when a value or reference on the way is null.
private func pathValue(_ state: ReadState, _ type: String, _ path: String, _ ordinal: Int) throws -> HollowValue? {
    if path.isEmpty { return .reference(ordinal) }
    var current = type
    var o = ordinal
    let parts = path.split(separator: ".").map(String.init)
    for (i, part) in parts.enumerated() {
        let t = try #require(state.objectType(current))
        let f = try #require(t.fieldIndex(part))
        if i == parts.count - 1 { return t.value(o, f) }
        guard let next = t.readOrdinal(o, f) else { return nil }
        o = next
        current = try #require(t.schema.fields[f].referencedType)
    }
    return nil
}

/// Every key of a brute-force grouping of `type`'s records answers the same ordinals from the index, and the
/// index holds no other keys.
private func expectHashIndexAnswers(
    _ state: ReadState, _ type: String, select: String, match: [String], _ label: String
) throws {
    let index = try HollowHashIndex(state: state, type: type, selectField: select, matchFields: match)
    var expected: [[HollowValue]: Set<Int>] = [:]
    for o in state.populatedOrdinals(of: type) {
        guard case .reference(let selected)? = try pathValue(state, type, select, o) else { continue }
        var key: [HollowValue] = []
        for m in match {
            guard let v = try pathValue(state, type, m, o) else { break }
            key.append(v)
        }
        if key.count == match.count { expected[key, default: []].insert(selected) }
    }
    #expect(!expected.isEmpty, "\(label): the reference grouping is empty")
    #expect(index.keyCount == expected.count, "\(label): key counts differ")
    for (key, ordinals) in expected {
        let result = index.findMatches(key)
        #expect(result?.ordinals == ordinals.sorted(), "\(label): \(key) answered differently")
        for o in ordinals { #expect(result?.contains(o) == true, "\(label): contains(\(o)) for \(key)") }
    }
}

@Suite struct HashIndexTests {
    @Test("hash indexes over object-field paths answer as a brute-force grouping, before and after deltas")
    func scalarPathsAcrossDeltas() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        let cases: [(select: String, match: [String])] = [
            ("", ["studio.studioId"]),  // INT behind a reference
            ("", ["studio.country.code"]),  // STRING two references away
            ("", ["studio"]),  // a reference: the referenced ordinal
            ("", ["released", "studio.studioId"]),  // BOOLEAN + INT
            ("", ["originalTitle.value"]),
            ("", ["score"]),  // DOUBLE
            ("studio", ["studio.country.code"]),  // selected records repeat and arrive unordered
            ("studio.country", ["released"]),
        ]
        for (label, state) in [("v1", s1), ("v2", s2), ("v3", s3)] {
            for c in cases {
                try expectHashIndexAnswers(state, "Movie", select: c.select, match: c.match, "\(label) \(c.select) by \(c.match)")
            }
        }
    }

    @Test("a query that matches nothing, has the wrong arity or a value of another type finds nothing")
    func misses() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let index = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["studio.country.code"])
        #expect(index.findMatches("XX") == nil)
        #expect(index.findMatches(.int(1)) == nil)
        #expect(index.findMatches("US", "JP") == nil)
        let us = try #require(index.findMatches("US"))
        #expect(us.numResults == us.ordinals.count && us.numResults > 0)
        #expect(!us.contains(-1))
    }
}
