import ArgumentParser
import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowOperations
import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization

/// `hollow watch`: a consumer that keeps the namespace's state current and prints one JSON line per refresh.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a consumer: follow announcements and pins (MQTT) or announced.version (polling), print one JSON line per refresh.",
        discussion: """
            With --broker the consumer subscribes to PREFIX/SEGMENT/announced and the pin topics and refreshes the moment
            a message arrives; it keeps PREFIX/SEGMENT/consumers/ID current (SEGMENT: --topic-namespace, else the
            namespace, else 'default'). Without --broker it polls announced.version in the store (STORE or STORE/NS).
            Output lines: {"event":"refresh","id":...,"version":N,"pinned":B,"ms":F,"epochMs":T,"verified":B} and
            {"event":"error","id":...,"requested":N,"error":"..."}. Stops on SIGTERM or SIGINT.
            """)

    @OptionGroup var location: StoreOptions
    var store: String { location.store }
    var namespace: String? { location.namespace }
    @Option(help: "Broker URL mqtt://[user:pass@]host:port or mqtts://... (repeat or comma-separate for a cluster); without it, poll announced.version.")
    var broker: [String] = []
    @Option(help: "Consumer group, for group pins (canary cohorts).") var group: String?
    @Option(help: "Consumer id (MQTT client id and status topic). Default: hollow-watch-<pid>.") var id: String?
    @Option(help: "A file holding the broker password (first line). Default: $HOLLOW_MQTT_PASSWORD.") var passwordFile: String?
    @Option(help: "Broker user name when the URL has none. Default: $HOLLOW_MQTT_USERNAME.") var username: String?
    @Option(help: "PEM CA file for mqtts://.") var caFile: String?
    @Option(help: "MQTT topic prefix.") var prefix: String = MQTTTopics.defaultPrefix
    @Option(help: "Refresh after a random delay up to this many milliseconds (spreads a fleet's NFS or HTTP reads).")
    var jitterMs: Int = 0
    @Option(help: "Seconds between polls of announced.version when there is no broker.") var pollInterval: Double = 1
    @Option(
        help: ArgumentHelp(
            "Keep loaded blobs in this local directory (Java: withLocalBlobStore).",
            discussion: "Local copies are read instead of the shared store's, used when the store is unreachable, and "
                + "loaded at start when the store's announced version cannot be read (the store is gone)."))
    var localStore: String?
    @Option(help: "The size bound of --local-store in MiB (least recently used copies are evicted first).")
    var localStoreMaxMb: Int64?
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "After each refresh, return the heap memory it freed to the system (glibc's malloc_trim).",
            discussion: "Keeps a long-running consumer's RSS at its live data: glibc otherwise keeps freed pages in "
                + "its arenas, and a consumer that replaces its state every second grows (docs/reliability.md)."))
    var trimMemory = true
    @OptionGroup var filterOptions: FilterOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var metricsOptions: MetricsOptions

    func validate() throws {
        if location.isHTTP && broker.isEmpty {
            throw ValidationError(
                "--store \(location.store) is a URL: follow it with --broker (polling announced.version works on a directory only)")
        }
        guard jitterMs >= 0 else { throw ValidationError("--jitter-ms must not be negative") }
        guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
        if let localStoreMaxMb {
            guard localStore != nil else { throw ValidationError("--local-store-max-mb needs --local-store") }
            guard localStoreMaxMb > 0 else { throw ValidationError("--local-store-max-mb must be positive") }
        }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "hollow.watch")
        let registry = metricsOptions.bootstrap()
        let consumerID = id ?? "hollow-watch-\(getpid())"
        let storeLocation: FilesystemStoreLocation? = location.isHTTP ? nil : try location.location
        if let storeLocation, !storeLocation.exists {
            // Waiting for a first publish is intended; say where, once, so a wrong path does not wait silently.
            writeStderr("hollow watch: \(storeLocation.directory) does not exist yet; waiting for a first publish there "
                + "(--store names the store root, --namespace a sub-directory of it)\n")
        }
        var retriever: any BlobRetriever =
            if let storeLocation {
                try storeLocation.retriever(decompressors: StoreOptions.decompressors)
            } else {
                try location.httpRetriever(logger: logger)
            }
        var localBlobStore: CachingBlobRetriever?
        if let localStore {
            let store = try retriever.withLocalBlobStore(
                localStore, maxBytes: localStoreMaxMb.map { $0 << 20 }, logger: logger)
            localBlobStore = store
            retriever = store
        }
        let printer = RefreshPrinter(id: consumerID)
        let jitter: Duration? = jitterMs > 0 ? .milliseconds(jitterMs) : nil

        var services: [any Service] = []
        var reporter: MQTTConsumerStatusReporter?
        let watcher: any AnnouncementWatcher
        if !broker.isEmpty {
            var args = broker.flatMap { ["--broker", $0] } + ["--prefix", prefix]
            if let passwordFile { args += ["--password-file", passwordFile] }
            if let username { args += ["--username", username] }
            if let caFile { args += ["--ca-file", caFile] }
            var config = try MQTTBrokerOptions.parse(args).clientConfiguration(clientIDPrefix: "hollow-watch")
            config.clientID = consumerID
            let client = try MQTTClient(configuration: config, logger: logger)
            let statusReporter = try MQTTConsumerStatusReporter(
                client: client, namespace: location.topicSegment, group: group, prefix: prefix, logger: logger)
            reporter = statusReporter
            let mqttWatcher = try MQTTAnnouncementWatcher(
                client: client, namespace: location.topicSegment, group: group, prefix: prefix, refreshJitter: jitter,
                // Over HTTP there are no pin files to seed from: the broker's retained messages alone decide.
                store: try storeLocation.map { try Self.storeReader(store: $0.root, namespace: $0.namespace, group: self.group) },
                logger: logger)
            // Shut down in reverse order: the watcher stops, the reporter publishes the final status (offline, last
            // version), then the client disconnects cleanly so the broker does not send the will.
            services += [client, statusReporter, mqttWatcher]
            watcher = mqttWatcher
        } else {
            guard let storeLocation else { throw CLIError("polling needs a store directory") }  // validate() refused a URL
            let fsWatcher = try FilesystemAnnouncementWatcher(
                path: storeLocation.root, namespace: storeLocation.namespace, pollInterval: .milliseconds(Int64(pollInterval * 1000)), logger: logger)
            services.append(fsWatcher)
            watcher = fsWatcher
        }
        let listeners: [any RefreshListener] =
            [printer] + (reporter.map { [$0] } ?? []) + (trimMemory ? [MemoryTrimmer()] : [])
        let consumer = HollowConsumer(
            blobRetriever: retriever, announcementWatcher: watcher, refreshListeners: listeners,
            filter: try filterOptions.filter, logger: logger,
            metricsDimensions: [("namespace", location.topicSegment)])
        services.append(consumer)
        if let localBlobStore, let storeLocation,
            (try? FilesystemAnnouncer.readAnnouncedVersion(path: storeLocation.root, namespace: storeLocation.namespace))
                == nil
        {
            services.append(LocalStoreStart(consumer: consumer, store: localBlobStore, logger: logger))
        }
        if let registry, let listen = metricsOptions.metricsListen {
            services.append(try PrometheusExporter.makeService(
                listen: listen, registry: registry, beforeScrape: { consumer.updateSecondsSinceLastSuccess() },
                logger: logger))
        }

        let group = ServiceGroup(
            configuration: .init(
                services: services.map {
                    // The one-shot start from the local store ends early; that must not stop the group.
                    .init(service: $0, successTerminationBehavior: $0 is LocalStoreStart ? .ignore : .cancelGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Loads the newest version the local blob store reaches, when the shared store's announced version could not be
/// read at start (the store is gone or unreachable) and nothing else has loaded a version by then.
struct LocalStoreStart: Service {
    let consumer: HollowConsumer
    let store: CachingBlobRetriever
    let logger: Logger

    func run() async {
        guard consumer.currentVersion == nil else { return }
        let newest: Int64?
        do {
            newest = try await store.newestLocalVersion()
        } catch {
            writeStderr("hollow watch: cannot read the local store \(store.directory): \(error)\n")
            return
        }
        guard let version = newest else {
            writeStderr("hollow watch: the local store \(store.directory) has no snapshot to start from\n")
            return
        }
        guard consumer.currentVersion == nil else { return }
        writeStderr("hollow watch: the store's announced version cannot be read; loading version \(version) from the local store \(store.directory)\n")
        do {
            try await consumer.triggerRefreshTo(version)
        } catch {
            // Reported by the consumer to its listeners (an error line); the watcher's announcements still apply.
        }
    }
}

/// Prints one JSON line per completed refresh or failure, flushed at once (for pipes and the demo's timeline).
final class RefreshPrinter: RefreshListener {
    let id: String
    private let verified = Mutex<Bool?>(nil)
    init(id: String) { self.id = id }

    func stateVerification(version: Int64, _ verification: BlobVerification) {
        verified.withLock { $0 = verification == .verified }
    }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        emit([
            "event": "refresh", "id": .string(id), "version": .int(version), "pinned": .bool(isPinned),
            "ms": .number(String(format: "%.3f", ms)), "epochMs": .int(epochMillis()),
            "verified": verified.withLock { $0 }.map { .bool($0) } ?? .null,
        ])
    }

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        emit([
            "event": "error", "id": .string(id), "version": currentVersion.map { .int($0) } ?? .null,
            "requested": .int(requestedVersion), "error": .string("\(error)"), "epochMs": .int(epochMillis()),
        ])
    }

    private func emit(_ event: JSONValue) {
        let bytes = Array((event.serialized() + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    }
}

/// Returns the heap pages a refresh freed to the kernel (glibc `malloc_trim`: the top of every arena is shrunk and
/// free pages inside the arenas are released). Without it, a consumer that loads a delta every second keeps the
/// freed pages of earlier states in glibc's per-thread arenas and its RSS creeps up although its live heap does not.
/// `malloc_trim` is looked up at run time (Swift's Glibc module does not import `<malloc.h>`); where the C library
/// has none, trimming is off.
struct MemoryTrimmer: RefreshListener {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: Trim.self) }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        _ = Self.trim?(0)
    }

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        _ = Self.trim?(0)  // a failed load frees what it had read
    }
}

/// Milliseconds since the Unix epoch (wall clock), for timelines across processes.
func epochMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

