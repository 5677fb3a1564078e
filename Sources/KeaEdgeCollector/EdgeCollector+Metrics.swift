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
    let lastPublish: Gauge
    let keaUp: Gauge

    /// The probe events (besides packets by type) exported as `kea_edge_probe_events_total{dhcp=…,event=…}`
    /// (DHCPv6's aggregates carry `v6_` before the event: `tc_v6_malformed`).
    static let probeEvents = Set(
        ["malformed", "unmatched_reply", "retransmit", "pending_full", "relayed_in", "relayed_out"]
            + KeaExporterFormat.Family.allCases.flatMap { TCProgram.requests(of: $0).map { "unanswered_" + $0.name } })

    init(source: String) {
        self.source = source
        let dimensions = [("source", source)]
        intervals = Counter(label: "kea_edge_intervals_total", dimensions: dimensions)
        bpfErrors = Counter(label: "kea_edge_bpf_errors_total", dimensions: dimensions)
        publishDuration = Timer(
            label: "kea_edge_publish_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        publishFailures = Counter(label: "kea_edge_publish_failures_total", dimensions: dimensions)
        lastPublish = Gauge(label: "kea_edge_last_publish_timestamp_seconds", dimensions: dimensions)
        keaUp = Gauge(label: "kea_edge_kea_up", dimensions: dimensions)
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
            Counter(label: "kea_edge_metric_observations_total", dimensions: [("source", source), ("metric", name)])
                .increment(by: max(0, metric.total))
            for bucket in metric.buckets {
                Counter(
                    label: "kea_edge_metric_bucket_observations_total",
                    dimensions: [("source", source), ("metric", name), ("upper", String(bucket.upper))]
                ).increment(by: max(0, bucket.count))
            }
        }
        // The probes' counters (aggregates `tc_…` / `uprobe_…`) as Prometheus counters and gauges.
        for probe in CollectorMode.allCases.map(\.rawValue) {
            let base = [("source", source), ("probe", probe)]
            for (name, value) in state.aggregates where name.hasPrefix(probe + "_") {
                let rest = name.dropFirst(probe.count + 1)
                if rest.hasPrefix("in_") || rest.hasPrefix("out_") {
                    let direction = rest.hasPrefix("in_") ? "in" : "out"
                    var type = rest.dropFirst(direction.count + 1)
                    let dhcp = type.hasPrefix("v6_") ? "6" : "4"
                    if dhcp == "6" { type = type.dropFirst(3) }
                    Counter(
                        label: "kea_edge_packets_total",
                        dimensions: base + [("dhcp", dhcp), ("direction", direction), ("type", String(type))]
                    ).increment(by: max(0, value))
                } else if Self.probeEvents.contains(String(rest.hasPrefix("v6_") ? rest.dropFirst(3) : rest)) {
                    let dhcp = rest.hasPrefix("v6_") ? "6" : "4"
                    Counter(
                        label: "kea_edge_probe_events_total",
                        dimensions: base + [("dhcp", dhcp), ("event", String(dhcp == "6" ? rest.dropFirst(3) : rest))]
                    ).increment(by: max(0, value))
                } else if rest == "pending" || rest == "v6_pending" {
                    Gauge(label: "kea_edge_pending_requests", dimensions: base + [("dhcp", rest == "pending" ? "4" : "6")]).record(value)
                } else if rest == "bpf_run_ns" {
                    FloatingPointCounter(label: "kea_edge_bpf_run_seconds_total", dimensions: base)
                        .increment(by: Double(max(0, value)) / 1e9)
                } else if rest == "bpf_run_count" {
                    Counter(label: "kea_edge_bpf_runs_total", dimensions: base).increment(by: max(0, value))
                }
            }
        }
    }

    /// A packet probe could not be loaded or attached.
    func recordBPFError() { bpfErrors.increment() }

    /// Whether the packet probe of `probe` (tc, uprobe) is attached now.
    func recordAttached(_ attached: Bool, probe: String) {
        Gauge(label: "kea_edge_bpf_attached", dimensions: [("source", source), ("probe", probe)]).record(attached ? 1 : 0)
    }

    /// Whether Kea's statistics could be read in the last interval.
    func recordKeaUp(_ up: Bool) { keaUp.record(up ? 1 : 0) }

    /// One hand-over of the window to the sinks (store, JSON lines).
    func recordPublish(duration: Duration, failed: Bool) {
        publishDuration.record(duration: duration)
        if failed { publishFailures.increment() }
    }

    /// A window was published successfully at `unixTime`.
    func recordPublished(unixTime: Double) { lastPublish.record(unixTime) }
}
