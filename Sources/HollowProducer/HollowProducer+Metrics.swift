import HollowCore
import Metrics

/// The producer's swift-metrics instruments; names and meanings are listed in docs/metrics.md.
struct ProducerInstruments: Sendable {
    /// The parts of a cycle that are timed separately.
    enum Phase: String, CaseIterable {
        case populate, write, validate, publish, announce
    }

    /// How a cycle ended.
    enum Outcome: String, CaseIterable {
        case published, unchanged, failed
    }

    let dimensions: [(String, String)]
    let version: Gauge
    let cycleDuration: Timer
    let phaseDurations: [Phase: Timer]
    let cycles: [Outcome: Counter]
    let blobBytes: [BlobType: Counter]
    let snapshotPublishFailures: Counter

    init(dimensions: [(String, String)]) {
        self.dimensions = dimensions
        version = Gauge(label: "hollow_producer_version", dimensions: dimensions)
        cycleDuration = Timer(
            label: "hollow_producer_cycle_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        phaseDurations = Dictionary(uniqueKeysWithValues: Phase.allCases.map { phase in
            (phase, Timer(
                label: "hollow_producer_cycle_phase_duration_seconds", dimensions: dimensions + [("phase", phase.rawValue)],
                preferredDisplayUnit: .seconds))
        })
        cycles = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { outcome in
            (outcome, Counter(label: "hollow_producer_cycles_total", dimensions: dimensions + [("outcome", outcome.rawValue)]))
        })
        blobBytes = Dictionary(uniqueKeysWithValues: [BlobType.snapshot, .delta, .reverseDelta, .header].map { type in
            (type, Counter(label: "hollow_producer_blob_bytes_total", dimensions: dimensions + [("kind", Self.kind(type))]))
        })
        snapshotPublishFailures = Counter(label: "hollow_producer_snapshot_publish_failures_total", dimensions: dimensions)
        snapshotPublishFailures.increment(by: 0)
        for counter in cycles.values { counter.increment(by: 0) }
        for counter in blobBytes.values { counter.increment(by: 0) }
    }

    /// The `kind` label of a blob type (Java's file-name prefixes, snake_case).
    static func kind(_ type: BlobType) -> String {
        switch type {
        case .snapshot: "snapshot"
        case .delta: "delta"
        case .reverseDelta: "reverse_delta"
        case .header: "header"
        }
    }

    func recordBlob(_ type: BlobType, bytes: Int) {
        blobBytes[type]?.increment(by: bytes)
    }

    /// An asynchronous snapshot that was not published after all its attempts.
    func recordSnapshotPublishFailure() { snapshotPublishFailures.increment() }

    func recordCycle(_ outcome: Outcome, duration: Duration) {
        cycles[outcome]?.increment()
        cycleDuration.record(duration: duration)
    }

    /// A published cycle: the version, the duration and the records per type of the new state.
    func recordPublished(version v: Int64, state: ReadState, duration: Duration) {
        recordCycle(.published, duration: duration)
        version.record(Double(v))
        for name in state.typeNames {
            let count =
                state.objectType(name)?.populatedCount ?? state.listType(name)?.populatedCount
                ?? state.setType(name)?.populatedCount ?? state.mapType(name)?.populatedCount ?? 0
            Gauge(label: "hollow_producer_records", dimensions: dimensions + [("type", name)]).record(count)
        }
    }
}

/// Times consecutive phases of one cycle: each `end(_:)` records the time since the previous one.
struct PhaseClock {
    private let instruments: ProducerInstruments
    private var last = ContinuousClock.now

    init(_ instruments: ProducerInstruments) { self.instruments = instruments }

    mutating func end(_ phase: ProducerInstruments.Phase) {
        let now = ContinuousClock.now
        instruments.phaseDurations[phase]?.record(duration: now - last)
        last = now
    }
}
