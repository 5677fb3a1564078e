import HollowCore
import Testing

/// Every fixture state read by the reader, re-written by the writer and read again gives the same dump.
@Suite struct WriteRoundTripTests {
    @Test(arguments: ["metrics", "kitchensink", "sharded"], 1...3)
    func rewrittenFixtureStateReadsTheSame(dataset: String, version: Int) throws {
        let expected = try WriteFixtures.text(dataset, "expected-\(version).json")
        let state = try ReadState.load(snapshot: try WriteFixtures.bytes(dataset, "snapshot-\(version)"))
        #expect(state.canonicalJSON() == expected)

        let engine = HollowWriteStateEngine()
        try engine.restore(from: state)
        try engine.addAllObjectsFromPreviousCycle()
        engine.headerTags = state.headerTags
        engine.overrideNextRandomizedTag(state.randomizedTag)
        #expect(!engine.hasChangedSinceLastCycle)
        let again = try ReadState.load(snapshot: engine.writeSnapshot())
        #expect(again.canonicalJSON() == expected)
    }

    /// A producer restored from state 1 that publishes state 2's records writes a delta that takes a
    /// consumer of Java's snapshot-1 to state 2, and a reverse delta back.
    @Test(arguments: ["metrics", "kitchensink"])
    func restoredEngineContinuesJavasChain(dataset: String) throws {
        let s1 = try ReadState.load(snapshot: try WriteFixtures.bytes(dataset, "snapshot-1"))
        let s2 = try ReadState.load(snapshot: try WriteFixtures.bytes(dataset, "snapshot-2"))
        let engine = HollowWriteStateEngine()
        try engine.restore(from: s1)
        let dump2 = HollowWriteStateEngine.records(of: s2)
        let order = WriteDumpOrder.dependencyOrder(s2.schemas)
        var remap: [String: [Int: Int]] = [:]
        for type in order {
            for (ordinal, record) in dump2[type] ?? [] {
                let schema = s2.schema(named: type)!
                remap[type, default: [:]][ordinal] = try engine.add(WriteDumpOrder.remapped(record, schema, remap), to: type)
            }
        }
        engine.headerTags = s2.headerTags
        let forward = try s1.applying(delta: engine.writeDelta())
        let fromSnapshot = try ReadState.load(snapshot: engine.writeSnapshot())
        #expect(forward.canonicalJSON() == fromSnapshot.canonicalJSON())
        let back = try fromSnapshot.applying(reverseDelta: engine.writeReverseDelta())
        #expect(back.canonicalJSON() == s1.canonicalJSON())
    }
}

/// Helpers to re-add a loaded state's records in an order where references exist before use.
enum WriteDumpOrder {
    static func dependencyOrder(_ schemas: [HollowSchema]) -> [String] {
        let byName = Dictionary(uniqueKeysWithValues: schemas.map { ($0.name, $0) })
        var out: [String] = []
        var seen = Set<String>()
        func visit(_ n: String) {
            guard !seen.contains(n), let s = byName[n] else { return }
            seen.insert(n)
            for r in s.referencedTypes { visit(r) }
            out.append(n)
        }
        for s in schemas { visit(s.name) }
        return out
    }

    /// The record with its references translated through `remap` (old ordinal → ordinal in the engine).
    static func remapped(_ record: HollowWriteRecord, _ schema: HollowSchema, _ remap: [String: [Int: Int]]) throws -> HollowWriteRecord {
        func m(_ type: String, _ o: Int) -> Int { remap[type]?[o] ?? o }
        switch (record, schema) {
        case (.object(var r), _):
            for (i, f) in r.schema.fields.enumerated() where f.type == .reference {
                if case .reference(let o)? = r.values[i] { try r.set(fieldAt: i, .reference(m(f.referencedType!, o))) }
            }
            return .object(r)
        case (.list(let e), .list(let s)): return .list(e.map { m(s.elementType, $0) })
        case (.set(let e), .set(let s)): return .set(e.map { m(s.elementType, $0) })
        case (.map(let e), .map(let s)): return .map(e.map { (key: m(s.keyType, $0.key), value: m(s.valueType, $0.value)) })
        default: return record
        }
    }
}
