public import HollowCore
public import HollowProducer
public import Logging

/// The Hollow record of a ``MetricsState`` (type `MetricsState`, primary key `source` + `timestamp`):
/// `MetricsState { timestamp String, source String, metrics Map<String, Metric>, aggregates Map<String, Integer> }`.
/// Numbers are `int`: build it with ``MetricsState/hollowRecord()``, which saturates at `Int32.max`.
public struct HollowMetricsState: Codable, Sendable, Hashable, HollowTypeConfiguration {
    public static let hollowTypeName: String? = "MetricsState"
    public static let hollowPrimaryKey: [String]? = ["source", "timestamp"]
    /// ISO 8601 UTC end of the interval.
    public var timestamp: String
    /// The measured server.
    public var source: String
    /// Histograms by name (`MapOfStringToMetric`).
    public var metrics: [String: HollowMetric]
    /// Counters and gauges by name (`MapOfStringToInteger`).
    public var aggregates: [String: Int32]
}

/// The Hollow record of a ``Metric``: `Metric { name String, total int, unit String, buckets List<MetricBucket> }`.
public struct HollowMetric: Codable, Sendable, Hashable, HollowTypeConfiguration {
    public static let hollowTypeName: String? = "Metric"
    /// snake_case name.
    public var name: String
    /// Sum of the counts (saturated).
    public var total: Int32
    /// Value label, e.g. `time (ns)`.
    public var unit: String
    /// The buckets (`ListOfMetricBucket`).
    public var buckets: [HollowMetricBucket]
}

/// The Hollow record of a ``MetricBucket``: `MetricBucket { lower int, upper int, count int }`.
public struct HollowMetricBucket: Codable, Sendable, Hashable, HollowTypeConfiguration {
    public static let hollowTypeName: String? = "MetricBucket"
    /// Inclusive lower bound (saturated).
    public var lower: Int32
    /// Inclusive upper bound (saturated).
    public var upper: Int32
    /// Count (saturated).
    public var count: Int32
}

extension MetricsState {
    /// The Hollow record of this state, every number saturated to `Int32` (see ``saturatedForHollow()``),
    /// and the warnings for the values that were clamped.
    public func hollowRecord() -> (record: HollowMetricsState, warnings: [String]) {
        let (s, warnings) = saturatedForHollow()
        let record = HollowMetricsState(
            timestamp: s.timestamp,
            source: s.source,
            metrics: s.metrics.mapValues { m in
                HollowMetric(
                    name: m.name, total: Int32(m.total), unit: m.unit,
                    buckets: m.buckets.map { HollowMetricBucket(lower: Int32($0.lower), upper: Int32($0.upper), count: Int32($0.count)) }
                )
            },
            aggregates: s.aggregates.mapValues { Int32($0) }
        )
        return (record, warnings)
    }
}

/// Publishes each window as one Hollow state through a ``HollowProducer``: every state of the window is a
/// `MetricsState` record, so each cycle's delta adds the newest interval and removes the one that left.
public struct HollowProducerSink: MetricsSink {
    /// The producer (its publisher and announcer decide where the blobs and announcements go).
    public let producer: HollowProducer
    /// Where saturation warnings go.
    public let logger: Logger

    /// Creates the sink and registers the data model with the producer.
    /// - Throws: when the model cannot be registered (a programming error in the model types).
    public init(producer: HollowProducer, logger: Logger) async throws {
        self.producer = producer
        self.logger = logger
        try await producer.initializeDataModel(HollowMetricsState.self)
    }

    /// Creates the sink with a producer of its own publishing through `publisher` and announcing through
    /// `announcer`.
    /// - Parameter numStatesBetweenSnapshots: deltas between two snapshots (0: a snapshot every cycle).
    public init(
        publisher: any Publisher, announcer: (any Announcer)?, numStatesBetweenSnapshots: Int = 29, logger: Logger
    ) async throws {
        try await self.init(
            producer: HollowProducer(
                publisher: publisher, announcer: announcer, numStatesBetweenSnapshots: numStatesBetweenSnapshots, logger: logger
            ),
            logger: logger
        )
    }

    /// Runs one producer cycle with the window's states. Saturation warnings are logged for the newest
    /// state only (the older ones were reported when they were new).
    public func publish(window: [MetricsState]) async throws {
        var records: [HollowMetricsState] = []
        for (index, state) in window.enumerated() {
            let (record, warnings) = state.hollowRecord()
            if index == window.count - 1 {
                for w in warnings { logger.warning("\(state.source) \(state.timestamp): \(w)") }
            }
            records.append(record)
        }
        let version = try await producer.runCycle { writeState in
            for record in records { try writeState.add(record) }
        }
        logger.debug("published Hollow state", metadata: ["hollow.version": "\(version)", "window.size": "\(records.count)"])
    }
}
