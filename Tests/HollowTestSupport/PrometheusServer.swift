// A real Prometheus server (Debian's `prometheus`) for tests, and `promtool check metrics`.

import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A private `prometheus` on a free loopback port that scrapes the given targets every second.
public struct PrometheusServer: Sendable {
    /// The `prometheus` binary, if installed.
    public static let executablePath: String? = MosquittoBroker.findTool("prometheus")
    /// The `promtool` binary, if installed (same Debian package).
    public static let promtoolPath: String? = MosquittoBroker.findTool("promtool")
    /// Why the Prometheus tests skip.
    public static let skipReason = "prometheus/promtool are not installed (scripts/install-deps.sh installs Debian's prometheus)"

    /// The HTTP port of the server (API and UI).
    public let port: Int
    private let process: BackgroundProcess
    private let directory: String

    /// Starts a server scraping `targets` (`127.0.0.1:PORT`) every second and waits until it is ready.
    public static func start(scraping targets: [String]) async throws -> PrometheusServer {
        guard let exe = executablePath else { throw BrokerError(skipReason) }
        let dir = try makeTempDirectory(prefix: "hollow-prometheus")
        let port = try freeLoopbackPort()
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: hollow
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
            """
        try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let process = try BackgroundProcess(
            exe,
            [
                "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                "--web.listen-address=127.0.0.1:\(port)",
            ],
            directory: dir, name: "prometheus")
        let server = PrometheusServer(port: port, process: process, directory: dir)
        let ready = await BackgroundProcess.eventually {
            ((try? await httpGet(port: port, path: "/-/ready"))?.status ?? 0) == 200
        }
        guard ready else {
            let log = process.standardError
            await server.stop()
            throw BrokerError("prometheus did not become ready on 127.0.0.1:\(port); log:\n\(log)")
        }
        return server
    }

    /// Runs an instant query; returns the value of each series (as Prometheus prints it) by its labels.
    public func query(_ promQL: String) async throws -> [(labels: [String: String], value: String)] {
        let encoded = promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promQL
        let response = try await httpGet(port: port, path: "/api/v1/query?query=\(encoded)")
        guard response.status == 200,
            let root = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let data = root["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw BrokerError("query \(promQL) failed: \(response.status) \(response.body)") }
        return result.compactMap { series in
            guard let value = series["value"] as? [Any], value.count == 2, let text = value[1] as? String else { return nil }
            return (series["metric"] as? [String: String] ?? [:], text)
        }
    }

    /// Prometheus' log so far (for failure messages).
    public var log: String { process.standardError }

    /// Stops the server and removes its directory.
    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `promtool check metrics` on an exposition; returns promtool's exit code and output (problems, if any).
    public static func check(metrics text: String) async throws -> (exitCode: Int32, output: String) {
        guard let promtoolPath else { throw BrokerError(skipReason) }
        let result = try await Subprocess.run(
            .path(FilePath(promtoolPath)), arguments: ["check", "metrics"], input: .string(text),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let code: Int32 =
            switch result.terminationStatus {
            case .exited(let c): c
            case .signaled(let s): 128 + s
            }
        return (code, result.standardOutput + result.standardError)
    }
}
