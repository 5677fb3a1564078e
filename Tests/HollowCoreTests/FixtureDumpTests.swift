import HollowCore
import Testing

/// Every state of every Java fixture dataset dumps byte-identical to Java's dump along every path.
@Suite struct FixtureDumpTests {
    @Test(arguments: Paths.datasets, [1, 2, 3])
    func snapshot(dataset: String, version: Int) throws {
        let state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-\(version)"))
        expectSameDump(state.canonicalJSON(), try expectedDump(dataset, version), "\(dataset) snapshot-\(version)")
    }

    @Test(arguments: Paths.datasets)
    func forwardChain(dataset: String) throws {
        var state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-1"))
        for v in 2...3 {
            state = try state.applying(delta: try fixture(dataset, "delta-\(v - 1)-\(v)"))
            expectSameDump(state.canonicalJSON(), try expectedDump(dataset, v), "\(dataset) 1→\(v)")
        }
    }

    @Test(arguments: Paths.datasets)
    func backwardChain(dataset: String) throws {
        var state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-3"))
        for v in [2, 1] {
            state = try state.applying(reverseDelta: try fixture(dataset, "reversedelta-\(v + 1)-\(v)"))
            expectSameDump(state.canonicalJSON(), try expectedDump(dataset, v), "\(dataset) 3→\(v)")
        }
    }

    @Test(arguments: Paths.datasets, [1, 2])
    func singleTransitions(dataset: String, from: Int) throws {
        let older = try ReadState.load(snapshot: try fixture(dataset, "snapshot-\(from)"))
        let newer = try ReadState.load(snapshot: try fixture(dataset, "snapshot-\(from + 1)"))
        let forward = try older.applying(delta: try fixture(dataset, "delta-\(from)-\(from + 1)"))
        expectSameDump(forward.canonicalJSON(), try expectedDump(dataset, from + 1), "\(dataset) delta \(from)→\(from + 1)")
        let backward = try newer.applying(reverseDelta: try fixture(dataset, "reversedelta-\(from + 1)-\(from)"))
        expectSameDump(backward.canonicalJSON(), try expectedDump(dataset, from), "\(dataset) reverse \(from + 1)→\(from)")
        // The receivers are untouched.
        expectSameDump(older.canonicalJSON(), try expectedDump(dataset, from), "\(dataset) receiver \(from)")
        expectSameDump(newer.canonicalJSON(), try expectedDump(dataset, from + 1), "\(dataset) receiver \(from + 1)")
    }

    /// Forward then backward and forward again along the whole chain, ending where it started.
    @Test(arguments: Paths.datasets)
    func roundTrip(dataset: String) throws {
        var state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-1"))
        state = try state.applying(delta: try fixture(dataset, "delta-1-2"))
        state = try state.applying(delta: try fixture(dataset, "delta-2-3"))
        state = try state.applying(reverseDelta: try fixture(dataset, "reversedelta-3-2"))
        state = try state.applying(reverseDelta: try fixture(dataset, "reversedelta-2-1"))
        expectSameDump(state.canonicalJSON(), try expectedDump(dataset, 1), "\(dataset) 1→3→1")
        state = try state.applying(delta: try fixture(dataset, "delta-1-2"))
        state = try state.applying(delta: try fixture(dataset, "delta-2-3"))
        expectSameDump(state.canonicalJSON(), try expectedDump(dataset, 3), "\(dataset) 1→3→1→3")
    }
}
