/// One bucket of a log2 histogram: `count` values fell in `lower...upper`.
///
/// Bounds are kept exact as `Int64` (BCC's wide layout prints bounds beyond 2^31). The Hollow schema
/// declares them `int`; see ``MetricsState/saturatedForHollow()``.
public struct MetricBucket: Sendable, Hashable {
    /// Smallest value counted in this bucket (inclusive).
    public var lower: Int64
    /// Largest value counted in this bucket (inclusive).
    public var upper: Int64
    /// Number of values that fell in this bucket.
    public var count: Int64

    /// Creates a bucket.
    public init(lower: Int64, upper: Int64, count: Int64) {
        self.lower = lower
        self.upper = upper
        self.count = count
    }
}

/// A histogram metric: its name, the unit of the bucketed values, and the buckets.
public struct Metric: Sendable, Hashable {
    /// snake_case name, e.g. `packet_processing_time`.
    public var name: String
    /// Sum of all bucket counts.
    public var total: Int64
    /// The label of the bucketed values as BCC prints it, e.g. `time (ns)`.
    public var unit: String
    /// Every bucket, in ascending order, zero counts included.
    public var buckets: [MetricBucket]

    /// Creates a metric; `total` defaults to the sum of the bucket counts.
    public init(name: String, unit: String, buckets: [MetricBucket], total: Int64? = nil) {
        self.name = name
        self.unit = unit
        self.buckets = buckets
        self.total = total ?? buckets.reduce(0) { $0 &+ $1.count }
    }
}

/// The metrics of one source for one interval: the record published in each Hollow state
/// (primary key `source` + `timestamp`).
public struct MetricsState: Sendable, Hashable {
    /// ISO 8601 UTC time of the end of the interval, e.g. `2026-11-22T12:00:00Z`.
    public var timestamp: String
    /// The name of the measured server (defaults to the host name).
    public var source: String
    /// Histograms by metric name.
    public var metrics: [String: Metric]
    /// Counters by name (per-interval deltas for counters, current values for gauges).
    public var aggregates: [String: Int64]

    /// Creates a state.
    public init(timestamp: String, source: String, metrics: [String: Metric] = [:], aggregates: [String: Int64] = [:]) {
        self.timestamp = timestamp
        self.source = source
        self.metrics = metrics
        self.aggregates = aggregates
    }

    /// The state with every number clamped to the `int` range of the Hollow schema
    /// (`Int32.min...Int32.max`), plus one warning per clamped value.
    ///
    /// The JSON form keeps exact `Int64` values; a Hollow state cannot, so values beyond `Int32.max`
    /// (BCC's wide histogram bounds, huge totals) become `Int32.max`.
    public func saturatedForHollow() -> (state: MetricsState, warnings: [String]) {
        var warnings: [String] = []
        func clamp(_ value: Int64, _ what: @autoclosure () -> String) -> Int64 {
            if value > Int64(Int32.max) {
                warnings.append("\(what()) = \(value) exceeds Int32.max; saturated to \(Int32.max) in the Hollow state")
                return Int64(Int32.max)
            }
            if value < Int64(Int32.min) {
                warnings.append("\(what()) = \(value) is below Int32.min; saturated to \(Int32.min) in the Hollow state")
                return Int64(Int32.min)
            }
            return value
        }
        var out = self
        for (key, metric) in metrics {
            var m = metric
            m.total = clamp(metric.total, "metric \(key) total")
            m.buckets = metric.buckets.enumerated().map { index, bucket in
                MetricBucket(
                    lower: clamp(bucket.lower, "metric \(key) bucket \(index) lower"),
                    upper: clamp(bucket.upper, "metric \(key) bucket \(index) upper"),
                    count: clamp(bucket.count, "metric \(key) bucket \(index) count")
                )
            }
            out.metrics[key] = m
        }
        for (key, value) in aggregates {
            out.aggregates[key] = clamp(value, "aggregate \(key)")
        }
        return (out, warnings.sorted())
    }
}

extension String {
    /// The title in snake_case: lower-cased, every run of other characters than ASCII letters and digits
    /// becomes one `_`, no leading or trailing `_` (`Packet Processing Time` → `packet_processing_time`).
    public var snakeCased: String {
        var out = ""
        var pendingUnderscore = false
        for scalar in unicodeScalars {
            let isWord = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            if isWord {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.unicodeScalars.append(scalar.properties.lowercaseMapping.unicodeScalars.first ?? scalar)
            } else {
                pendingUnderscore = true
            }
        }
        return out
    }
}
