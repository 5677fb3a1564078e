import ArgumentParser
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowOperations
import HollowProducer
import KeaEdge
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `kea-edge aggregate`: the central producer of many edges (`kea-edge run --send`): one Hollow state with every
/// source's window, published to a store and announced on MQTT.
struct AggregateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Receive the intervals of many edges over MQTT and publish all their windows as one Hollow state.",
        discussion: """
            Subscribes to PREFIX/SEGMENT/sources/+ (SEGMENT: --topic-namespace, else --namespace, else 'default') with a
            persistent session under a fixed client id, so intervals sent while it is down wait at the broker. Each
            new interval is published within --batch-delay (intervals arriving together share one cycle); every
            --interval it checks for sources that went silent (marked stale after --stale-after). At start it
            restores the store's announced version and continues its chain. Runs until SIGTERM/SIGINT, then stops
            receiving and publishes what it received. Every received interval is appended to --journal and flushed to
            disk before the broker is acknowledged, and replayed at start: an aggregator killed between acknowledging
            intervals and publishing them loses none.
            """
    )

    @OptionGroup var location: StoreLocationOptions

    @Option(
        help: ArgumentHelp(
            "The central MQTT broker (mqtt://[user:pass@]host:port; a cluster: comma-separated or repeated).",
            valueName: "url"))
    var broker: [String] = []

    @OptionGroup var credentials: CredentialsOption

    @Option(help: "MQTT topic prefix.")
    var topicPrefix: String = MQTTTopics.defaultPrefix

    @Option(help: "The fixed MQTT client id of the persistent session (default: kea-edge-aggregate-SEGMENT).")
    var clientId: String?

    @Option(help: "Intervals kept per source.")
    var window: Int = 60

    @Option(help: "Seconds without a new interval after which a source is marked stale.")
    var staleAfter: Double = 60

    @Option(help: "Seconds to wait after a new interval for others before publishing (edges ending intervals together share a cycle).")
    var batchDelay: Double = 0.5

    @Option(help: "Seconds between checks for stale sources.")
    var interval: Double = 10

    @Option(help: "Deltas published between two snapshots.")
    var statesBetweenSnapshots: Int = 29

    @Option(
        help: ArgumentHelp(
            "The write-ahead journal of received intervals (default: /var/lib/kea-edge/aggregate-SEGMENT.journal; 'none': no journal, a crash loses up to --batch-delay of acknowledged intervals).",
            valueName: "file"))
    var journal: String?

    @OptionGroup var logging: LoggingOptions
    @OptionGroup var metricsOptions: MetricsOptions

    func validate() throws {
        guard location.store != nil else { throw ValidationError("--store DIR [--namespace NS] is required") }
        guard broker.contains(where: { $0.contains { !$0.isWhitespace } }) else {
            throw ValidationError("--broker mqtt://central is required")
        }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard staleAfter > 0, interval > 0, batchDelay >= 0 else {
            throw ValidationError("--stale-after and --interval must be positive, --batch-delay not negative")
        }
    }

    private func seconds(_ value: Double) -> Duration { .milliseconds(Int64(value * 1000)) }

    private func clientConfiguration(clientID: String) throws -> MQTTClientConfiguration {
        var config: MQTTClientConfiguration
        do { config = try MQTTClientConfiguration(urls: try MQTTBrokerURL.parseList(broker), clientID: clientID) } catch {
            throw ValidationError("bad --broker: \(error.message)")
        }
        try credentials.apply(to: &config)
        config.reconnectDelayMax = 5
        return config
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "kea-edge")
        let registry = metricsOptions.bootstrap()
        guard let store = try location.location else { throw ValidationError("--store is required") }
        let segment = location.topicSegment
        let topics: MQTTTopics
        do { topics = try MQTTTopics(namespace: segment, prefix: topicPrefix) } catch {
            throw ValidationError("--topic-namespace/--topic-prefix: \(error.message)")
        }

        // Two clients: the subscriber's persistent session (fixed id) and the announcer's clean one. At shutdown
        // the subscriber disconnects first (the broker keeps what arrives later for the next start) while the
        // announcer still announces the last cycle.
        var subscriberConfig = try clientConfiguration(clientID: clientId ?? "kea-edge-aggregate-\(segment)")
        subscriberConfig.cleanSession = false
        let announcerClient: MQTTClient
        let subscriber: MQTTClient
        let mqttAnnouncer: MQTTAnnouncer
        do {
            subscriber = try MQTTClient(configuration: subscriberConfig, logger: logger)
            announcerClient = try MQTTClient(
                configuration: try clientConfiguration(
                    clientID: "kea-edge-aggregate-\(segment)-announcer-\(UInt32.random(in: 0...UInt32.max))"),
                logger: logger)
            mqttAnnouncer = try MQTTAnnouncer(client: announcerClient, namespace: segment, prefix: topicPrefix, logger: logger)
        } catch let error as MQTTError {
            throw ValidationError("--broker: \(error.message)")
        }
        let announcer = StoreThenBrokerAnnouncer(
            store: try FilesystemAnnouncer(path: store.root, namespace: store.namespace), broker: mqttAnnouncer,
            logger: logger)
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: store.root, namespace: store.namespace), announcer: announcer,
            numStatesBetweenSnapshots: max(0, statesBetweenSnapshots), logger: logger,
            metricsDimensions: [("namespace", segment)])
        let aggregator = try await MetricsAggregator(
            producer: producer, window: window, staleAfter: seconds(staleAfter), logger: logger)
        if let version = try store.announcedVersion() {
            let restored = try await aggregator.restore(
                version: version, retriever: try store.retriever(decompressors: StoreLocationOptions.decompressors))
            logger.info("continuing the store's chain from version \(version) (\(restored) intervals)")
        }
        let journalPath = journal ?? "/var/lib/kea-edge/aggregate-\(segment).journal"
        var intervalJournal: AggregatorJournal?
        if journalPath != "none" {
            do {
                if let slash = journalPath.lastIndex(of: "/"), slash != journalPath.startIndex {
                    try SystemSupport.makeDirectories(String(journalPath[..<slash]))
                }
                intervalJournal = try AggregatorJournal(path: journalPath, logger: logger)
            } catch {
                throw ValidationError("--journal: \(error)")
            }
        }
        let service = AggregateService(
            aggregator: aggregator, subscriber: subscriber, topics: topics, batchDelay: seconds(batchDelay),
            checkInterval: seconds(interval), journal: intervalJournal, logger: logger)
        var services: [any Service] = [announcerClient, service]
        if let registry, let listen = metricsOptions.metricsListen {
            services.append(try PrometheusExporter.makeService(listen: listen, registry: registry, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// Receives the sources' intervals and runs the aggregator's cycles until graceful shutdown.
struct AggregateService: Service {
    let aggregator: MetricsAggregator
    let subscriber: MQTTClient
    let topics: MQTTTopics
    let batchDelay: Duration
    let checkInterval: Duration
    let journal: AggregatorJournal?
    let logger: Logger
    /// The journal position up to which every message has been handed to the aggregator.
    let received = ReceivedPosition()

    /// A position shared by the receiving task and the cycles.
    final class ReceivedPosition: Sendable {
        private let value = Mutex(0)
        func get() -> Int { value.withLock { $0 } }
        func set(_ position: Int) { value.withLock { $0 = position } }
        func advance(to position: Int) { value.withLock { $0 = max($0, position) } }
    }

    /// A message from an edge and where its journal record ends (nil: not journaled).
    struct Received: Sendable {
        let topic: String
        let payload: [UInt8]
        let position: Int?
    }

    func run() async throws {
        let badPayloads = Counter(label: "kea_edge_aggregate_bad_payloads_total")
        let journalErrors = Counter(label: "kea_edge_aggregate_journal_errors_total")
        if let journal {
            for entry in journal.recovered { await handle(entry.topic, entry.payload, badPayloads: badPayloads) }
            received.set(journal.position)
            if !journal.recovered.isEmpty {
                logger.info("replayed the journal", metadata: ["journal": "\(journal.path)", "messages": "\(journal.recovered.count)"])
            }
        }
        let (messages, continuation) = AsyncStream<Received>.makeStream(bufferingPolicy: .unbounded)
        // Subscribe before connecting: a persistent session's queued intervals arrive right after CONNACK.
        // The handler runs on the network thread, which acknowledges a QoS 1 message only after it returns, so a
        // journaled message is on disk before its edge drops it from its spool.
        subscriber.subscribe([topics.sources], qos: .atLeastOnce) { [journal, logger] message in
            var position: Int?
            if let journal {
                do { position = try journal.append(topic: message.topic, payload: message.payload) } catch {
                    journalErrors.increment()
                    logger.error(
                        "could not journal a received interval: a crash before the next cycle would lose it",
                        metadata: ["mqtt.topic": "\(message.topic)", "error": "\(error)"])
                }
            }
            continuation.yield(Received(topic: message.topic, payload: message.payload, position: position))
        }
        try subscriber.start()
        logger.info("receiving intervals", metadata: ["mqtt.topic": "\(topics.sources)", "mqtt.client": "\(subscriber.clientID)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [received] in
                for await message in messages {
                    await handle(message.topic, message.payload, badPayloads: badPayloads)
                    if let position = message.position { received.advance(to: position) }
                }
            }
            var lastCycle = ContinuousClock.now
            var retryAfter = lastCycle
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                let now = ContinuousClock.now
                guard now >= retryAfter else { continue }
                let due: Bool
                if let since = await aggregator.pendingSince {
                    due = now - since >= batchDelay
                } else if now - lastCycle >= checkInterval {
                    due = await aggregator.needsCycle(at: now)
                } else {
                    due = false
                }
                guard due else { continue }
                lastCycle = now
                if !(await cycle()) { retryAfter = now + .seconds(1) }
            }
            // Stop receiving first (the persistent session keeps later intervals at the broker), then publish
            // everything received.
            await subscriber.shutdown()
            continuation.finish()
            await group.waitForAll()
            if await aggregator.needsCycle() { _ = await cycle() }
        }
    }

    /// Hands one message to the aggregator, unless it is not a `MetricsState` of its topic's source.
    private func handle(_ topic: String, _ payload: [UInt8], badPayloads: Counter) async {
        guard case .some(.source(let name)) = topics.classify(topic) else { return }
        let interval: MetricsState
        do {
            interval = try MetricsState(json: String(decoding: payload, as: UTF8.self))
        } catch {
            badPayloads.increment()
            logger.warning("ignoring a payload that is not a MetricsState", metadata: ["mqtt.topic": "\(topic)", "error": "\(error)"])
            return
        }
        guard interval.source == name else {
            badPayloads.increment()
            logger.warning(
                "ignoring an interval whose source is not its topic's",
                metadata: ["mqtt.topic": "\(topic)", "source": "\(interval.source)"])
            return
        }
        let outcome = await aggregator.receive(interval)
        logger.trace("interval \(outcome)", metadata: ["source": "\(name)", "timestamp": "\(interval.timestamp)"])
    }

    /// One cycle; false when it failed (logged; the intervals stay for the next one). After a published cycle the
    /// journal drops what the aggregator had received before it began.
    private func cycle() async -> Bool {
        let mark = received.get()
        do {
            try await aggregator.publish()
        } catch {
            logger.error("aggregated cycle failed; retrying in a second", metadata: ["error": "\(error)"])
            return false
        }
        if let journal {
            do { try journal.discard(through: mark) } catch {
                logger.error("could not trim the journal (it is replayed in full at the next start)", metadata: ["error": "\(error)"])
            }
        }
        return true
    }
}
