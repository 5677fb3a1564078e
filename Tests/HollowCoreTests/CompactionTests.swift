@testable import HollowCore
import Testing

/// Re-encoding a state (what a long delta chain triggers) keeps every record identical.
@Suite struct CompactionTests {
    @Test(arguments: Paths.datasets)
    func compactedStatesDumpTheSame(dataset: String) throws {
        var state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-1"))
        expectSameDump(state.compactedCopy().canonicalJSON(), try expectedDump(dataset, 1), "\(dataset) 1 compacted")
        state = try state.applying(delta: try fixture(dataset, "delta-1-2"))
        let compacted2 = state.compactedCopy()
        expectSameDump(compacted2.canonicalJSON(), try expectedDump(dataset, 2), "\(dataset) 2 compacted")
        // Deltas apply on top of compacted types, and lookups by hash still work there.
        let s3 = try compacted2.applying(delta: try fixture(dataset, "delta-2-3"))
        expectSameDump(s3.canonicalJSON(), try expectedDump(dataset, 3), "\(dataset) 3 after compaction")
        let back = try s3.compactedCopy().applying(reverseDelta: try fixture(dataset, "reversedelta-3-2"))
        expectSameDump(back.canonicalJSON(), try expectedDump(dataset, 2), "\(dataset) 3→2 after compaction")
        for name in compacted2.typeNames {
            if let set = compacted2.setType(name) {
                for o in set.populatedOrdinals { for e in set.elementOrdinals(o) { #expect(set.contains(o, element: e)) } }
            }
            if let map = compacted2.mapType(name) {
                for o in map.populatedOrdinals { for e in map.entries(o) { #expect(map.get(o, key: e.key) == e.value) } }
            }
        }
    }

    @Test func compactionStaysSmall() throws {
        let s1 = try ReadState.load(snapshot: try fixture("sharded", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("sharded", "delta-1-2"))
        let blob = try fixture("sharded", "snapshot-2")
        #expect(s2.compactedCopy().loadedByteCount <= blob.count * 12 / 10)
    }
}
