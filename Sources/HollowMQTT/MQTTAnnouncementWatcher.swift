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

        var latest: Int64? { groupPin ?? namespacePin ?? announced }
        var isPinned: Bool { groupPin != nil || namespacePin != nil }
    }

    /// A watcher on a client you provide (and shut down yourself), e.g. one shared with a status reporter.
    /// - Throws: `MQTTError` `.invalidTopic` for a bad namespace, group or prefix.
    public convenience init(
        client: MQTTClient, namespace: String, group: String? = nil, prefix: String = MQTTTopics.defaultPrefix,
        refreshJitter: Duration? = nil, logger: Logger = .hollowDisabled
    ) throws(MQTTError) {
        try self.init(
            client: client, ownsClient: false, namespace: namespace, group: group, prefix: prefix,
            refreshJitter: refreshJitter, logger: logger)
    }

    /// A watcher with its own client (shut down by `stop()`).
    public convenience init(
        configuration: MQTTClientConfiguration, namespace: String, group: String? = nil,
        prefix: String = MQTTTopics.defaultPrefix, refreshJitter: Duration? = nil,
        logger: Logger = .hollowDisabled
    ) throws(MQTTError) {
        let client = try MQTTClient(configuration: configuration, logger: logger)
        try self.init(
            client: client, ownsClient: true, namespace: namespace, group: group, prefix: prefix,
            refreshJitter: refreshJitter, logger: logger)
    }

    private init(
        client: MQTTClient, ownsClient: Bool, namespace: String, group: String?, prefix: String,
        refreshJitter: Duration?, logger: Logger
    ) throws(MQTTError) {
        self.client = client
        self.ownsClient = ownsClient
        let topics = try MQTTTopics(namespace: namespace, prefix: prefix)
        self.topics = topics
        self.group = group
        self.groupPinTopic = try group.map { (g: String) throws(MQTTError) in try topics.pin(group: g) }
        self.refreshJitter = refreshJitter
        self.logger = logger
        self.instruments = WatcherInstruments(namespace: namespace)
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
            // After a reconnect the broker re-sends the retained values; a pin cleared while we were cut off
            // sends nothing. So: once the retained messages are through, drop the pins that did not come back.
            client.onConnect { [weak self] in
                guard let self else { return }
                instruments.recordConnect()
                state.withLock { $0.pinsSeenSinceConnect = [] }
                client.afterRetainedMessages { [weak self] in self?.dropPinsNotRedelivered() }
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

    /// Runs until the task is cancelled or, in a `ServiceGroup`, until graceful shutdown: `start()`, wait, `stop()`.
    public func run() async throws {
        try start()
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for await _ in stream {}
            } onCancel: {
                continuation.finish()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        await stop()
    }

    // MARK: messages (libmosquitto's thread)

    private func dropPinsNotRedelivered() {
        let groupPinTopic = self.groupPinTopic
        let changed: (Int64, [any RefreshTrigger])? = state.withLock { s in
            if s.stopped { return nil }
            if s.namespacePin != nil && !s.pinsSeenSinceConnect.contains(topics.pin) { s.namespacePin = nil }
            if let g = groupPinTopic, s.groupPin != nil, !s.pinsSeenSinceConnect.contains(g) { s.groupPin = nil }
            guard let latest = s.latest, latest != s.effective else { return nil }
            s.effective = latest
            return (latest, s.subscribers)
        }
        if let (version, subscribers) = changed {
            logger.info("a pin was cleared while disconnected", metadata: ["hollow.version": "\(version)"])
            trigger(subscribers)
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
            // Seen, even if invalid: an invalid retained pin keeps the last valid pin (see dropPinsNotRedelivered).
            state.withLock { _ = $0.pinsSeenSinceConnect.insert(message.topic) }
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
