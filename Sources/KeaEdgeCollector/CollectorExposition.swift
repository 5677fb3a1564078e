public import KeaEdge
import Synchronization

/// What `kea-edge run --metrics-listen` serves beside its swift-metrics instruments, rendered at each scrape:
/// Kea's statistics under kea-exporter's names (``KeaExporterFormat``) and the probes' latency histograms as
/// Prometheus histograms (`kea_edge_latency_seconds`).
///
/// The collector updates it once per interval; ``render()`` reads it from the HTTP server's threads. Rendered by hand
/// rather than through swift-prometheus because Kea's counters are set, not incremented (they restart with Kea), the
/// level families kea-exporter names `…_total` must be `untyped`, and the kernel already counted the histograms'
/// buckets (swift-prometheus' histograms take one observation at a time).
public final class CollectorExposition: Sendable {
    private struct HistogramKey: Hashable, Comparable {
        var probe: String
        var exchange: String
        static func < (a: Self, b: Self) -> Bool { (a.probe, a.exchange) < (b.probe, b.exchange) }
    }

    private struct Histogram {
        var slots = [UInt64](repeating: 0, count: 64)
        var sumNanoseconds: UInt64 = 0
    }

    private struct State {
        var kea: [KeaExporterFormat.Family: (statistics: KeaStatistics, subnets: [Int64: KeaSubnet])] = [:]
        var histograms: [HistogramKey: Histogram] = [:]
    }

    /// The `source` label of the histograms.
    public let source: String
    private let state = Mutex(State())

    /// Creates an empty exposition for `source`.
    public init(source: String) { self.source = source }

    /// Replaces Kea's statistics of one server family (the newest samples, cumulative as Kea counts them).
    public func updateKea(_ statistics: KeaStatistics, subnets: [Int64: KeaSubnet], family: KeaExporterFormat.Family) {
        state.withLock { $0.kea[family] = (statistics, subnets) }
    }

    /// Forgets Kea's statistics of one server family (that Kea cannot be read: its families disappear rather than
    /// go stale).
    public func clearKea(family: KeaExporterFormat.Family) {
        state.withLock { _ = $0.kea.removeValue(forKey: family) }
    }

    /// Adds one interval's latency observations: log2 slot counts (BCC layout, index = slot) and their exact sum.
    public func addLatency(probe: String, exchange: String, slots: [UInt64], sumNanoseconds: UInt64) {
        state.withLock { s in
            var h = s.histograms[HistogramKey(probe: probe, exchange: exchange), default: Histogram()]
            for (i, c) in slots.enumerated() where i < h.slots.count { h.slots[i] &+= c }
            h.sumNanoseconds &+= sumNanoseconds
            s.histograms[HistogramKey(probe: probe, exchange: exchange)] = h
        }
    }

    /// The exposition text (families without samples are left out).
    public func render() -> String {
        let (kea, histograms) = state.withLock { ($0.kea, $0.histograms) }
        var families: [PrometheusFamily] = []
        for family in KeaExporterFormat.Family.allCases {
            guard let k = kea[family] else { continue }
            families += KeaExporterFormat.families(statistics: k.statistics, subnets: k.subnets, family: family)
        }
        var latency = PrometheusFamily(
            name: "kea_edge_latency_seconds",
            help: "Time from a DHCP request to its reply with the same transaction id, as the probe saw it (tc: on the wire; uprobe: inside Kea).",
            kind: .histogram)
        for key in histograms.keys.sorted() {
            let h = histograms[key]!
            latency.samples += PrometheusFamily.log2HistogramSamples(
                labels: [("source", source), ("probe", key.probe), ("exchange", key.exchange)],
                slots: h.slots, sumNanoseconds: h.sumNanoseconds)
        }
        families.append(latency)
        return PrometheusFamily.render(families)
    }
}
