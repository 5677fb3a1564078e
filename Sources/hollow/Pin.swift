import ArgumentParser
import Foundation
import HollowFilesystem
import HollowMQTT
import HollowOperations
import Logging

/// `hollow pin --store STORE [--namespace NS] V [--group G] [--reason R] [--broker URL]`: pins consumers of a
/// namespace (or of one group) to a version: the store's `pin` / `pin-GROUP` file, then a retained MQTT pin.
struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pin the consumers of a namespace (or of one group) to a version (retained on PREFIX/NS/pin[/GROUP]).",
        discussion: """
            The pin is first written to the store's pin file (STORE[/NS]/pin or pin-GROUP), atomically: it outlives a
            broker that loses its retained messages, and watchers with a store start from it. With --broker it is then
            published as a retained message; --broker-only skips the store's file.
            """)

    @OptionGroup var location: StoreOptions
    /// The MQTT topic segment of the store (see ``StoreOptions``).
    var namespace: String { location.topicSegment }
    @Argument(help: "The version to pin to (a non-negative integer).") var version: Int64
    @Option(help: "Pin only the consumers of this group (canary cohort).") var group: String?
    @Option(help: "Why (stored in the pin's JSON payload, shown by hollow status).") var reason: String?
    @Flag(help: "Publish the retained pin only and leave the store's pin file alone (for a store you cannot write).")
    var brokerOnly = false
    @OptionGroup var broker: MQTTBrokerOptions

    func validate() throws {
        guard version >= 0 else { throw ValidationError("version \(version) is negative") }
        if brokerOnly && !broker.hasBroker { throw ValidationError("--broker-only needs --broker") }
    }

    func run() async throws {
        let location: FilesystemStoreLocation
        do { location = try self.location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        let who = "\(group.map { "group \($0) of " } ?? "")\(namespace)"
        if !brokerOnly {
            do {
                try FilesystemPins(path: location.root, namespace: location.namespace).write(version, group: group)
            } catch {
                throw CLIError("cannot write the pin to the store (--broker-only skips the store's pin file): \(error)")
            }
            print("pinned \(who) to \(version) in the store (\(location.directory))")
        }
        guard broker.hasBroker else { return }
        let topics = try broker.topics(namespace)
        let topic = try group.map { try topics.pin(group: $0) } ?? topics.pin
        do {
            try await broker.publishRetained(topic: topic, payload: MQTTVersionPayload.pin(version: version, reason: reason))
        } catch let error as CLIError where !brokerOnly {
            throw CLIError("\(error.description) -- the store holds the pin: watchers with a store take it after their next reconnect; run the command again to reach the broker")
        }
        print("pinned \(who) to \(version) (\(topic))")
    }
}

/// Broker connection options shared by the MQTT subcommands (pin, unpin, status; publish and watch can reuse them).
struct MQTTBrokerOptions: ParsableArguments {
    @Option(help: "Broker URL: mqtt://[user:pass@]host:port or mqtts://... (TLS). Several brokers of a cluster or failover pair: repeat the option or separate URLs with commas.")
    var broker: [String] = []

    @OptionGroup var logging: LoggingOptions

    @Option(help: "A file holding the broker password (first line). Default: $HOLLOW_MQTT_PASSWORD.")
    var passwordFile: String?

    @Option(help: "User name when the URL has none. Default: $HOLLOW_MQTT_USERNAME.")
    var username: String?

    @Option(help: "PEM CA file for mqtts:// with a private CA (default: the system trust store).")
    var caFile: String?

    @Option(help: "Topic prefix.") var prefix: String = MQTTTopics.defaultPrefix

    @Option(help: "Seconds to wait for the connection and acknowledgements.") var timeout: Double = 5

    /// Whether at least one broker URL was given.
    var hasBroker: Bool { broker.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }

    /// The topics of `namespace`, with a clear error for a bad name.
    func topics(_ namespace: String) throws -> MQTTTopics {
        do { return try MQTTTopics(namespace: namespace, prefix: prefix) } catch { throw ValidationError(error.message) }
    }

    /// The client configuration: URLs (the first one first, the others for failover), then
    /// --username/--password-file, then the environment.
    func clientConfiguration(clientIDPrefix: String) throws -> MQTTClientConfiguration {
        guard hasBroker else { throw ValidationError("--broker is required") }
        let url: MQTTBrokerURL
        var config: MQTTClientConfiguration
        do {
            let urls = try MQTTBrokerURL.parseList(broker)
            url = urls[0]
            config = try MQTTClientConfiguration(urls: urls, clientID: "\(clientIDPrefix)-\(UInt32.random(in: 0...UInt32.max))")
        } catch {
            throw ValidationError(error.message)
        }
        let env = ProcessInfo.processInfo.environment
        if config.username == nil { config.username = username ?? env["HOLLOW_MQTT_USERNAME"] }
        if config.password == nil {
            if let passwordFile {
                guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                    throw ValidationError("cannot read the password file '\(passwordFile)'")
                }
                config.password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            } else {
                config.password = env["HOLLOW_MQTT_PASSWORD"]
            }
        }
        if let caFile {
            guard url.usesTLS else { throw ValidationError("--ca-file needs an mqtts:// broker URL") }
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ValidationError("cannot read the CA file '\(caFile)'")
            }
            config.tls = MQTTTLSConfiguration(caFile: caFile)
        }
        config.reconnectDelayMax = 1
        return config
    }

    var timeoutDuration: Duration { .milliseconds(Int64(timeout * 1000)) }

    /// Connects, publishes retained at QoS 1, waits for the ack, disconnects.
    func publishRetained(topic: String, payload: [UInt8]) async throws {
        let logger = logging.bootstrap(label: "hollow.mqtt", defaultLevel: .error)
        let client = try MQTTClient(configuration: try clientConfiguration(clientIDPrefix: "hollow-cli"), logger: logger)
        do {
            try await client.waitUntilConnected(timeout: timeoutDuration)
            try await client.publish(topic: topic, payload: payload, qos: .atLeastOnce, retain: true, timeout: timeoutDuration)
        } catch let error as MQTTError {
            await client.shutdown()
            throw CLIError(error.description)
        }
        await client.shutdown()
    }
}

