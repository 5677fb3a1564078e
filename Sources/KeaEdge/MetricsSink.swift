import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the collector delivers each interval: the seam between measuring and publishing.
///
/// `publish(window:)` receives the rolling window after each interval, oldest state first, newest
/// last; the window holds at most N states (one per interval, primary key `source` + `timestamp`).
/// A Hollow producer sink adds every state of the window to one cycle (so each cycle's delta is one
/// record in and one out); the JSON-lines sink appends only the newest state.
public protocol MetricsSink: Sendable {
    /// Publishes the window after an interval.
    /// - Parameter window: the last N states, oldest first; never empty.
    /// - Throws: when the state could not be published; the collector logs it and keeps running.
    func publish(window: [MetricsState]) async throws
}

/// Appends the newest state of each window as one compact JSON line to a file.
public struct JSONLinesSink: MetricsSink {
    /// The file the lines are appended to (created when missing).
    public let path: String

    /// Creates a sink appending to `path`.
    public init(path: String) { self.path = path }

    /// Appends `window.last` as one line.
    public func publish(window: [MetricsState]) async throws {
        guard let newest = window.last else { return }
        let line = Array((newest.jsonValue.serialized() + "\n").utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw KeaEdgeIOError("open \(path)", errno: errno) }
        defer { close(fd) }
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != line.count { throw KeaEdgeIOError("append to \(path)", errno: errno) }
    }
}

/// Delivers each window to several sinks in turn; a failing sink does not stop the others.
public struct FanOutSink: MetricsSink {
    /// The sinks, in delivery order.
    public let sinks: [any MetricsSink]

    /// Creates a fan-out over `sinks`.
    public init(_ sinks: [any MetricsSink]) { self.sinks = sinks }

    /// Publishes to every sink; rethrows the first error after all sinks ran.
    public func publish(window: [MetricsState]) async throws {
        var firstError: (any Error)?
        for sink in sinks {
            do { try await sink.publish(window: window) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}

/// The last `capacity` states, oldest first.
public struct RollingWindow: Sendable, Hashable {
    /// The maximum number of states kept.
    public let capacity: Int
    /// The states, oldest first.
    public private(set) var states: [MetricsState] = []

    /// Creates an empty window keeping at most `capacity` (≥ 1) states.
    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Appends a state and drops the oldest ones beyond the capacity; returns the dropped states.
    @discardableResult
    public mutating func append(_ state: MetricsState) -> [MetricsState] {
        states.removeAll { $0.source == state.source && $0.timestamp == state.timestamp }
        states.append(state)
        let overflow = states.count - capacity
        guard overflow > 0 else { return [] }
        let dropped = Array(states.prefix(overflow))
        states.removeFirst(overflow)
        return dropped
    }
}

/// Reads states written as one JSON object, a JSON array of objects, or JSON lines.
public enum MetricsStateFile {
    /// Parses the text of a state file.
    /// - Throws: ``MetricsJSONError`` or ``JSONSyntaxError`` (with the line for JSON lines).
    public static func parse(_ text: String) throws -> [MetricsState] {
        let trimmed = text.trimmed
        if trimmed.hasPrefix("[") {
            guard let array = try JSONValue.parse(String(trimmed)).array else { return [] }
            return try array.map { v throws(MetricsJSONError) in try MetricsState(json: v) }
        }
        if let whole = try? JSONValue.parse(String(trimmed)) { return [try MetricsState(json: whole)] }
        var states: [MetricsState] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmed
            if t.isEmpty { continue }
            do {
                states.append(try MetricsState(json: try JSONValue.parse(String(t))))
            } catch let e as JSONSyntaxError {
                throw JSONSyntaxError(line: index + 1, column: e.column, message: e.message)
            } catch let e as MetricsJSONError {
                throw MetricsJSONError(message: "line \(index + 1): \(e.message)")
            }
        }
        return states
    }
}
