public import HollowCore
public import Logging
import ServiceLifecycle
import Synchronization

/// Watches `PREFIX/NS/announced`, `PREFIX/NS/pin` and (with a group) `PREFIX/NS/pin/GROUP`, and tells subscribed
/// consumers the moment the version they should hold changes (Java: `HollowConsumer.AnnouncementWatcher`,
/// but pushed instead of polled).
///
/// - `latestVersion` follows the precedence group pin > namespace pin > announced.
/// - Every change of `latestVersion` calls `triggerAsyncRefresh()` (or, with `refreshJitter`,
///   `triggerAsyncRefreshWithRandomDelay(maxDelay:)`) on each subscribed consumer, from libmosquitto's thread.
/// - Retained messages arrive at once on subscribe, so a fresh consumer refreshes at once.
/// - Duplicate and older announcements are ignored; a pin may point backwards, and clearing it (an empty
///   retained message) returns to the announced version.
/// - Bad payloads are logged and ignored: the last valid value of that topic stays.
/// - While the broker is unreachable the watcher keeps its versions (consumers keep serving); after a
///   reconnect the subscriptions are renewed and the retained messages bring it up to date.
/// - A pin the broker does not redeliver after a reconnect is *unknown*, not cleared: the watcher keeps it until
///   an explicit clear (an empty message) arrives or the store says otherwise.
/// - With a `store` (a reader of the durable store: `announced.version` and the pin files) the watcher starts
///   from the store's announcement and pins, never lets the announced version fall below the store's, and
///   settles unknown pins from the store after each reconnect (and every `storePollInterval` while
///   disconnected, inside `run()`). See docs/topic-contract.md, "Faults and precedence".
///
/// Lifecycle: `start()` / `stop()`, or `run()` which does both around waiting for cancellation.
public final class MQTTAnnouncementWatcher: AnnouncementWatcher {
    /// The topics of the namespace.
    public let topics: MQTTTopics
    /// The consumer group whose pin topic is watched, if any.
    public let group: String?
    /// With a value, refreshes are requested with a random delay up to it (spreads a fleet's fetches).
    public let refreshJitter: Duration?
    /// The MQTT client (shared with an `MQTTConsumerStatusReporter` when wired together).
    public let client: MQTTClient
    /// The QoS of the subscriptions (default 1). QoS 0 spares the broker a PUBACK per consumer; a message lost
    /// with a dropped connection comes back as the retained value when the watcher re-subscribes.
    public var subscriptionQoS: MQTTQoS {
        get { state.withLock { $0.qos } }
        set { state.withLock { $0.qos = newValue } }
    }

    /// Reads the durable store, if the watcher has one.
    public let store: MQTTStoreReader?
    /// How often `run()` reads the store while the broker is unreachable (default 5 s).
    public let storePollInterval: Duration

    private let groupPinTopic: String?
    private let ownsClient: Bool
    private let state = Mutex(WatcherState())
    private let logger: Logger
    let instruments: WatcherInstruments

    struct WatcherState {
        var announced: Int64?
        var namespacePin: Int64?
        var groupPin: Int64?
        /// The version consumers were last told about.
        var effective: Int64?
        var subscribers: [any RefreshTrigger] = []
        var subscription: MQTTSubscriptionToken?
        var stopped = false
        /// Pin topics that delivered a message since the last (re)connect.
        var pinsSeenSinceConnect: Set<String> = []
        var connectHookInstalled = false
        var qos: MQTTQoS = .atLeastOnce
        /// The store's pins when last read (nil: no pin file); a change means "the store says otherwise".
        var storeNamespacePin: Int64?
        var storeGroupPin: Int64?
        var settledConnections = 0

        var latest: Int64? { groupPin ?? namespacePin ?? announced }
        var isPinned: Bool { groupPin != nil || namespacePin != nil }
    }

    /// A watcher on a client you provide (and shut down yourself), e.g. one shared with a status reporter.
    /// - Throws: `MQTTError` `.invalidTopic` for a bad namespace, group or prefix.
    public convenience init(
        client: MQTTClient, namespace: String, group: String? = nil, prefix: String = MQTTTopics.defaultPrefix,
        refreshJitter: Duration? = nil, store: MQTTStoreReader? = nil, storePollInterval: Duration = .seconds(5),
        logger: Logger = .hollowDisabled
    ) throws(MQTTError) {
        try self.init(
            client: client, ownsClient: false, namespace: namespace, group: group, prefix: prefix,
            refreshJitter: refreshJitter, store: store, storePollInterval: storePollInterval, logger: logger)
    }

    /// A watcher with its own client (shut down by `stop()`).
    public convenience init(
        configuration: MQTTClientConfiguration, namespace: String, group: String? = nil,
        prefix: String = MQTTTopics.defaultPrefix, refreshJitter: Duration? = nil, store: MQTTStoreReader? = nil,
        storePollInterval: Duration = .seconds(5), logger: Logger = .hollowDisabled
    ) throws(MQTTError) {
        let client = try MQTTClient(configuration: configuration, logger: logger)
        try self.init(
            client: client, ownsClient: true, namespace: namespace, group: group, prefix: prefix,
            refreshJitter: refreshJitter, store: store, storePollInterval: storePollInterval, logger: logger)
    }

    private init(
        client: MQTTClient, ownsClient: Bool, namespace: String, group: String?, prefix: String,
        refreshJitter: Duration?, store: MQTTStoreReader?, storePollInterval: Duration, logger: Logger
    ) throws(MQTTError) {
        self.client = client
        self.ownsClient = ownsClient
        let topics = try MQTTTopics(namespace: namespace, prefix: prefix)
        self.topics = topics
        self.group = group
        self.groupPinTopic = try group.map { (g: String) throws(MQTTError) in try topics.pin(group: g) }
        self.refreshJitter = refreshJitter
        self.store = store
        self.storePollInterval = storePollInterval
        self.logger = logger
        self.instruments = WatcherInstruments(namespace: namespace)
        // Seed: the store's announcement and pins are the starting point, before any broker answers.
        if store != nil { syncWithStore(adopt: [.namespacePin, .groupPin], reason: "seeded from the store") }
    }

    // MARK: AnnouncementWatcher

    /// The version to hold: group pin, else namespace pin, else the announced version; nil when none is known.
    public var latestVersion: Int64? { state.withLock { $0.latest } }
    /// Whether `latestVersion` comes from a pin.
    public var isPinned: Bool { state.withLock { $0.isPinned } }
    /// The pin in force (group pin before namespace pin), or nil.
    public var pinnedVersion: Int64? { state.withLock { $0.groupPin ?? $0.namespacePin } }
    /// The last valid announced version (whatever the pins say).
    public var announcedVersion: Int64? { state.withLock { $0.announced } }
    /// How many (re)connects the watcher has settled: the retained messages arrived and pins that were not
    /// redelivered were resolved (kept, or taken from the store).
    public var settledConnections: Int { state.withLock { $0.settledConnections } }

    /// Adds `consumer`; when a version is already known, triggers its refresh at once.
    public func subscribeToUpdates(_ consumer: any RefreshTrigger) {
        let known = state.withLock { s in
            s.subscribers.append(consumer)
            return s.latest != nil
        }
        if known { trigger([consumer]) }
    }

    // MARK: lifecycle

    /// Subscribes to the topics and starts the client (connecting in the background). Idempotent.
    /// - Throws: `MQTTError` when the client was shut down.
    public func start() throws(MQTTError) {
        let (needsSubscription, needsHook, qos) = state.withLock { s in
            s.stopped = false
            defer { s.connectHookInstalled = true }
            return (s.subscription == nil, !s.connectHookInstalled, s.qos)
        }
        if needsSubscription {
            var filters = [topics.announced, topics.pin]
            if let groupPinTopic { filters.append(groupPinTopic) }
            let token = client.subscribe(filters, qos: qos) { [weak self] message in
                self?.handle(message)
            }
            state.withLock { $0.subscription = token }
        }
        if needsHook {
            // After a reconnect the broker re-sends the retained values. A pin that does not come back is unknown
            // (cleared while we were cut off, or lost by a broker restarted without its retained messages): keep
            // it unless the store says otherwise.
            client.onConnect { [weak self] in
                guard let self else { return }
                instruments.recordConnect()
                state.withLock { $0.pinsSeenSinceConnect = [] }
                client.afterRetainedMessages { [weak self] in self?.settlePinsNotRedelivered() }
            }
        }
        try client.start()
    }

    /// Stops watching; with its own client, shuts the client down. Consumers keep their current state.
    public func stop() async {
        let token = state.withLock { s in
            s.stopped = true
            defer { s.subscription = nil }
            return s.subscription
        }
        if let token { client.unsubscribe(token) }
        if ownsClient { await client.shutdown() }
    }

    /// Runs until the task is cancelled or, in a `ServiceGroup`, until graceful shutdown: `start()`, wait (with a
    /// store: reading it every `storePollInterval` while the broker is unreachable), `stop()`.
    public func run() async throws {
        try start()
        await cancelWhenGracefulShutdown { [self] in
            if store != nil {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: storePollInterval) } catch { break }
                    if !client.isConnected {
                        syncWithStore(adopt: [.namespacePin, .groupPin], reason: "read from the store while disconnected")
                    }
                }
            } else {
                let (stream, continuation) = AsyncStream<Void>.makeStream()
                await withTaskCancellationHandler {
                    for await _ in stream {}
                } onCancel: {
                    continuation.finish()
                }
            }
        }
        await stop()
    }

    // MARK: messages (libmosquitto's thread)

    private enum PinKind: Hashable { case namespacePin, groupPin }

    /// After the retained messages of a (re)connect: pins that did not come back are unknown. With a store,
    /// they follow the store where it changed since last read; without one, they stay.
    private func settlePinsNotRedelivered() {
        let groupPinTopic = self.groupPinTopic
        let (unknown, kept): (Set<PinKind>, Bool) = state.withLock { s in
            var unknown: Set<PinKind> = []
            if !s.pinsSeenSinceConnect.contains(topics.pin) { unknown.insert(.namespacePin) }
            if let g = groupPinTopic, !s.pinsSeenSinceConnect.contains(g) { unknown.insert(.groupPin) }
            let kept = (unknown.contains(.namespacePin) && s.namespacePin != nil) || (unknown.contains(.groupPin) && s.groupPin != nil)
            return (unknown, kept)
        }
        if store != nil {
            syncWithStore(adopt: unknown, reason: "settled from the store after a reconnect")
        } else if kept {
            logger.info(
                "a pin was not redelivered after a reconnect; keeping it (unknown is not cleared)",
                metadata: ["mqtt.topic": "\(topics.pin)"])
        }
        state.withLock { $0.settledConnections += 1 }
    }

    /// Reads the store: its announcement is a floor for the announced version; for the pin kinds in `adopt`, a
    /// store pin that changed since the last read (set, changed or removed) replaces the watcher's.
    /// A store that cannot be read changes nothing (logged).
    private func syncWithStore(adopt: Set<PinKind>, reason: String) {
        guard let store else { return }
        let snapshot: MQTTStoreSnapshot
        do {
            snapshot = try store.read()
        } catch {
            logger.warning("cannot read the store; keeping the current versions", metadata: ["error": "\(error)"])
            return
        }
        let hasGroup = groupPinTopic != nil
        let changed: (Int64, [any RefreshTrigger], Bool)? = state.withLock { s in
            if s.stopped { return nil }
            if let v = snapshot.announcedVersion, v > (s.announced ?? -1) { s.announced = v }
            if adopt.contains(.namespacePin), snapshot.namespacePin != s.storeNamespacePin {
                s.namespacePin = snapshot.namespacePin
            }
            if hasGroup, adopt.contains(.groupPin), snapshot.groupPin != s.storeGroupPin { s.groupPin = snapshot.groupPin }
            s.storeNamespacePin = snapshot.namespacePin
            if hasGroup { s.storeGroupPin = snapshot.groupPin }
            guard let latest = s.latest, latest != s.effective else { return nil }
            s.effective = latest
            return (latest, s.subscribers, s.isPinned)
        }
        if let (version, subscribers, pinned) = changed {
            logger.info("version \(reason)", metadata: ["hollow.version": "\(version)", "hollow.pinned": "\(pinned)"])
            trigger(subscribers)
        }
    }

    /// Notes the store's current pin of `kind` without adopting it (a live MQTT pin is the newer word).
    private func observeStorePin(_ kind: PinKind) {
        guard let store, let snapshot = try? store.read() else { return }
        state.withLock { s in
            switch kind {
            case .namespacePin: s.storeNamespacePin = snapshot.namespacePin
            case .groupPin: s.storeGroupPin = snapshot.groupPin
            }
        }
    }

    private enum Source: String {
        case announced, namespacePin = "pin", groupPin = "group pin"
        /// The `topic_kind` label of the watcher's metrics.
        var metricLabel: String { self == .groupPin ? "group_pin" : rawValue }
    }
    func handle(_ message: MQTTMessage) {
        let source: Source
        if message.topic == topics.announced {
            source = .announced
        } else if message.topic == topics.pin {
            source = .namespacePin
        } else if message.topic == groupPinTopic {
            source = .groupPin
        } else {
            return
        }
        instruments.recordMessage(topicKind: source.metricLabel)
        if source != .announced {
            // Seen, even if invalid: an invalid retained pin keeps the last valid pin (see settlePinsNotRedelivered).
            state.withLock { _ = $0.pinsSeenSinceConnect.insert(message.topic) }
            observeStorePin(source == .groupPin ? .groupPin : .namespacePin)
        }
        let value: Int64?
        do {
            value = try MQTTVersionPayload.parse(message.payload)?.version
        } catch {
            instruments.recordBadPayload(topicKind: source.metricLabel)
            logger.warning(
                "ignoring bad payload; keeping the last valid value",
                metadata: ["mqtt.topic": "\(message.topic)", "error": "\(error.message)"])
            return
        }
        enum Outcome { case ignoredOlder(Int64), unchanged, changed(Int64, [any RefreshTrigger], pinned: Bool) }
        let outcome: Outcome = state.withLock { s in
            if s.stopped { return .unchanged }
            switch source {
            case .announced:
                if let v = value, let current = s.announced, v <= current {
                    return v < current ? .ignoredOlder(current) : .unchanged
                }
                s.announced = value
            case .namespacePin: s.namespacePin = value
            case .groupPin: s.groupPin = value
            }
            guard let latest = s.latest, latest != s.effective else { return .unchanged }
            s.effective = latest
            return .changed(latest, s.subscribers, pinned: s.isPinned)
        }
        switch outcome {
        case .ignoredOlder(let current):
            logger.info(
                "ignoring an announcement older than the one known",
                metadata: ["hollow.version": "\(value ?? -1)", "hollow.announced": "\(current)"])
        case .unchanged:
            logger.trace("no effective change", metadata: ["mqtt.topic": "\(message.topic)"])
        case .changed(let version, let subscribers, let pinned):
            logger.debug(
                "version changed",
                metadata: ["hollow.version": "\(version)", "hollow.pinned": "\(pinned)", "hollow.source": "\(source.rawValue)"])
            trigger(subscribers)
        }
    }

    private func trigger(_ consumers: [any RefreshTrigger]) {
        for c in consumers {
            if let refreshJitter {
                c.triggerAsyncRefreshWithRandomDelay(maxDelay: refreshJitter)
            } else {
                c.triggerAsyncRefresh()
            }
        }
    }
}
