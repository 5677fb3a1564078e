// Heavy synchronous test work off Swift's cooperative pool.

import Foundation

/// Runs CPU-heavy or blocking synchronous work on a thread of its own and returns its result.
///
/// Swift's cooperative pool has as many threads as the machine has cores (two on the CI machine). A test that loads
/// and dumps a 200k-record state synchronously for tens of seconds holds one of them, and every other suite's async
/// test (MQTT acknowledgements, process waits) then waits for the other one: with two such tests at once, MQTT suites
/// ran into their time limits. Heavy synchronous test work goes through this instead.
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
