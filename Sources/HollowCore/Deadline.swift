/// Runs `operation`, and if it has not finished after `timeout`, cancels it and throws `timeoutError()`.
/// The one deadline for the integration modules' network calls (MQTT acknowledgements, HTTP requests).
public func withDeadline<T: Sendable>(
    _ timeout: Duration, timeoutError: @escaping @Sendable () -> any Error,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw timeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
