public import ServiceLifecycle
import KeaEdge
import Metrics

/// The collector is a swift-service-lifecycle `Service`: ``EdgeCollector/run()`` measures until graceful shutdown.
extension EdgeCollector: Service {}

/// The collector's swift-metrics instruments; names and meanings are listed in docs/metrics.md.
///
/// Each interval's ``MetricsState`` is exported as it is published: aggregates as gauges holding the interval's
/// value (the increase for Kea's counters, the level for gauges), histogram buckets as counters that add up every
/// interval's counts.
struct CollectorInstruments: Sendable {
    let source: String
    let intervals: Counter
    let bpfErrors: Counter
    let publishDuration: Timer
    let publishFailures: Counter

    init(source: String) {
        self.source = source
        let dimensions = [("source", source)]
        intervals = Counter(label: "kea_edge_intervals_total", dimensions: dimensions)
        bpfErrors = Counter(label: "kea_edge_bpf_errors_total", dimensions: dimensions)
        publishDuration = Timer(
            label: "kea_edge_publish_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        publishFailures = Counter(label: "kea_edge_publish_failures_total", dimensions: dimensions)
        for counter in [intervals, bpfErrors, publishFailures] { counter.increment(by: 0) }
    }

    /// Exports one interval's state.
    func record(_ state: MetricsState) {
        intervals.increment()
        for (name, value) in state.aggregates {
            Gauge(label: "kea_edge_interval_aggregate", dimensions: [("source", source), ("name", name)])
                .record(value)
        }
        for (name, metric) in state.metrics {
            Counter(label: "kea_edge_histogram_observations_total", dimensions: [("source", source), ("metric", name)])
                .increment(by: max(0, metric.total))
            for bucket in metric.buckets {
                Counter(
                    label: "kea_edge_histogram_bucket_observations_total",
                    dimensions: [("source", source), ("metric", name), ("upper", String(bucket.upper))]
                ).increment(by: max(0, bucket.count))
            }
        }
    }

    /// A packet probe could not be loaded or attached.
    func recordBPFError() { bpfErrors.increment() }

    /// One hand-over of the window to the sinks (store, JSON lines).
    func recordPublish(duration: Duration, failed: Bool) {
        publishDuration.record(duration: duration)
        if failed { publishFailures.increment() }
    }
}
