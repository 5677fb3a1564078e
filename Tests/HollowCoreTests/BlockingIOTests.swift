import HollowCore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A count shared by the blocking bodies.
private final class Arrivals: Sendable {
    let count = Mutex(0)
}

@Suite struct BlockingIOTests {
    /// Blocking bodies run on threads of their own: eight of them block until all eight are running at once,
    /// which the cooperative pool (one thread per core) could not do.
    @Test func blockingBodiesRunOutsideTheCooperativePool() async throws {
        let count = 8
        let arrived = Arrivals()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await BlockingIO.run {
                        arrived.count.withLock { $0 += 1 }
                        // Bounded wait (10 s) for the others: a barrier, not a timing assertion.
                        for _ in 0..<10_000 {
                            if arrived.count.withLock({ $0 }) == count { return true }
                            usleep(1000)
                        }
                        return false
                    }
                }
            }
            var all: [Bool] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results == Array(repeating: true, count: count))
    }

    struct Failure: Error, Equatable {}

    @Test func errorsOfTheBodyReachTheCaller() async throws {
        await #expect(throws: Failure.self) {
            try await BlockingIO.run { () throws -> Int in throw Failure() }
        }
        #expect(try await BlockingIO.run { 6 * 7 } == 42)
    }
}
