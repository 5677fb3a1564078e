import ArgumentParser
import Foundation
import HollowMQTT
import HollowOperations
import Logging

/// `hollow pin --store STORE [--namespace NS] V [--group G] [--reason R] --broker URL`: pins consumers of a namespace (or of one group) to a version.
struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pin the consumers of a namespace (or of one group) to a version (retained on PREFIX/NS/pin[/GROUP]).")

    @OptionGroup var location: StoreOptions
    /// The MQTT topic segment of the store (see ``StoreOptions``).
    var namespace: String { location.topicSegment }
    @Argument(help: "The version to pin to (a non-negative integer).") var version: Int64
    @Option(help: "Pin only the consumers of this group (canary cohort).") var group: String?
    @Option(help: "Why (stored in the pin's JSON payload, shown by hollow status).") var reason: String?
    @OptionGroup var broker: MQTTBrokerOptions

    func validate() throws {
        guard version >= 0 else { throw ValidationError("version \(version) is negative") }
    }

    func run() async throws {
        do { _ = try location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        let topics = try broker.topics(namespace)
        let topic = try group.map { try topics.pin(group: $0) } ?? topics.pin
        try await broker.publishRetained(topic: topic, payload: MQTTVersionPayload.pin(version: version, reason: reason))
        print("pinned \(group.map { "group \($0) of " } ?? "")\(namespace) to \(version) (\(topic))")
    }
}

/// Broker connection options shared by the MQTT subcommands (pin, unpin, status; publish and watch can reuse them).
struct MQTTBrokerOptions: ParsableArguments {
    @Option(help: "Broker URL: mqtt://[user:pass@]host:port or mqtts://... (TLS).")
    var broker: String

    @OptionGroup var logging: LoggingOptions

    @Option(help: "A file holding the broker password (first line). Default: $HOLLOW_MQTT_PASSWORD.")
    var passwordFile: String?

    @Option(help: "User name when the URL has none. Default: $HOLLOW_MQTT_USERNAME.")
    var username: String?

    @Option(help: "PEM CA file for mqtts:// with a private CA (default: the system trust store).")
    var caFile: String?

    @Option(help: "Topic prefix.") var prefix: String = MQTTTopics.defaultPrefix

    @Option(help: "Seconds to wait for the connection and acknowledgements.") var timeout: Double = 5

    /// The topics of `namespace`, with a clear error for a bad name.
    func topics(_ namespace: String) throws -> MQTTTopics {
        do { return try MQTTTopics(namespace: namespace, prefix: prefix) } catch { throw ValidationError(error.message) }
    }

    /// The client configuration: URL, then --username/--password-file, then the environment.
    func clientConfiguration(clientIDPrefix: String) throws -> MQTTClientConfiguration {
        let url: MQTTBrokerURL
        do { url = try MQTTBrokerURL(parsing: broker) } catch { throw ValidationError(error.message) }
        let env = ProcessInfo.processInfo.environment
        var config = MQTTClientConfiguration(url: url, clientID: "\(clientIDPrefix)-\(UInt32.random(in: 0...UInt32.max))")
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

