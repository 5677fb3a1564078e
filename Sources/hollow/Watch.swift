import ArgumentParser
import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowZstd
import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization

/// `hollow watch`: a consumer that keeps the namespace's state current and prints one JSON line per refresh.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a consumer: follow announcements and pins (MQTT) or announced.version (polling), print one JSON line per refresh.",
        discussion: """
            With --broker the consumer subscribes to PREFIX/NS/announced and the pin topics and refreshes the moment a
            message arrives; it keeps PREFIX/NS/consumers/ID current. Without --broker it polls STORE/NS/announced.version.
            Output lines: {"event":"refresh","id":...,"version":N,"pinned":B,"ms":F,"epochMs":T} and
            {"event":"error","id":...,"requested":N,"error":"..."}. Stops on SIGTERM or SIGINT.
            """)

    @Option(help: "The blob store directory (local or NFS).") var store: String
    @Option(help: "The namespace: sub-directory of the store and MQTT topic segment.") var namespace: String
    @Option(help: "Broker URL mqtt://[user:pass@]host:port or mqtts://... (repeat or comma-separate for a cluster); without it, poll announced.version.")
    var broker: [String] = []
    @Option(help: "Consumer group, for group pins (canary cohorts).") var group: String?
    @Option(help: "Consumer id (MQTT client id and status topic). Default: hollow-watch-<pid>.") var id: String?
    @Option(help: "A file holding the broker password (first line). Default: $HOLLOW_MQTT_PASSWORD.") var passwordFile: String?
    @Option(help: "Broker user name when the URL has none. Default: $HOLLOW_MQTT_USERNAME.") var username: String?
    @Option(help: "PEM CA file for mqtts://.") var caFile: String?
    @Option(help: "MQTT topic prefix.") var prefix: String = MQTTTopics.defaultPrefix
    @Option(help: "Refresh after a random delay up to this many milliseconds (spreads a fleet's NFS reads).")
    var jitterMs: Int = 0
    @Option(help: "Seconds between polls of announced.version when there is no broker.") var pollInterval: Double = 1
    @Option(help: "Local blob cache directory.") var cache: String?

    func validate() throws {
        guard jitterMs >= 0 else { throw ValidationError("--jitter-ms must not be negative") }
        guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "hollow.watch")
        logger.logLevel = .warning
        let consumerID = id ?? "hollow-watch-\(getpid())"
        var retriever: any BlobRetriever = try FilesystemBlobRetriever(
            path: store, namespace: namespace, decompressors: [ZstdCompressor()])
        if let cache { retriever = try CachingBlobRetriever(upstream: retriever, directory: cache) }
        let printer = RefreshPrinter(id: consumerID)
        let jitter: Duration? = jitterMs > 0 ? .milliseconds(jitterMs) : nil

        var services: [any Service] = []
        var reporter: MQTTConsumerStatusReporter?
        var mqttClient: MQTTClient?
        let watcher: any AnnouncementWatcher
        if !broker.isEmpty {
            var args = broker.flatMap { ["--broker", $0] } + ["--prefix", prefix]
            if let passwordFile { args += ["--password-file", passwordFile] }
            if let username { args += ["--username", username] }
            if let caFile { args += ["--ca-file", caFile] }
            var config = try MQTTBrokerOptions.parse(args).clientConfiguration(clientIDPrefix: "hollow-watch")
            config.clientID = consumerID
            let client = try MQTTClient(configuration: config, logger: logger)
            mqttClient = client
            reporter = try MQTTConsumerStatusReporter(client: client, namespace: namespace, group: group, prefix: prefix, logger: logger)
            let mqttWatcher = try MQTTAnnouncementWatcher(
                client: client, namespace: namespace, group: group, prefix: prefix, refreshJitter: jitter,
                store: try Self.storeReader(store: store, namespace: namespace, group: group), logger: logger)
            services.append(TaskService(name: "mqtt-watcher") { try await mqttWatcher.run() })
            watcher = mqttWatcher
        } else {
            let fsWatcher = try FilesystemAnnouncementWatcher(
                path: store, namespace: namespace, pollInterval: .milliseconds(Int64(pollInterval * 1000)), logger: logger)
            services.append(TaskService(name: "announcement-poller") { await fsWatcher.run() })
            watcher = fsWatcher
        }
        let listeners: [any RefreshListener] = [printer] + (reporter.map { [$0] } ?? [])
        let consumer = HollowConsumer(
            blobRetriever: retriever, announcementWatcher: watcher, refreshListeners: listeners, logger: logger)
        services.insert(TaskService(name: "consumer") { await consumer.run() }, at: 0)

        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                                 logger: logger))
        try await group.run()
        // Final status (offline, last version), then a clean disconnect so the broker does not send the will.
        await reporter?.shutdown()
        await mqttClient?.shutdown()
    }
}

/// Runs an async body as a service until graceful shutdown cancels it.
struct TaskService: Service {
    let name: String
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}

/// Prints one JSON line per completed refresh or failure, flushed at once (for pipes and the demo's timeline).
final class RefreshPrinter: RefreshListener {
    let id: String
    init(id: String) { self.id = id }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        emit("{\"event\":\"refresh\",\"id\":\(jsonString(id)),\"version\":\(version),\"pinned\":\(isPinned),"
            + "\"ms\":\(String(format: "%.3f", ms)),\"epochMs\":\(epochMillis())}")
    }

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        emit("{\"event\":\"error\",\"id\":\(jsonString(id)),\"version\":\(currentVersion.map(String.init) ?? "null"),"
            + "\"requested\":\(requestedVersion),\"error\":\(jsonString("\(error)")),\"epochMs\":\(epochMillis())}")
    }

    private func emit(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    }
}

/// Milliseconds since the Unix epoch (wall clock), for timelines across processes.
func epochMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
