public import HollowCore
public import Logging
import Metrics
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One interval waiting in the spool: its sequence number, its state and the bytes that are sent (the state's
/// compact JSON).
public struct SpooledInterval: Sendable, Hashable {
    /// Position in the spool (increasing; the oldest interval has the smallest).
    public var sequence: UInt64
    /// The interval.
    public var state: MetricsState
    /// The payload sent to the central producer: `state.jsonValue.serialized()`.
    public var payload: [UInt8]
}

/// Where an edge sends its intervals (MQTT in `kea-edge`; anything that acknowledges delivery).
public protocol IntervalTransport: Sendable {
    /// Delivers one interval and returns once the receiver acknowledged it.
    /// - Throws: ``IntervalRejected`` when the receiver refused this interval for good (it is then dropped from
    ///   the spool); any other error is transient (the interval stays first in the spool and is retried).
    func deliver(_ interval: SpooledInterval) async throws
}

/// The receiver refused an interval for good (e.g. the broker's ACL does not let this edge write the topic).
public struct IntervalRejected: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why.
    public var message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// A bounded on-disk queue of intervals an edge has not delivered yet, oldest first.
///
/// Each interval is one file `SEQUENCE.json` (20 digits, written atomically and durably: temporary file, fsync,
/// rename, fsync of the directory) in the spool directory, so the spool survives restarts, `kea-edge import` runs
/// and power losses. When `capacity` intervals are
/// waiting, appending drops the oldest: it is counted in `droppedTotal` (kept in the file `dropped`, and the
/// counter `kea_edge_spool_dropped_total`) and logged. Delivery removes an interval only after the transport's
/// acknowledgement, so nothing within the bound is lost; an interval whose acknowledgement was lost may be sent
/// twice, which the central producer ignores (primary key `source` + `timestamp`).
public final class IntervalSpool: Sendable {
    /// The spool directory.
    public let directory: String
    /// The most intervals kept; the oldest is dropped beyond.
    public let capacity: Int
    private let logger: Logger
    private let state: Mutex<State>
    private let droppedCounter: Counter
    private let deliveredCounter: Counter
    private let rejectedCounter: Counter
    private let pendingGauge: Gauge

    private struct State {
        var pending: [UInt64] = []  // sorted ascending
        var nextSequence: UInt64 = 1
        var dropped: Int64 = 0
    }

    /// Opens (creating it when missing) the spool in `directory`.
    /// - Parameters:
    ///   - capacity: the most intervals kept (at least 1).
    ///   - metricsSource: the `source` label of the spool's metrics.
    /// - Throws: ``KeaEdgeIOError`` when the directory cannot be created or read.
    public init(directory: String, capacity: Int, metricsSource: String, logger: Logger = .hollowDisabled) throws(KeaEdgeIOError) {
        self.directory = directory
        self.capacity = max(1, capacity)
        self.logger = logger
        let dimensions = [("source", metricsSource)]
        droppedCounter = Counter(label: "kea_edge_spool_dropped_total", dimensions: dimensions)
        deliveredCounter = Counter(label: "kea_edge_sent_intervals_total", dimensions: dimensions)
        rejectedCounter = Counter(label: "kea_edge_send_rejected_total", dimensions: dimensions)
        pendingGauge = Gauge(label: "kea_edge_spool_intervals", dimensions: dimensions)
        try SystemSupport.makeDirectories(directory)
        var s = State()
        guard let dir = opendir(directory) else { throw KeaEdgeIOError("open directory \(directory)", errno: errno) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.contains(".json" + AtomicFile.tempMarker) {
                unlink("\(directory)/\(name)")  // an append interrupted before its rename
            } else if name.hasSuffix(".json"), let seq = UInt64(name.dropLast(5)) {
                s.pending.append(seq)
            }
        }
        s.pending.sort()
        s.nextSequence = (s.pending.last ?? 0) + 1
        if let text = try? SystemSupport.readText("\(directory)/dropped"), let n = Int64(text.trimmed) { s.dropped = n }
        state = Mutex(s)
        pendingGauge.record(s.pending.count)
    }

    private func path(_ sequence: UInt64) -> String {
        let digits = String(sequence)
        return "\(directory)/\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).json"
    }

    /// The number of intervals waiting.
    public var count: Int { state.withLock { $0.pending.count } }

    /// Intervals dropped because the spool was full, over the spool's whole life.
    public var droppedTotal: Int64 { state.withLock { $0.dropped } }

    /// Appends `interval` as the newest; drops the oldest beyond `capacity`.
    /// - Returns: the number of intervals dropped to make room (0 or more).
    /// - Throws: ``KeaEdgeIOError`` when the file cannot be written.
    @discardableResult
    public func append(_ interval: MetricsState) throws(KeaEdgeIOError) -> Int {
        let payload = Array(interval.jsonValue.serialized().utf8)
        let sequence = state.withLock { s in
            defer { s.nextSequence += 1 }
            return s.nextSequence
        }
        try SystemSupport.writeFile(path(sequence), payload, durable: true)
        let (dropped, total, pending) = state.withLock { s -> ([UInt64], Int64, Int) in
            s.pending.append(sequence)
            s.pending.sort()
            let overflow = s.pending.count - capacity
            guard overflow > 0 else { return ([], s.dropped, s.pending.count) }
            let dropped = Array(s.pending.prefix(overflow))
            s.pending.removeFirst(overflow)
            s.dropped += Int64(overflow)
            return (dropped, s.dropped, s.pending.count)
        }
        pendingGauge.record(pending)
        guard !dropped.isEmpty else { return 0 }
        for seq in dropped { unlink(path(seq)) }
        try? SystemSupport.writeText("\(directory)/dropped", String(total))
        droppedCounter.increment(by: dropped.count)
        logger.warning(
            "spool full: dropped the oldest undelivered interval(s)",
            metadata: ["spool.dropped": "\(dropped.count)", "spool.dropped_total": "\(total)", "spool.capacity": "\(capacity)"])
        return dropped.count
    }

    /// The oldest waiting interval, or nil when the spool is empty. A file that is not a readable state is
    /// removed (and logged), so one bad file cannot block the spool.
    public func oldest() -> SpooledInterval? {
        while let sequence = state.withLock({ $0.pending.first }) {
            do {
                let payload = try SystemSupport.readFile(path(sequence))
                let interval = try MetricsState(json: String(decoding: payload, as: UTF8.self))
                return SpooledInterval(sequence: sequence, state: interval, payload: payload)
            } catch {
                logger.error("removing an unreadable spool file", metadata: ["spool.file": "\(path(sequence))", "error": "\(error)"])
                remove(sequence)
            }
        }
        return nil
    }

    /// Removes a delivered (or rejected) interval; nothing happens when it is already gone.
    public func remove(_ sequence: UInt64) {
        let pending = state.withLock { s in
            s.pending.removeAll { $0 == sequence }
            return s.pending.count
        }
        unlink(path(sequence))
        pendingGauge.record(pending)
    }

    /// What ``deliverPending(through:deadline:)`` did.
    public struct DeliveryReport: Sendable {
        /// Intervals the transport acknowledged (and that left the spool).
        public var delivered = 0
        /// Intervals the receiver refused for good (dropped from the spool, logged as errors).
        public var rejected = 0
        /// The transient failure that stopped the delivery, nil when the spool was emptied.
        public var failure: (any Error)?
        /// Creates an empty report.
        public init() {}
    }

    /// Delivers the waiting intervals oldest first, one at a time (each acknowledged before the next is sent, so
    /// they arrive in order), until the spool is empty, a delivery fails, or `deadline` passes.
    public func deliverPending(
        through transport: any IntervalTransport, deadline: ContinuousClock.Instant? = nil
    ) async -> DeliveryReport {
        var report = DeliveryReport()
        while let next = oldest() {
            if let deadline, ContinuousClock.now >= deadline { break }
            if Task.isCancelled { break }
            do {
                try await transport.deliver(next)
                remove(next.sequence)
                report.delivered += 1
                deliveredCounter.increment()
            } catch let rejected as IntervalRejected {
                remove(next.sequence)
                report.rejected += 1
                rejectedCounter.increment()
                logger.error(
                    "interval refused by the receiver; dropped",
                    metadata: ["source": "\(next.state.source)", "timestamp": "\(next.state.timestamp)", "error": "\(rejected)"])
            } catch {
                report.failure = error
                break
            }
        }
        return report
    }
}
