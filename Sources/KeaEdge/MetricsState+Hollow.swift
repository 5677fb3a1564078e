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
    /// - Parameters:
    ///   - numStatesBetweenSnapshots: deltas between two snapshots (0: a snapshot every cycle).
    ///   - listeners: observers of every cycle (e.g. a storage cleaner run after each announcement).
    public init(
        publisher: any Publisher, announcer: (any Announcer)?, numStatesBetweenSnapshots: Int = 29,
        listeners: [any ProducerListener] = [], logger: Logger
    ) async throws {
        try await self.init(
            producer: HollowProducer(
                publisher: publisher, announcer: announcer, listeners: listeners,
                numStatesBetweenSnapshots: numStatesBetweenSnapshots, logger: logger
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

/// A Hollow state that does not hold readable `MetricsState` records.
public struct HollowMetricsReadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

extension MetricsState {
    /// Every `MetricsState` record of a Hollow state, oldest `timestamp` first (read through the state's
    /// canonical JSON dump; numbers are the stored, possibly saturated, `int` values).
    /// - Throws: ``HollowMetricsReadError`` when a record refers to something missing.
    public static func all(in state: ReadState) throws -> [MetricsState] {
        let dump = try JSONValue.parse(state.canonicalJSON())
        var tables: [String: [Int64: JSONValue]] = [:]
        for type in dump["types"]?.array ?? [] {
            guard let name = type["name"]?.string else { continue }
            var byOrdinal: [Int64: JSONValue] = [:]
            for record in type["records"]?.array ?? [] {
                if let ordinal = record["ordinal"]?.int64 { byOrdinal[ordinal] = record }
            }
            tables[name] = byOrdinal
        }
        func fail(_ what: String) -> HollowMetricsReadError { HollowMetricsReadError(message: "Hollow state: \(what)") }
        func string(_ ordinal: JSONValue?) throws -> String {
            guard let o = ordinal?.int64, let s = tables["String"]?[o]?["fields"]?["value"]?.string else {
                throw fail("missing String record \(ordinal.map { "\($0)" } ?? "nil")")
            }
            return s
        }
        func int(_ value: JSONValue?) -> Int64 { value?.int64 ?? 0 }
        var out: [MetricsState] = []
        for (_, record) in tables["MetricsState"] ?? [:] {
            guard let f = record["fields"] else { continue }
            var state = MetricsState(timestamp: try string(f["timestamp"]), source: try string(f["source"]))
            if let m = f["metrics"]?.int64, let entries = tables["MapOfStringToMetric"]?[m]?["entries"]?.array {
                for entry in entries {
                    guard let pair = entry.array, pair.count == 2, let mo = pair[1].int64,
                        let mf = tables["Metric"]?[mo]?["fields"]
                    else { throw fail("bad MapOfStringToMetric entry") }
                    var buckets: [MetricBucket] = []
                    if let lo = mf["buckets"]?.int64, let elements = tables["ListOfMetricBucket"]?[lo]?["elements"]?.array {
                        for e in elements {
                            guard let bo = e.int64, let bf = tables["MetricBucket"]?[bo]?["fields"] else { throw fail("missing MetricBucket") }
                            buckets.append(MetricBucket(lower: int(bf["lower"]), upper: int(bf["upper"]), count: int(bf["count"])))
                        }
                    }
                    let key = try string(pair[0])
                    state.metrics[key] = Metric(name: try string(mf["name"]), unit: try string(mf["unit"]), buckets: buckets, total: int(mf["total"]))
                }
            }
            if let a = f["aggregates"]?.int64, let entries = tables["MapOfStringToInteger"]?[a]?["entries"]?.array {
                for entry in entries {
                    guard let pair = entry.array, pair.count == 2, let io = pair[1].int64 else { throw fail("bad MapOfStringToInteger entry") }
                    state.aggregates[try string(pair[0])] = int(tables["Integer"]?[io]?["fields"]?["value"])
                }
            }
            out.append(state)
        }
        return out.sorted { ($0.timestamp, $0.source) < ($1.timestamp, $1.source) }
    }
}

extension HollowProducerSink {
    /// Continues the store's chain from `version` (Java: `HollowProducer.restore`) and returns the states of
    /// that version's window, to seed the collector's window so that a restart keeps the history.
    public func restore(version: Int64, retriever: any BlobRetriever) async throws -> [MetricsState] {
        let state = try await producer.restore(version: version, retriever: retriever)
        return try MetricsState.all(in: state)
    }
}
