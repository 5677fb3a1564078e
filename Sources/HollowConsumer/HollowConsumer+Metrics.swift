import Metrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension HollowConsumer {
    /// Sets `hollow_consumer_seconds_since_last_success` to the time since the last successful refresh.
    ///
    /// A gauge cannot age by itself: a metrics exporter calls this just before each scrape (the `hollow` executable's
    /// `--metrics-listen` endpoint does). Before the first success the gauge is left unset.
    public func updateSecondsSinceLastSuccess() {
        guard let elapsed = metrics.timeSinceLastSuccess else { return }
        instruments.secondsSinceLastSuccess.record(elapsed.seconds)
    }
}

/// The consumer's swift-metrics instruments; names and meanings are listed in docs/metrics.md.
struct ConsumerInstruments: Sendable {
    let version: Gauge
    let pinned: Gauge
    let refreshDuration: Timer
    let refreshSuccesses: Counter
    let refreshFailures: Counter
    let lastSuccessTimestamp: Gauge
    let secondsSinceLastSuccess: Gauge
    let snapshotLoads: Counter
    let deltasApplied: Counter
    let stateVerified: Gauge
    let damagedBlobRefusals: Counter

    init(dimensions: [(String, String)]) {
        version = Gauge(label: "hollow_consumer_version", dimensions: dimensions)
        pinned = Gauge(label: "hollow_consumer_pinned", dimensions: dimensions)
        refreshDuration = Timer(
            label: "hollow_consumer_refresh_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        refreshSuccesses = Counter(label: "hollow_consumer_refresh_successes_total", dimensions: dimensions)
        refreshFailures = Counter(label: "hollow_consumer_refresh_failures_total", dimensions: dimensions)
        lastSuccessTimestamp = Gauge(label: "hollow_consumer_last_success_timestamp_seconds", dimensions: dimensions)
        secondsSinceLastSuccess = Gauge(label: "hollow_consumer_seconds_since_last_success", dimensions: dimensions)
        snapshotLoads = Counter(label: "hollow_consumer_snapshot_loads_total", dimensions: dimensions)
        deltasApplied = Counter(label: "hollow_consumer_deltas_applied_total", dimensions: dimensions)
        stateVerified = Gauge(label: "hollow_consumer_state_verified", dimensions: dimensions)
        damagedBlobRefusals = Counter(label: "hollow_consumer_damaged_blob_refusals_total", dimensions: dimensions)
        // Counters appear at zero from the start, so rates and alerts work before the first event.
        for counter in [refreshSuccesses, refreshFailures, snapshotLoads, deltasApplied, damagedBlobRefusals] {
            counter.increment(by: 0)
        }
    }

    func recordSuccess(
        version v: Int64, pinned isPinned: Bool, duration: Duration, snapshots: Int, deltas: Int, verified: Bool
    ) {
        version.record(Double(v))
        stateVerified.record(verified ? 1 : 0)
        pinned.record(isPinned ? 1 : 0)
        refreshDuration.record(duration: duration)
        refreshSuccesses.increment()
        lastSuccessTimestamp.record(Self.unixTime())
        secondsSinceLastSuccess.record(0)
        if snapshots > 0 { snapshotLoads.increment(by: snapshots) }
        if deltas > 0 { deltasApplied.increment(by: deltas) }
    }

    func recordFailure(damagedBlob: Bool) {
        refreshFailures.increment()
        if damagedBlob { damagedBlobRefusals.increment() }
    }

    /// Seconds since the Unix epoch (wall clock), as Prometheus timestamps are.
    static func unixTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
