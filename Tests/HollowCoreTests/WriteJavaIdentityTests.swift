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
