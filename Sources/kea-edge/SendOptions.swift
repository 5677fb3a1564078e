import ArgumentParser
import HollowCore
import HollowMQTT
import KeaEdge
import Logging
import ServiceLifecycle

/// `--credentials FILE`: the MQTT login of an edge or the aggregator, `USER:PASSWORD` on the first line (kept out
/// of the command line and the process list).
struct CredentialsOption: ParsableArguments {
    @Option(help: "A file with the broker login as USER:PASSWORD on its first line (default: the broker URL's user:pass@).")
    var credentials: String?

    /// Applies the login to `config` (the URL's own credentials are replaced).
    func apply(to config: inout MQTTClientConfiguration) throws {
        guard let credentials else { return }
        let text: String
        do { text = try SystemSupport.readText(credentials) } catch {
            throw ValidationError("--credentials: \(error)")
        }
        let first = text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let line = String(first.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw ValidationError("--credentials \(credentials): expected USER:PASSWORD on the first line")
        }
        config.username = String(line[..<colon])
        config.password = String(line[line.index(after: colon)...])
    }
}

/// `--send mqtt://central[,…] [--credentials FILE] [--spool DIR]`: the edge sends each interval to a central
/// aggregator over MQTT (`PREFIX/NS/sources/SOURCE`, QoS 1, persistent session), spooling on disk while the
/// broker is unreachable.
struct SendOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Send each interval as JSON to a central aggregator on this MQTT broker (mqtt://[user:pass@]host:port; several brokers of a cluster: comma-separated or repeated).",
            valueName: "url"))
    var send: [String] = []

    @OptionGroup var credentials: CredentialsOption

    @Option(help: "The aggregated dataset's topic segment: intervals go to PREFIX/SEND-NAMESPACE/sources/SOURCE.")
    var sendNamespace: String = "metrics"

    @Option(help: "MQTT topic prefix of --send.")
    var sendTopicPrefix: String = MQTTTopics.defaultPrefix

    @Option(help: "Directory of the undelivered intervals (kept across restarts).")
    var spool: String = "/var/spool/kea-edge"

    @Option(help: "The most intervals kept in the spool; beyond, the oldest is dropped (and counted).")
    var spoolLimit: Int = 10_000

    @Option(help: "Seconds to wait for the broker's acknowledgement of one interval (and, at exit, for the spool to empty).")
    var sendTimeout: Double = 5

    /// Whether `--send` was given.
    var enabled: Bool { send.contains { $0.contains { !$0.isWhitespace } } }

    func validate() throws {
        guard enabled else { return }
        guard spoolLimit >= 1 else { throw ValidationError("--spool-limit must be at least 1") }
        guard sendTimeout > 0 else { throw ValidationError("--send-timeout must be positive") }
        do { _ = try MQTTTopics(namespace: sendNamespace, prefix: sendTopicPrefix) } catch {
            throw ValidationError("--send-namespace/--send-topic-prefix: \(error.message)")
        }
        do { _ = try MQTTBrokerURL.parseList(send) } catch { throw ValidationError("bad --send: \(error.message)") }
    }

    var timeout: Duration { .milliseconds(Int64(sendTimeout * 1000)) }

    /// The edge's client: a persistent session under the fixed client id `kea-edge-SOURCE`, so the broker and
    /// libmosquitto keep unacknowledged intervals across reconnects.
    func makeClient(source: String, logger: Logger) throws -> MQTTClient {
        var config: MQTTClientConfiguration
        do {
            config = try MQTTClientConfiguration(urls: try MQTTBrokerURL.parseList(send), clientID: "kea-edge-\(source)")
        } catch { throw ValidationError("bad --send: \(error.message)") }
        try credentials.apply(to: &config)
        config.cleanSession = false
        config.reconnectDelayMax = 5
        config.connectTimeout = timeout
        do { return try MQTTClient(configuration: config, logger: logger) } catch {
            throw ValidationError("--send: \(error.message)")
        }
    }

    /// The spool of `source`'s undelivered intervals.
    func makeSpool(source: String, logger: Logger) throws -> IntervalSpool {
        do { return try IntervalSpool(directory: spool, capacity: spoolLimit, metricsSource: source, logger: logger) } catch {
            throw ValidationError("--spool: \(error)")
        }
    }

    func makeTransport(client: MQTTClient) throws -> MQTTIntervalTransport {
        MQTTIntervalTransport(
            client: client, topics: try MQTTTopics(namespace: sendNamespace, prefix: sendTopicPrefix), timeout: timeout)
    }
}

/// Sends each interval on `PREFIX/NS/sources/SOURCE` at QoS 1 (not retained) and returns after the broker's PUBACK.
struct MQTTIntervalTransport: IntervalTransport {
    let client: MQTTClient
    let topics: MQTTTopics
    let timeout: Duration

    func deliver(_ interval: SpooledInterval) async throws {
        let topic: String
        do { topic = try topics.source(interval.state.source) } catch {
            throw IntervalRejected("source '\(interval.state.source)' cannot be a topic level: \(error.message)")
        }
        try await client.waitUntilConnected(timeout: timeout)
        do {
            try await client.publish(topic: topic, payload: interval.payload, qos: .atLeastOnce, retain: false, timeout: timeout)
        } catch let error as MQTTError where error.code == .refused {
            throw IntervalRejected("the broker refused \(topic): \(error.message) (check the ACL and --credentials)")
        }
    }
}

/// Appends the newest interval of each window to the spool; `SpoolDeliveryService` sends it.
struct SpoolSink: MetricsSink {
    let spool: IntervalSpool

    func publish(window: [MetricsState]) async throws {
        guard let newest = window.last else { return }
        try spool.append(newest)
    }
}

/// Sends spooled intervals, oldest first, while the edge runs; at graceful shutdown it tries for up to `flushTimeout`
/// to empty the spool (list it after the collector in the `ServiceGroup`, so the last interval is spooled first).
struct SpoolDeliveryService: Service {
    let spool: IntervalSpool
    let transport: any IntervalTransport
    let flushTimeout: Duration
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard spool.count > 0 else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            let report = await spool.deliverPending(through: transport)
            if let failure = report.failure {
                if !failing {
                    logger.warning(
                        "cannot send intervals; spooling until the broker is back",
                        metadata: ["spool.intervals": "\(spool.count)", "error": "\(failure)"])
                }
                failing = true
                for _ in 0..<20 where !Task.isShuttingDownGracefully { try? await Task.sleep(for: .milliseconds(50)) }
            } else if failing {
                failing = false
                logger.info("sending again; the spool is delivered", metadata: ["delivered": "\(report.delivered)"])
            }
        }
        let report = await spool.deliverPending(through: transport, deadline: .now + flushTimeout)
        if spool.count > 0 {
            logger.warning(
                "exiting with undelivered intervals in the spool (sent at the next start)",
                metadata: ["spool.intervals": "\(spool.count)", "delivered": "\(report.delivered)"])
        }
    }
}
