import ArgumentParser
import HollowCore
import HollowExplorer
import HollowFilesystem
import HollowMQTT
import HollowOperations
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization

import Foundation

/// `hollow explore`: a read-only web UI and JSON API over a store (see docs/explorer.md).
struct Explore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Browse a store in a web UI with a JSON API: state, records, history, diffs, pins, fleet, metrics.",
        discussion: "The explorer never writes to the store. Pinning needs --broker and operator credentials."
    )

    @OptionGroup var location: StoreOptions

    @Option(help: "MQTT broker URL (mqtt://[user:pass@]host[:port]) for announced version, pins and fleet.")
    var broker: String?

    @Option(help: "Address to listen on, HOST:PORT.")
    var listen: String = "127.0.0.1:7878"

    @Option(help: "A file holding 'user:password' that operators must present to pin or unpin (else: env HOLLOW_EXPLORER_OPERATOR).")
    var operatorCredentialsFile: String?

    @Option(help: "Seconds between the pages' checks for a new version.")
    var refresh: Int = 5

    @OptionGroup var logging: LoggingOptions
    @OptionGroup var metricsOptions: MetricsOptions

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        let host = String(listen[..<colon])
        let store: any BlobStore
        do { store = try location.blobStore() } catch let error as CLIError { throw failure(error.description) }

        var credentials: String?
        if let file = operatorCredentialsFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read the operator credentials file '\(file)'")
            }
            credentials = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let env = ProcessInfo.processInfo.environment["HOLLOW_EXPLORER_OPERATOR"], !env.isEmpty {
            credentials = env
        }
        if let c = credentials, !c.contains(":") {
            throw ValidationError("operator credentials must be 'user:password'")
        }

        let logger = logging.bootstrap(label: "hollow.explore")
        let registry = metricsOptions.bootstrap()
        var operations: MQTTExplorerOperations?
        if let broker {
            let url: MQTTBrokerURL
            do { url = try MQTTBrokerURL(parsing: broker) } catch { throw ValidationError("bad --broker: \(error)") }
            operations = try await MQTTExplorerOperations.connect(url: url, namespace: location.topicSegment, logger: logger)
        }
        let explorer = Explorer(configuration: .init(
            store: store, loader: ReadStateLoader(), namespace: location.topicSegment, operations: operations,
            operatorCredentials: credentials, refreshSeconds: refresh))
        let readOnly = credentials == nil
        let router = Router()
        if registry != nil { router.middlewares.add(MetricsMiddleware()) }  // before the routes, which it wraps
        explorer.addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "hollow-explore"),
            onServerRunning: { _ in
                print("hollow explore: serving \(store.location) on http://\(host):\(port)/", readOnly ? "(read only)" : "(operator pinning enabled)")
            },
            logger: logger
        )
        var services: [any Service] = [app]
        if let registry, let listen = metricsOptions.metricsListen {
            services.append(try PrometheusExporter.makeService(listen: listen, registry: registry, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        await operations?.shutdown()
    }
}

/// The operations side over MQTT: follows the retained topics of the namespace, pins and unpins.
final class MQTTExplorerOperations: ExplorerOperations {
    private struct State {
        var announced: Int64?
        var pins: [String?: MQTTVersionPayload] = [:]
        var consumers: [String: MQTTConsumerStatus] = [:]
    }

    private let client: MQTTClient
    private let topics: MQTTTopics
    private let state = Mutex(State())
    private let logger: Logger

    private init(client: MQTTClient, topics: MQTTTopics, logger: Logger) {
        self.client = client
        self.topics = topics
        self.logger = logger
    }

    static func connect(url: MQTTBrokerURL, namespace: String, logger: Logger) async throws -> MQTTExplorerOperations {
        let topics = try MQTTTopics(namespace: namespace)
        let id = "hollow-explore-\(UInt32.random(in: 0...UInt32.max))"
        let client = try MQTTClient(configuration: MQTTClientConfiguration(url: url, clientID: id), logger: logger)
        let ops = MQTTExplorerOperations(client: client, topics: topics, logger: logger)
        client.subscribe([topics.all]) { [ops] message in ops.receive(message) }
        try await client.waitUntilConnected(timeout: .seconds(10))
        return ops
    }

    private func receive(_ message: MQTTMessage) {
        guard let kind = topics.classify(message.topic) else { return }
        do {
            switch kind {
            case .announced:
                let p = try MQTTVersionPayload.parse(message.payload)
                state.withLock { $0.announced = p?.version }
            case .namespacePin:
                let p = try MQTTVersionPayload.parse(message.payload)
                state.withLock { $0.pins[nil] = p }
            case .groupPin(let g):
                let p = try MQTTVersionPayload.parse(message.payload)
                state.withLock { $0.pins[g] = p }
            case .consumerStatus(let id):
                let s = try MQTTConsumerStatus.parse(message.payload)
                state.withLock { $0.consumers[id] = s }
            case .source:
                break  // a source's data for a central producer (kea-edge aggregate), not the fleet's state
            }
        } catch {
            logger.warning("ignoring a bad message", metadata: ["mqtt.topic": "\(message.topic)", "error": "\(error)"])
        }
    }

    func snapshot() async throws -> OperationsSnapshot {
        let s = state.withLock { $0 }
        let now = Date()
        return OperationsSnapshot(
            namespace: topics.namespace, announced: s.announced,
            pins: s.pins.map { g, p in PinStatus(group: g, version: p.version, reason: p.reason) }
                .sorted { ($0.group ?? "") < ($1.group ?? "") },
            fleet: s.consumers.values.map { c in
                let stamp = (c.updatedAt ?? c.lastRefreshAt).flatMap { text in
                    (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                        ?? (try? Date.ISO8601FormatStyle().parse(text))
                }
                var details: [String: String] = ["online": "\(c.online)"]
                if let e = c.lastError { details["lastError"] = e }
                if let r = c.requestedVersion { details["requestedVersion"] = "\(r)" }
                if let d = c.lastRefreshDurationMs { details["lastRefreshMs"] = "\(d)" }
                return FleetConsumer(
                    id: c.consumerID, version: c.version, pinned: c.pinned ?? false, group: c.group,
                    ageSeconds: stamp.map { now.timeIntervalSince($0) }, details: details)
            })
    }

    func pin(version: Int64, group: String?, reason: String) async throws {
        let topic = if let group { try topics.pin(group: group) } else { topics.pin }
        logger.notice("pin", metadata: ["hollow.version": "\(version)", "mqtt.topic": "\(topic)", "reason": "\(reason)"])
        try await client.publish(topic: topic, payload: MQTTVersionPayload.pin(version: version, reason: reason), retain: true, timeout: .seconds(10))
    }

    func unpin(group: String?, reason: String) async throws {
        let topic = if let group { try topics.pin(group: group) } else { topics.pin }
        logger.notice("unpin", metadata: ["mqtt.topic": "\(topic)", "reason": "\(reason)"])
        try await client.publish(topic: topic, payload: [], retain: true, timeout: .seconds(10))
    }

    func shutdown() async { await client.shutdown() }
}
