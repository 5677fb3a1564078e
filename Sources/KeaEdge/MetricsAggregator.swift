public import HollowCore
public import HollowProducer
public import Logging
import Metrics

/// The Hollow record of one source of an aggregated state (type `MetricsSource`, primary key `source`):
/// `MetricsSource { source String, lastTimestamp String, intervals int, stale boolean }`.
///
/// The aggregated state holds these next to the `MetricsState` records, whose schema is the same as a single
/// edge's, so every reader of kea-edge states reads an aggregated one.
public struct HollowMetricsSource: Codable, Sendable, Hashable, HollowTypeConfiguration {
    public static let hollowTypeName: String? = "MetricsSource"
    public static let hollowPrimaryKey: [String]? = ["source"]
    /// The source's name (its `MetricsState.source`).
    public var source: String
    /// The newest interval's `timestamp` received from the source.
    public var lastTimestamp: String
    /// The number of the source's intervals in the state.
    public var intervals: Int32
    /// Whether no new interval arrived from the source for longer than the aggregator's stale time.
    public var stale: Bool

    /// Creates the record.
    public init(source: String, lastTimestamp: String, intervals: Int32, stale: Bool) {
        self.source = source
        self.lastTimestamp = lastTimestamp
        self.intervals = intervals
        self.stale = stale
    }
}

/// The central producer of many edges: keeps each source's window of intervals and publishes all of them as
/// one Hollow state per cycle (the `MetricsState` records of every source, primary key `source` + `timestamp`,
/// plus one ``HollowMetricsSource`` per source).
///
/// - An interval that is already held (a redelivery) changes nothing; one with a known key but other content
///   replaces the held one.
/// - A late interval is inserted in timestamp order as long as it falls within the source's window (the newest
///   `window` intervals); an older one is dropped (`tooLate`).
/// - A source from which no new interval arrived for `staleAfter` is marked `stale` in its `MetricsSource`
///   record; its window stays.
public actor MetricsAggregator {
    /// What happened to a received interval.
    public enum ReceiveOutcome: Sendable, Hashable {
        /// A new interval, now part of the next state.
        case added
        /// The same interval was already held: nothing changes.
        case duplicate
        /// An interval with the same key but other content replaced the held one.
        case replaced
        /// Older than the source's full window: not kept.
        case tooLate
    }

    /// The producer publishing the aggregated states.
    public let producer: HollowProducer
    /// Intervals kept per source.
    public let window: Int
    /// After how long without a new interval a source is marked stale.
    public let staleAfter: Duration
    private let logger: Logger
    private var windows: [String: [MetricsState]] = [:]  // per source, oldest first
    private var lastArrival: [String: ContinuousClock.Instant] = [:]
    private var restoredStale: Set<String> = []
    private var lastPublishedStale: [String: Bool] = [:]
    /// When the first change not yet published arrived (nil: the last state holds everything received).
    public private(set) var pendingSince: ContinuousClock.Instant?
    /// Keys (`source@timestamp`) of the intervals added or replaced since the last published cycle.
    private var pendingKeys: [String] = []
    /// Counts changes, so a cycle knows whether intervals arrived while it ran (actor reentrancy at its await).
    private var changes = 0
    private let receivedCounter: Counter
    private let duplicateCounter: Counter
    private let lateCounter: Counter
    private let sourcesGauge: Gauge
    private let staleGauge: Gauge

    /// Creates the aggregator and registers the data model (`MetricsState`, `MetricsSource`) with `producer`.
    /// - Parameters:
    ///   - window: intervals kept per source (at least 1).
    ///   - staleAfter: after how long without a new interval a source is marked stale.
    public init(producer: HollowProducer, window: Int, staleAfter: Duration, logger: Logger = .hollowDisabled) async throws {
        self.producer = producer
        self.window = max(1, window)
        self.staleAfter = staleAfter
        self.logger = logger
        receivedCounter = Counter(label: "kea_edge_aggregate_intervals_total")
        duplicateCounter = Counter(label: "kea_edge_aggregate_duplicates_total")
        lateCounter = Counter(label: "kea_edge_aggregate_too_late_total")
        sourcesGauge = Gauge(label: "kea_edge_aggregate_sources")
        staleGauge = Gauge(label: "kea_edge_aggregate_stale_sources")
        try await producer.initializeDataModel(HollowMetricsState.self, HollowMetricsSource.self)
    }

    /// Continues the store's chain from `version` and takes the windows and source records of that state, so a
    /// restarted aggregator keeps every source's history. Restored sources get a fresh `staleAfter` (those that
    /// were stale stay stale until they send again).
    /// - Returns: the number of intervals restored.
    @discardableResult
    public func restore(version: Int64, retriever: any BlobRetriever) async throws -> Int {
        let state = try await producer.restore(version: version, retriever: retriever)
        let states = try MetricsState.all(in: state)
        windows = [:]
        for s in states { windows[s.source, default: []].append(s) }
        for key in windows.keys { windows[key]?.sort { Self.order($0.timestamp) < Self.order($1.timestamp) } }
        let sources = (try? HollowObjectMapper().readAll(HollowMetricsSource.self, from: state)) ?? []
        let now = ContinuousClock.now
        for key in windows.keys { lastArrival[key] = now }
        restoredStale = Set(sources.filter(\.stale).map(\.source))
        lastPublishedStale = Dictionary(sources.map { ($0.source, $0.stale) }, uniquingKeysWith: { a, _ in a })
        pendingSince = nil
        pendingKeys = []
        sourcesGauge.record(windows.count)
        return states.count
    }

    /// Adds one interval to its source's window.
    public func receive(_ interval: MetricsState, at now: ContinuousClock.Instant = .now) -> ReceiveOutcome {
        receivedCounter.increment()
        var w = windows[interval.source] ?? []
        let outcome: ReceiveOutcome
        if let i = w.firstIndex(where: { $0.timestamp == interval.timestamp }) {
            if w[i] == interval {
                duplicateCounter.increment()
                return .duplicate
            }
            w[i] = interval
            outcome = .replaced
        } else {
            let key = Self.order(interval.timestamp)
            if w.count >= window, let oldest = w.first, key < Self.order(oldest.timestamp) {
                lateCounter.increment()
                logger.notice(
                    "interval older than the source's window; dropped",
                    metadata: ["source": "\(interval.source)", "timestamp": "\(interval.timestamp)"])
                return .tooLate
            }
            let position = w.firstIndex { Self.order($0.timestamp) > key } ?? w.endIndex
            w.insert(interval, at: position)
            if w.count > window { w.removeFirst(w.count - window) }
            outcome = .added
            lastArrival[interval.source] = now
            restoredStale.remove(interval.source)
        }
        windows[interval.source] = w
        if pendingSince == nil { pendingSince = now }
        pendingKeys.append("\(interval.source)@\(interval.timestamp)")
        changes += 1
        sourcesGauge.record(windows.count)
        return outcome
    }

    /// Every source with its status at `now`, sorted by name.
    public func sources(at now: ContinuousClock.Instant = .now) -> [HollowMetricsSource] {
        windows.keys.sorted().map { source in
            let w = windows[source] ?? []
            return HollowMetricsSource(
                source: source, lastTimestamp: w.last?.timestamp ?? "", intervals: Int32(clamping: w.count),
                stale: isStale(source, at: now))
        }
    }

    private func isStale(_ source: String, at now: ContinuousClock.Instant) -> Bool {
        if restoredStale.contains(source) { return true }
        guard let arrival = lastArrival[source] else { return true }
        return now - arrival > staleAfter
    }

    /// Whether a cycle would publish something new: an unpublished interval, or a source whose staleness changed.
    public func needsCycle(at now: ContinuousClock.Instant = .now) -> Bool {
        if pendingSince != nil { return true }
        return windows.keys.contains { lastPublishedStale[$0] != isStale($0, at: now) }
    }

    /// Every interval held, oldest first per source, sources by name.
    public var intervals: [MetricsState] { windows.keys.sorted().flatMap { windows[$0] ?? [] } }

    /// Runs one producer cycle with every source's window and the source records.
    /// - Returns: the version now current (unchanged when nothing changed).
    /// - Throws: what the producer's cycle threw; the received intervals stay for the next cycle.
    @discardableResult
    public func publish(at now: ContinuousClock.Instant = .now) async throws -> Int64 {
        let sources = sources(at: now)
        let changesBefore = changes
        let published = pendingKeys
        var records: [HollowMetricsState] = []
        for source in windows.keys.sorted() {
            for interval in windows[source] ?? [] {
                let (record, warnings) = interval.hollowRecord()
                if !warnings.isEmpty { logger.debug("\(interval.source) \(interval.timestamp): \(warnings.count) values saturated") }
                records.append(record)
            }
        }
        let version = try await producer.runCycle { writeState in
            for record in records { try writeState.add(record) }
            for source in sources { try writeState.add(source) }
        }
        // Intervals received while the cycle ran are not in it: they stay pending for the next one.
        pendingKeys.removeFirst(min(published.count, pendingKeys.count))
        if changes == changesBefore { pendingSince = nil }
        for s in sources where (lastPublishedStale[s.source] ?? false) != s.stale {
            logger.notice(
                s.stale ? "source is stale (no new interval)" : "source sends again",
                metadata: ["source": "\(s.source)", "last.timestamp": "\(s.lastTimestamp)", "hollow.version": "\(version)"])
        }
        lastPublishedStale = Dictionary(sources.map { ($0.source, $0.stale) }, uniquingKeysWith: { a, _ in a })
        staleGauge.record(sources.filter(\.stale).count)
        logger.debug(
            "aggregated state published",
            metadata: [
                "hollow.version": "\(version)", "sources": "\(sources.count)", "intervals": "\(records.count)",
                "intervals.new": "\(published.joined(separator: ","))",
            ])
        return version
    }

    /// A sort key for `timestamp`: `…:00Z` and `…:00.250Z` (the later one of two intervals ending in the same
    /// second) compare in time order.
    static func order(_ timestamp: String) -> String {
        guard timestamp.hasSuffix("Z"), !timestamp.contains(".") else { return timestamp }
        return String(timestamp.dropLast()) + ".000Z"
    }
}
