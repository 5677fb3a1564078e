public import ArgumentParser
public import Logging
public import Prometheus
import Synchronization

/// `--log-level`: swift-log is bootstrapped to standard error; standard output carries the command's data only.
public struct LoggingOptions: ParsableArguments, Sendable {
    @Option(help: "Log level on standard error: trace, debug, info, notice, warning, error or critical (default: info).")
    public var logLevel: Logger.Level?

    public init() {}

    /// Bootstraps swift-log to standard error (once per process) and returns the command's logger, at
    /// `--log-level` or else at `defaultLevel`.
    public func bootstrap(label: String, defaultLevel: Logger.Level = .info) -> Logger {
        let level = logLevel ?? defaultLevel
        LoggingBootstrap.once(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `--metrics-listen HOST:PORT`: serve swift-metrics in Prometheus' format on `http://HOST:PORT/metrics`.
public struct MetricsOptions: ParsableArguments, Sendable {
    @Option(help: "Serve Prometheus metrics on http://HOST:PORT/metrics (see docs/metrics.md).")
    public var metricsListen: String?

    public init() {}

    public func validate() throws {
        if let metricsListen {
            do { _ = try PrometheusExporter.parseListenAddress(metricsListen) } catch { throw ValidationError("\(error)") }
        }
    }

    /// With `--metrics-listen`, makes Prometheus the metrics backend and returns its registry; nil otherwise
    /// (swift-metrics then records nothing).
    public func bootstrap() -> PrometheusCollectorRegistry? {
        metricsListen == nil ? nil : PrometheusExporter.bootstrap()
    }
}

/// Bootstraps swift-log once, even when several commands of one process ask (the demo runs others in-process).
enum LoggingBootstrap {
    private static let done = Mutex(false)

    static func once(level: Logger.Level) {
        let first = done.withLock { d in
            defer { d = true }
            return !d
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
