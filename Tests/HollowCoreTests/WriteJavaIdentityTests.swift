import Foundation
import HollowCore
import Testing

/// The writer reproduces Java's first-state snapshots byte for byte (type sections; header tags and
/// randomized tags aside), from the records of the fixtures' canonical dumps.
@Suite struct WriteJavaIdentityTests {
    @Test(arguments: ["metrics", "kitchensink", "sharded"])
    func firstSnapshotTypeSectionsMatchJava(dataset: String) throws {
        let java = try WriteFixtures.bytes(dataset, "snapshot-1")
        let header = try writeTestParseHeader(java)
        let dump = try WriteDump(json: try WriteFixtures.text(dataset, "expected-1.json"))
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: dataset == "sharded" ? 512 : 16 << 20)
        for s in header.schemas { try engine.addTypeState(s) }
        for type in dump.dependencyOrder(preferred: header.schemas.map(\.name)) {
            for (ordinal, record) in dump.records[type] ?? [] {
                let got = try engine.add(record, to: type)
                #expect(got == ordinal, "\(type) ordinal")
            }
        }
        engine.headerTags = header.tags
        let ours = engine.writeSnapshot()
        let mine = try writeTestParseHeader(ours)
        #expect(mine.schemas == header.schemas)
        #expect(mine.tags == header.tags)
        let a = Array(ours[mine.bodyOffset...]), b = Array(java[header.bodyOffset...])
        if a != b {
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            Issue.record("\(dataset): type sections differ at body byte \(first) (ours \(a.count) bytes, Java \(b.count))")
        }
    }
}

/// Following Java's producer along the fixture chain (1 → 2 → 3): deltas, reverse deltas and snapshots
/// match Java's bytes (type sections), because the writer frees and reuses ordinals as Java does.
@Suite struct WriteJavaChainTests {
    static func body(_ blob: [UInt8]) throws -> [UInt8] { Array(blob[try writeTestParseHeader(blob).bodyOffset...]) }

    static func compare(_ ours: [UInt8], _ dataset: String, _ file: String) throws {
        let java = try WriteFixtures.bytes(dataset, file)
        let (a, b) = (try body(ours), try body(java))
        let ha = try writeTestParseHeader(ours), hb = try writeTestParseHeader(java)
        #expect(ha.schemas == hb.schemas, "\(dataset)/\(file) schema list")
        #expect(ha.tags == hb.tags, "\(dataset)/\(file) header tags")
        if a != b {
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            Issue.record("\(dataset)/\(file): type sections differ at body byte \(first) (ours \(a.count), Java \(b.count))")
        }
    }

    @Test(arguments: ["metrics", "kitchensink"])
    func chainMatchesJava(dataset: String) throws {
        let first = try WriteFixtures.bytes(dataset, "snapshot-1")
        let schemas = try writeTestParseHeader(first).schemas
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
        for s in schemas { try engine.addTypeState(s) }
        let dump1 = try WriteDump(json: try WriteFixtures.text(dataset, "expected-1.json"))
        try engine.restore(records: dump1.records, randomizedTag: dump1.randomizedTag, headerTags: dump1.headerTags)
        for v in 2...3 {
            let dump = try WriteDump(json: try WriteFixtures.text(dataset, "expected-\(v).json"))
            for type in dump.dependencyOrder(preferred: schemas.map(\.name)) {
                for (ordinal, record) in dump.records[type] ?? [] {
                    let got = try engine.add(record, to: type)
                    #expect(got == ordinal, "state \(v) \(type) ordinal")
                }
            }
            engine.headerTags = dump.headerTags
            #expect(engine.hasChangedSinceLastCycle)
            try Self.compare(engine.writeDelta(), dataset, "delta-\(v - 1)-\(v)")
            try Self.compare(engine.writeReverseDelta(), dataset, "reversedelta-\(v)-\(v - 1)")
            try Self.compare(engine.writeSnapshot(), dataset, "snapshot-\(v)")
            try Self.compare(engine.writeHeader(), dataset, "header-\(v)")
            engine.prepareForNextCycle()
        }
    }
}
