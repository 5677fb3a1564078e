public import HollowCore
public import Logging
import ServiceLifecycle
import Synchronization

/// Keeps an in-memory copy of a Hollow dataset current (Java: `HollowConsumer`).
///
/// A consumer holds one immutable ``ReadState`` at a time. A refresh plans a way from the current version to
/// the target (snapshot, deltas, reverse deltas), applies it off to the side, and swaps the new state in
/// atomically: readers see the old state or the new one, never a mix. A failed refresh leaves the current
/// state in place, is reported to listeners and counted, and is retried on the next trigger.
///
/// Asynchronous refreshes (``triggerAsyncRefresh()``) are carried out by ``run()``, which the owner runs
/// (in a task group or a service group) for the consumer's lifetime; refreshes run one at a time, and a newer
/// request supersedes one still queued.
public final class HollowConsumer: RefreshTrigger, Sendable {
    /// The figures users watch.
    public struct Metrics: Sendable, Equatable {
        /// The loaded version, nil before the first successful refresh.
        public var currentVersion: Int64?
        /// How long the last successful refresh took.
        public var lastRefreshDuration: Duration?
        /// Failures since the last success.
        public var consecutiveFailures: Int = 0
        /// Successful and failed refreshes since start.
        public var refreshSuccesses: Int = 0
        public var refreshFailures: Int = 0
        /// When the last refresh succeeded (monotonic clock).
        public var lastSuccess: ContinuousClock.Instant?
        /// Whether the current version was reached because of a pin.
        public var isPinned: Bool = false
        /// The last failure's description, cleared by a success.
        public var lastError: String?
        /// Snapshot loads, including double snapshots, since start.
        public var snapshotLoads: Int = 0
        /// Deltas and reverse deltas applied since start.
        public var deltasApplied: Int = 0
        /// Whether the current state was verified: its snapshot and every delta applied since matched the
        /// digests the producer recorded. `.unverified` when some blob had no digest (a Java-written store); nil
        /// before the first successful refresh.
        public var stateVerification: BlobVerification?
        /// Refreshes refused because a blob did not match its recorded digest, since start.
        public var damagedBlobRefusals: Int = 0

        /// Time since the last successful refresh, nil if there was none.
        public var timeSinceLastSuccess: Duration? { lastSuccess.map { ContinuousClock.now - $0 } }
    }

    private struct Pending {
        var requested = false
        var notBefore: ContinuousClock.Instant?
    }

    private let loader: StateLoader
    private let watcher: (any AnnouncementWatcher)?
    private let listeners: [any RefreshListener]
    private let logger: Logger
    private let gate = AsyncSerialGate()
    private let current = Mutex<ReadState?>(nil)
    private let metricsState = Mutex(Metrics())
    private let pending = Mutex(Pending())
    private let transitionListeners = Mutex<[any ReadStateTransitionListener]>([])
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    let instruments: ConsumerInstruments

    /// Creates a consumer.
    /// - Parameters:
    ///   - blobRetriever: where blobs come from (a filesystem store, possibly with a local cache).
    ///   - announcementWatcher: tells which version to hold and triggers refreshes; without one,
    ///     ``triggerRefresh()`` goes to the newest snapshot the retriever has, and you call ``triggerRefreshTo(_:)``.
    ///   - refreshListeners: observers of every refresh (status reporting, metrics).
    ///   - maxDeltasBeforeDoubleSnapshot: longer delta chains are replaced by a snapshot.
    ///   - verifiesBlobDigests: check every blob against the digest the producer recorded before applying it
    ///     (a mismatch fails the refresh; blobs without a digest load unverified).
    ///   - filter: load only the types and fields it keeps, in snapshots and deltas (Java: `withFilterConfig`);
    ///     a filter that drops a type a kept type refers to fails the refresh (`RefreshError.Code.filterRefused`).
    ///   - logger: where refreshes are logged.
    ///   - metricsDimensions: dimensions (Prometheus labels) of the consumer's swift-metrics instruments, e.g.
    ///     `[("namespace", "movies")]` to tell several consumers in one process apart (see docs/metrics.md).
    public init(
        blobRetriever: any BlobRetriever,
        announcementWatcher: (any AnnouncementWatcher)? = nil,
        refreshListeners: [any RefreshListener] = [],
        maxDeltasBeforeDoubleSnapshot: Int = 32,
        verifiesBlobDigests: Bool = true,
        filter: HollowFilterConfig? = nil,
        logger: Logger = .hollowDisabled,
        metricsDimensions: [(String, String)] = []
    ) {
        self.instruments = ConsumerInstruments(dimensions: metricsDimensions)
        self.loader = StateLoader(
            retriever: blobRetriever, maxDeltasBeforeDoubleSnapshot: maxDeltasBeforeDoubleSnapshot,
            verifiesDigests: verifiesBlobDigests, filter: filter)
        self.watcher = announcementWatcher
        self.listeners = refreshListeners
        self.logger = logger
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Reading

    /// The current state, nil before the first successful refresh. Hold on to the returned reference for a
    /// consistent view across many reads: it never changes under you.
    public var readState: ReadState? { current.withLock { $0 } }

    /// The filter the consumer loads with, nil when it loads everything.
    public var filter: HollowFilterConfig? { loader.filter }

    /// The loaded version, nil before the first successful refresh.
    public var currentVersion: Int64? { metricsState.withLock { $0.currentVersion } }

    /// Whether the loaded version was chosen by a pin.
    public var isPinned: Bool { metricsState.withLock { $0.isPinned } }

    /// Whether the current state was checked against recorded blob digests (nil before the first refresh).
    public var stateVerification: BlobVerification? { metricsState.withLock { $0.stateVerification } }

    /// The figures users watch (version, durations, failures, pinned).
    public var metrics: Metrics { metricsState.withLock { $0 } }

    /// Registers `listener` (e.g. a ``FollowingUniqueKeyIndex``) to follow every state this consumer publishes:
    /// told about each snapshot load and each single delta or reverse delta applied, after the state is
    /// published (Java: `listenForDeltaUpdates`). It is given the current state at once, if there is one.
    public func addTransitionListener(_ listener: any ReadStateTransitionListener) async {
        await gate.withLock {
            transitionListeners.withLock { $0.append(listener) }
            if let state = readState { listener.snapshotLoaded(state) }
        }
    }

    /// Runs `body` while no refresh can swap the state (Java: `getRefreshLock()`); `body` gets that state.
    public func withRefreshLock<T: Sendable>(_ body: (ReadState?) async throws -> T) async rethrows -> T {
        try await gate.withLock { try await body(readState) }
    }

    // MARK: Refreshing

    /// Refreshes to the watcher's version (pin or announcement), or without a watcher to the newest snapshot
    /// the retriever has. Returns when done.
    /// - Throws: ``RefreshError`` (the current state stays in place).
    @discardableResult
    public func triggerRefresh() async throws -> Int64 {
        if let watcher {
            guard let version = watcher.latestVersion else {
                let error = RefreshError(.noVersionKnown, "the announcement watcher has no version yet")
                report(failure: error, requested: -1)
                throw error
            }
            return try await refresh(to: version, pinned: watcher.isPinned)
        }
        return try await refresh(to: nil, pinned: false)
    }

    /// Refreshes to exactly `version`: forward with deltas, back with reverse deltas, or with a snapshot.
    @discardableResult
    public func triggerRefreshTo(_ version: Int64) async throws -> Int64 {
        try await refresh(to: Optional(version), pinned: false)
    }

    /// Requests a refresh and returns at once; ``run()`` performs it.
    public func triggerAsyncRefresh() {
        pending.withLock { $0.requested = true; $0.notBefore = nil }
        wake.yield()
    }

    /// Requests a refresh no earlier than `delay` from now.
    public func triggerAsyncRefreshWithDelay(_ delay: Duration) {
        let at = ContinuousClock.now + delay
        pending.withLock { p in
            p.notBefore = p.requested ? min(p.notBefore ?? at, at) : at
            p.requested = true
        }
        wake.yield()
    }

    /// Requests a refresh after a random delay in `0...maxDelay` (jitter across a fleet).
    public func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) {
        let millis = max(0, Int(maxDelay.components.seconds * 1000 + maxDelay.components.attoseconds / 1_000_000_000_000_000))
        triggerAsyncRefreshWithDelay(.milliseconds(Int.random(in: 0...millis)))
    }

    /// Performs asynchronous refresh requests until the task is cancelled or, in a `ServiceGroup`, until graceful
    /// shutdown (a refresh in progress completes first). Subscribes to the watcher first, which triggers an
    /// immediate refresh when it already knows a version. Run it once per consumer.
    public func run() async {
        watcher?.subscribeToUpdates(self)
        await withGracefulShutdownHandler {
            await self.performRefreshRequests()
        } onGracefulShutdown: {
            self.wake.finish()
        }
    }

    private func performRefreshRequests() async {
        for await _ in wakeups {
            while !Task.isCancelled {
                let due = pending.withLock { p -> ContinuousClock.Instant?? in
                    guard p.requested else { return .none }
                    return .some(p.notBefore)
                }
                guard case .some(let notBefore) = due else { break }
                if let notBefore, notBefore > .now {
                    try? await Task.sleep(until: notBefore, clock: .continuous)
                    if Task.isCancelled { return }
                    let stillDue = pending.withLock { p in p.notBefore.map { $0 <= .now } ?? true }
                    if !stillDue { continue }
                }
                pending.withLock { $0 = Pending() }
                do {
                    try await triggerRefresh()
                } catch {
                    // Reported to listeners and metrics by refresh(); the next trigger retries.
                }
            }
            if Task.isCancelled { return }
        }
    }

    /// Refreshes to `target`, or with nil to the newest version reachable in the store.
    private func refresh(to target: Int64?, pinned: Bool) async throws -> Int64 {
        try await gate.withLock {
            let before = readState
            let beforeVersion = currentVersion
            let version = target ?? Int64.max
            for l in listeners { l.refreshStarted(currentVersion: beforeVersion, requestedVersion: version) }
            let start = ContinuousClock.now
            do {
                let plan: UpdatePlan
                if let target {
                    plan = try await loader.planner.plan(
                        from: beforeVersion, currentSchemaHash: before?.headerTags[HollowHeaderTag.schemaHash], to: target)
                } else {
                    plan = try await loader.planner.planToLatest(from: beforeVersion)
                }
                let applied = try await loader.applyVerifying(plan, to: before)
                let steps = applied.steps
                guard let state = steps.last?.to ?? before else {
                    throw RefreshError(.versionNotFound, "no snapshot to start from", requestedVersion: version)
                }
                // A delta chain keeps the state verified only if the state it started from was.
                let previous = metricsState.withLock { $0.stateVerification }
                let verification: BlobVerification =
                    steps.isEmpty
                    ? (previous ?? .unverified)
                    : plan.snapshot == nil && previous != .verified ? .unverified : applied.verification
                let duration = ContinuousClock.now - start
                current.withLock { $0 = state }
                instruments.recordSuccess(
                    version: plan.destinationVersion, pinned: pinned, duration: duration,
                    snapshots: plan.snapshot == nil ? 0 : 1, deltas: plan.transitions.count,
                    verified: verification == .verified)
                let followers = transitionListeners.withLock { $0 }
                for f in followers {
                    for step in steps {
                        if let from = step.from { f.deltaApplied(from: from, to: step.to) } else { f.snapshotLoaded(step.to) }
                    }
                }
                metricsState.withLock { m in
                    m.currentVersion = plan.destinationVersion
                    m.lastRefreshDuration = duration
                    m.consecutiveFailures = 0
                    m.refreshSuccesses += 1
                    m.lastSuccess = .now
                    m.isPinned = pinned
                    m.lastError = nil
                    m.snapshotLoads += plan.snapshot == nil ? 0 : 1
                    m.deltasApplied += plan.transitions.count
                    m.stateVerification = verification
                }
                logger.debug(
                    "refresh succeeded",
                    metadata: [
                        "hollow.version.from": "\(beforeVersion.map(String.init) ?? "none")",
                        "hollow.version": "\(plan.destinationVersion)", "hollow.pinned": "\(pinned)",
                        "hollow.refresh.ms": "\(duration.milliseconds)",
                        "hollow.verification": "\(verification.rawValue)",
                    ])
                for l in listeners {
                    l.stateVerification(version: plan.destinationVersion, verification)
                    l.refreshSuccessful(
                        beforeVersion: beforeVersion, version: plan.destinationVersion, requestedVersion: version,
                        duration: duration, isPinned: pinned)
                }
                return plan.destinationVersion
            } catch {
                report(failure: error, requested: version)
                throw error
            }
        }
    }

    private func report(failure error: any Error, requested: Int64) {
        let beforeVersion = currentVersion
        let damaged = (error as? RefreshError)?.code == .blobDamaged
        instruments.recordFailure(damagedBlob: damaged)
        metricsState.withLock { m in
            if damaged { m.damagedBlobRefusals += 1 }
            m.consecutiveFailures += 1
            m.refreshFailures += 1
            m.lastError = "\(error)"
        }
        logger.warning(
            "refresh failed",
            metadata: ["hollow.version.requested": "\(requested)", "error": "\(error)"])
        for l in listeners { l.refreshFailed(currentVersion: beforeVersion, requestedVersion: requested, error: error) }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
