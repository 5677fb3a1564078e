import HollowCore
import Testing

/// `ReadState.contentChecksum()`: the producer's integrity check compares these, so equal content must give
/// equal checksums however the state was reached, and any change of content a different one.
@Suite struct ContentChecksumTests {
    /// A state with Java's header tags and randomized tag replaced, so that only the records differ.
    private static func content(_ state: ReadState) throws -> ReadState {
        let engine = HollowWriteStateEngine()
        try engine.restore(from: state)
        try engine.addAllObjectsFromPreviousCycle()
        engine.headerTags = ["k": "v"]
        engine.overrideNextRandomizedTag(7)
        return try ReadState.load(snapshot: engine.writeSnapshot())
    }

    @Test(arguments: ["metrics", "kitchensink", "sharded"])
    func deltaChainsAndSnapshotsOfOneStateAgree(dataset: String) async throws {
        let s1 = try ReadState.load(snapshot: try fixture(dataset, "snapshot-1"))
        let s2 = try ReadState.load(snapshot: try fixture(dataset, "snapshot-2"))
        let s3 = try ReadState.load(snapshot: try fixture(dataset, "snapshot-3"))
        let forward2 = try s1.applying(delta: try fixture(dataset, "delta-1-2"))
        let forward3 = try forward2.applying(delta: try fixture(dataset, "delta-2-3"))
        let back2 = try forward3.applying(reverseDelta: try fixture(dataset, "reversedelta-3-2"))
        let back1 = try s2.applying(reverseDelta: try fixture(dataset, "reversedelta-2-1"))

        // Same records (ordinals, fields, elements), reached by snapshot, delta or reverse delta.
        #expect(try Self.content(forward2).contentChecksum() == Self.content(s2).contentChecksum())
        #expect(try Self.content(forward3).contentChecksum() == Self.content(s3).contentChecksum())
        #expect(try Self.content(back2).contentChecksum() == Self.content(s2).contentChecksum())
        #expect(try Self.content(back1).contentChecksum() == Self.content(s1).contentChecksum())
        // The checksum of a state reached through patches (no rewrite) equals its snapshot's when the tags do.
        #expect(forward3.headerTags == s3.headerTags && forward3.randomizedTag == s3.randomizedTag
            ? forward3.contentChecksum() == s3.contentChecksum() : true)

        // Different states differ.
        #expect(s1.contentChecksum() != s2.contentChecksum())
        #expect(s2.contentChecksum() != s3.contentChecksum())

        // The parallel computation gives the sequential values.
        let states = [s1, s2, s3, forward2, forward3, back1]
        let parallel = await ReadState.contentChecksums(states)
        #expect(parallel == states.map { $0.contentChecksum() })
    }

    private struct Row: Codable, HollowTypeConfiguration {
        static let hollowInlineFields: Set<String> = ["name"]
        var id: Int32?
        var name: String?
        var score: Double?
        var tags: [String]?
    }

    private static func checksum(_ rows: [Row], tags: [String: String] = [:]) throws -> UInt64 {
        let engine = HollowWriteStateEngine()
        engine.overrideNextRandomizedTag(1)
        engine.headerTags = tags
        let mapper = HollowObjectMapper(engine: engine)
        for r in rows { try mapper.add(r) }
        return try ReadState.load(snapshot: engine.writeSnapshot()).contentChecksum()
    }

    @Test func everyKindOfChangeChangesTheChecksum() throws {
        let base = [Row(id: 1, name: "a", score: 1.5, tags: ["x", "y"]), Row(id: 2, name: "", score: nil, tags: [])]
        let reference = try Self.checksum(base)
        #expect(try Self.checksum(base) == reference)
        var changes: [[Row]] = []
        for i in 0..<9 {
            var rows = base
            switch i {
            case 0: rows[0].id = 3
            case 1: rows[0].id = nil
            case 2: rows[1].name = nil  // empty string vs null
            case 3: rows[0].name = "b"
            case 4: rows[1].score = 0  // null vs zero
            case 5: rows[0].tags = ["y", "x"]  // list order
            case 6: rows[1].tags = nil
            case 7: rows.swapAt(0, 1)  // ordinals
            default: rows.removeLast()
            }
            changes.append(rows)
        }
        for (i, rows) in changes.enumerated() {
            #expect(try Self.checksum(rows) != reference, "change \(i)")
        }
        #expect(try Self.checksum(base, tags: ["k": "v"]) != reference)
    }
}
