// A real three-node NATS server cluster with MQTT and JetStream, for failover tests.

import Foundation
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `nats-server` processes on free loopback ports forming one cluster, each with JetStream (its own store
/// directory) and an MQTT listener (`mqtt { stream_replicas: N }`), started with swift-subprocess.
///
/// NATS speaks MQTT 3.1.1 only and QoS 0 and 1; a retained message lives in a replicated JetStream stream, so
/// after a node is lost the others serve it again once JetStream has re-elected (5-20 s here).
///
/// ```swift
/// let cluster = try await NATSCluster.start(nodes: 3)
/// defer { Task { await cluster.stop() } }
/// cluster.mqttPorts[0] ...; await cluster.kill(node: 0)
/// ```
public final class NATSCluster: Sendable {
    /// Where `nats-server` is, if installed.
    public static let executablePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"]
        return dirs.map { "\($0)/nats-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether the cluster can run here (`nats-server` installed, and `mosquitto_pub` for the readiness probe).
    public static var isAvailable: Bool {
        let ok = executablePath != nil && MosquittoBroker.hasMosquittoPub
        if !ok { print("SKIP: \(skipReason)") }
        return ok
    }

    /// Why NATS tests skip when `isAvailable` is false.
    public static let skipReason =
        "nats-server (Debian package nats-server) or mosquitto_pub is not installed (run scripts/install-deps.sh)"

    /// The MQTT port of each node.
    public let mqttPorts: [Int]
    /// The NATS client port of each node.
    public let clientPorts: [Int]
    /// The cluster (route) port of each node.
    public let clusterPorts: [Int]
    /// The temp directory with configs, logs and JetStream stores (removed by `stop()`).
    public let directory: String

    private let running = Mutex<[Int: RunningNode]>([:])

    private struct RunningNode: Sendable {
        let task: Task<Void, any Error>
        let stop: AsyncStream<Bool>.Continuation  // true: graceful, false: SIGKILL
    }

    private init(mqttPorts: [Int], clientPorts: [Int], clusterPorts: [Int], directory: String) {
        self.mqttPorts = mqttPorts
        self.clientPorts = clientPorts
        self.clusterPorts = clusterPorts
        self.directory = directory
    }

    /// Starts `nodes` servers and waits until a retained QoS 1 message can be published on every node's MQTT
    /// listener (the cluster formed and JetStream elected its leaders). A port taken by someone else between
    /// choosing it and binding it (other tests start servers in parallel) makes it start over on new ports,
    /// at most three times.
    public static func start(nodes: Int = 3, readyTimeout: Duration = .seconds(60)) async throws -> NATSCluster {
        precondition(nodes >= 1)
        var attempt = 0
        while true {
            attempt += 1
            let cluster = try makeCluster(nodes: nodes)
            do {
                for node in 0..<nodes {
                    try cluster.writeConfig(node: node)
                    try cluster.launch(node: node)
                }
                for node in 0..<nodes { try await cluster.waitUntilReady(node: node, timeout: readyTimeout) }
                return cluster
            } catch {
                let logs = cluster.logs
                await cluster.stop()
                if attempt < 3 && logs.contains("address already in use") { continue }
                print("nats logs:\n\(logs)")
                throw error
            }
        }
    }

    private static func makeCluster(nodes: Int) throws -> NATSCluster {
        let dir = try makeTempDirectory(prefix: "hollow-nats")
        var ports: [Int] = []
        while ports.count < nodes * 3 {
            let p = try freeLoopbackPort()
            if !ports.contains(p) { ports.append(p) }
        }
        return NATSCluster(
            mqttPorts: Array(ports[0..<nodes]), clientPorts: Array(ports[nodes..<2 * nodes]),
            clusterPorts: Array(ports[2 * nodes..<3 * nodes]), directory: dir)
    }

    /// The config file of `node`.
    public func configPath(node: Int) -> String { "\(directory)/n\(node + 1).conf" }
    /// The log file of `node`.
    public func logPath(node: Int) -> String { "\(directory)/n\(node + 1).log" }
    /// Every node's log (for failure messages).
    public var logs: String {
        mqttPorts.indices.map { "--- node \($0 + 1)\n" + ((try? String(contentsOfFile: logPath(node: $0), encoding: .utf8)) ?? "") }
            .joined(separator: "\n")
    }

    private func writeConfig(node: Int) throws {
        let routes = clusterPorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ", ")
        let config = """
            # generated by HollowTestSupport.NATSCluster
            server_name: n\(node + 1)
            listen: 127.0.0.1:\(clientPorts[node])
            log_file: "\(logPath(node: node))"
            jetstream { store_dir: "\(directory)/js\(node + 1)" }
            cluster {
              name: hollow
              listen: 127.0.0.1:\(clusterPorts[node])
              routes: [\(routes)]
            }
            mqtt { listen: 127.0.0.1:\(mqttPorts[node]), stream_replicas: \(min(3, mqttPorts.count)) }

            """
        try config.write(toFile: configPath(node: node), atomically: true, encoding: .utf8)
    }

    private func launch(node: Int) throws {
        guard let exe = Self.executablePath else { throw BrokerError("nats-server binary not found") }
        let (stopStream, stopContinuation) = AsyncStream<Bool>.makeStream()
        let config = configPath(node: node)
        let task = Task {
            _ = try await Subprocess.run(
                .name("nats-server"), arguments: ["-c", config],
                environment: .inherit.updating(["PATH": URL(fileURLWithPath: exe).deletingLastPathComponent().path]),
                input: .none, output: .discarded, error: .discarded
            ) { execution in
                var graceful = true
                for await g in stopStream {
                    graceful = g
                    break
                }
                let steps: [TeardownStep] = graceful ? [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))] : []
                await execution.teardown(using: steps)
            }
        }
        running.withLock { $0[node] = RunningNode(task: task, stop: stopContinuation) }
    }

    /// Waits until a retained QoS 1 publish on `node` succeeds (a test-support readiness poll, bounded by `timeout`).
    public func waitUntilReady(node: Int, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let log = (try? String(contentsOfFile: logPath(node: node), encoding: .utf8)) ?? ""
            if log.contains("address already in use") {
                throw BrokerError("NATS node \(node + 1) could not bind its ports (address already in use)")
            }
            if MosquittoBroker.canConnect(port: mqttPorts[node]) {
                let r = try await MosquittoBroker.runTool(
                    "mosquitto_pub",
                    ["-h", "127.0.0.1", "-p", String(mqttPorts[node]), "-q", "1", "-r", "-t", "hollow-test/ready/n\(node + 1)", "-m", "1"])
                if r.exitCode == 0 { return }
                last = r.output
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw BrokerError("NATS node \(node + 1) did not accept a retained MQTT publish within \(timeout): \(last)")
    }

    private func stopProcess(node: Int, graceful: Bool) async {
        guard let r = running.withLock({ $0.removeValue(forKey: node) }) else { return }
        r.stop.yield(graceful)
        r.stop.finish()
        _ = try? await r.task.value
    }

    /// Kills `node` with SIGKILL (its connections drop at once), keeping its directory for `restart(node:)`.
    public func kill(node: Int) async { await stopProcess(node: node, graceful: false) }

    /// Starts `node` again on the same ports and store.
    public func restart(node: Int) async throws {
        await stopProcess(node: node, graceful: false)
        try launch(node: node)
    }

    /// Stops every node with SIGKILL (the state is thrown away with the directory) and removes the directory.
    /// (A graceful stop of a node whose cluster lost a member can wait on JetStream for a long time.)
    public func stop() async {
        for node in mqttPorts.indices { await stopProcess(node: node, graceful: false) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
