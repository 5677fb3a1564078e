import Hummingbird
public import Logging
import Metrics
public import Prometheus
public import ServiceLifecycle

/// Serves the process's swift-metrics in Prometheus' text format on `GET /metrics` (`--metrics-listen HOST:PORT`).
///
/// ``bootstrap()`` makes swift-prometheus the process's metrics backend once; ``makeService(listen:beforeScrape:logger:)``
/// returns the HTTP endpoint as a `Service` for the executable's `ServiceGroup`. Every metric family gets a
/// `# HELP` line from ``MetricDescriptions`` (the list docs/metrics.md documents).
public enum PrometheusExporter {
    /// Duration buckets for every swift-metrics `Timer`, from 100 µs (a small refresh) to 60 s (a large cycle).
    public static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60),
    ]

    /// Makes a Prometheus registry the swift-metrics backend of this process and returns it. Call it once, first
    /// thing, before any library creates an instrument.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        factory.nameAndLabelSanitizer = { name, labels in
            (MetricDescriptions.renamed[name] ?? name, labels)
        }
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// The text exposition of `registry` with a `# HELP` line before each `# TYPE` line.
    public static func exposition(of registry: PrometheusCollectorRegistry) -> String {
        var out = ""
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                let help = MetricDescriptions.help[String(name)] ?? "See docs/metrics.md."
                out += "# HELP \(name) \(help)\n"
            }
            out += line
            out += "\n"
        }
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// Parses `HOST:PORT` (`[::1]:9090` for IPv6).
    /// - Throws: ``PrometheusExporterError`` naming the bad value.
    public static func parseListenAddress(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw PrometheusExporterError(message: "--metrics-listen must be HOST:PORT, got '\(text)'") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw PrometheusExporterError(message: "--metrics-listen has no host: '\(text)'") }
        return (host, port)
    }

    /// The `/metrics` endpoint as a `Service` (a Hummingbird application) listening on `listen`.
    /// - Parameters:
    ///   - listen: `HOST:PORT`.
    ///   - registry: the registry ``bootstrap()`` returned.
    ///   - beforeScrape: called before each scrape, to update gauges that age (seconds since the last refresh).
    ///   - appending: exposition text appended after the registry's (families the registry cannot hold; each
    ///     with its own `# HELP` and `# TYPE` lines and names the registry does not use).
    ///   - logger: the server's logger.
    /// - Throws: ``PrometheusExporterError`` for a bad address.
    public static func makeService(
        listen: String, registry: PrometheusCollectorRegistry, beforeScrape: @escaping @Sendable () -> Void = {},
        appending: @escaping @Sendable () -> String = { "" }, logger: Logger
    ) throws -> some Service {
        let (host, port) = try parseListenAddress(listen)
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            beforeScrape()
            var body = exposition(of: registry)
            let extra = appending()
            if !extra.isEmpty {
                if !body.isEmpty && !body.hasSuffix("\n") { body += "\n" }
                body += extra
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "hollow-metrics"),
            onServerRunning: { channel in
                logger.info("serving metrics", metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? listen)"])
            },
            logger: logger)
    }
}

/// A bad `--metrics-listen` value.
public struct PrometheusExporterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the value.
    public var message: String
    public var description: String { message }
}
