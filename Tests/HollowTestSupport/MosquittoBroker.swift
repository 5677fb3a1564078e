// A real mosquitto broker for tests: temp config, a free loopback port, started with swift-subprocess.

import Foundation
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private `mosquitto` on a free loopback port, with its config, log and files in a temp directory.
///
/// ```swift
/// @Suite(.enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)), .timeLimit(.minutes(1)))
/// ...
/// let broker = try await MosquittoBroker.start()
/// defer { Task { await broker.stop() } }   // or: try await MosquittoBroker.with { broker in ... }
/// ```
///
/// `HOLLOW_TEST_MQTT_BROKER=host:port` selects an external broker instead (then `stop`/`kill`/`restart`
/// and config variants are unavailable: `supportsRestart` is false).
public final class MosquittoBroker: Sendable {
    /// Extra broker settings for a test.
    public struct Options: Sendable {
        /// A `mosquitto_passwd` file: anonymous clients are then refused.
        public var passwordFile: String?
        /// An ACL file (mosquitto `acl_file` syntax).
        public var aclFile: String?
        /// A TLS listener on a second free port, with these PEM files.
        public var tls: TLSFiles?
        /// Keep retained messages across restarts (saved to disk after every change).
        public var persistence: Bool
        /// With `persistence`: the autosave lines to use instead of saving after every change, e.g. the
        /// production config's (`autosave_interval 60`, `autosave_on_changes false`).
        public var autosaveSettings: [String]?
        /// Lines appended to the generated config.
        public var extraConfig: String

        public init(
            passwordFile: String? = nil, aclFile: String? = nil, tls: TLSFiles? = nil, persistence: Bool = false,
            autosaveSettings: [String]? = nil, extraConfig: String = ""
        ) {
            self.passwordFile = passwordFile
            self.aclFile = aclFile
            self.tls = tls
            self.persistence = persistence
            self.autosaveSettings = autosaveSettings
            self.extraConfig = extraConfig
        }
    }

    /// PEM files of the TLS listener.
    public struct TLSFiles: Sendable {
        public var caFile: String
        public var certificateFile: String
        public var keyFile: String
        public var requireClientCertificate: Bool

        public init(caFile: String, certificateFile: String, keyFile: String, requireClientCertificate: Bool = false) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.requireClientCertificate = requireClientCertificate
        }
    }

    /// The external broker from `HOLLOW_TEST_MQTT_BROKER=host:port`, if set.
    public static var external: (host: String, port: Int)? {
        guard let value = ProcessInfo.processInfo.environment["HOLLOW_TEST_MQTT_BROKER"], !value.isEmpty,
            let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...])
        else { return nil }
        return (String(value[..<colon]), port)
    }

    /// Where the mosquitto binary is, if installed.
    public static let executablePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"]
        return dirs.map { "\($0)/mosquitto" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether tests can get a broker (an external one, or the `mosquitto` binary).
    public static var isAvailable: Bool {
        external != nil || executablePath != nil
    }

    /// Why broker tests skip when `isAvailable` is false.
    public static let skipReason =
        "mosquitto is not installed (run scripts/install-deps.sh) and HOLLOW_TEST_MQTT_BROKER is not set"

    /// Why tests that stop and restart the broker skip when an external broker is configured.
    public static let privateBrokerReason = "needs a private broker (HOLLOW_TEST_MQTT_BROKER is set)"

    /// Whether a `mosquitto_pub` binary is available for `mosquittoPub`.
    public static var hasMosquittoPub: Bool { findTool("mosquitto_pub") != nil }

    /// The broker's host (always 127.0.0.1 for a private broker).
    public let host: String
    /// The plain MQTT port.
    public let port: Int
    /// The TLS port, when `options.tls` was given.
    public let tlsPort: Int?
    /// The temp directory with config, log, persistence (removed by `stop()`).
    public let directory: String
    /// Whether this is a private broker the test may stop, kill and restart.
    public var supportsRestart: Bool { !isExternal }
    public let isExternal: Bool
    public let options: Options

    private let running = Mutex<RunningBroker?>(nil)

    private struct RunningBroker: Sendable {
        let task: Task<Void, any Error>
        let stop: AsyncStream<Bool>.Continuation  // true: graceful, false: SIGKILL
    }

    private init(host: String, port: Int, tlsPort: Int?, directory: String, isExternal: Bool, options: Options) {
        self.host = host
        self.port = port
        self.tlsPort = tlsPort
        self.directory = directory
        self.isExternal = isExternal
        self.options = options
    }

    /// Starts a private broker (or returns the external one) and waits until it accepts connections.
    public static func start(options: Options = Options()) async throws -> MosquittoBroker {
        if let ext = external {
            return MosquittoBroker(host: ext.host, port: ext.port, tlsPort: nil, directory: "", isExternal: true, options: options)
        }
        let dir = try makeTempDirectory(prefix: "hollow-mosquitto")
        let port = try freeLoopbackPort()
        let tlsPort = options.tls != nil ? try freeLoopbackPort() : nil
        let broker = MosquittoBroker(host: "127.0.0.1", port: port, tlsPort: tlsPort, directory: dir, isExternal: false, options: options)
        try broker.writeConfig()
        try await broker.launch()
        return broker
    }

    /// Runs `body` with a fresh broker and stops the broker afterwards, also when `body` throws.
    public static func with<T>(options: Options = Options(), _ body: (MosquittoBroker) async throws -> T) async throws -> T {
        let broker = try await start(options: options)
        do {
            let result = try await body(broker)
            await broker.stop()
            return result
        } catch {
            await broker.stop()
            throw error
        }
    }

    /// The generated config file.
    public var configPath: String { "\(directory)/mosquitto.conf" }
    /// The broker's log file.
    public var logPath: String { "\(directory)/mosquitto.log" }
    /// The broker's log so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private func writeConfig() throws {
        var lines = [
            "# generated by HollowTestSupport.MosquittoBroker",
            "per_listener_settings false",
            "log_dest file \(logPath)",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "connection_messages true",
        ]
        if geteuid() == 0 { lines.append("user root") }  // keep root: the temp files are root's
        if options.persistence {
            lines += ["persistence true", "persistence_location \(directory)/"]
            lines += options.autosaveSettings ?? ["autosave_interval 1", "autosave_on_changes true"]
        }
        if let pw = options.passwordFile {
            lines += ["allow_anonymous false", "password_file \(pw)"]
        } else {
            lines.append("allow_anonymous true")
        }
        if let acl = options.aclFile { lines.append("acl_file \(acl)") }
        lines.append("listener \(port) 127.0.0.1")
        if let tls = options.tls, let tlsPort {
            lines += [
                "listener \(tlsPort) 127.0.0.1",
                "cafile \(tls.caFile)", "certfile \(tls.certificateFile)", "keyfile \(tls.keyFile)",
                "require_certificate \(tls.requireClientCertificate)",
            ]
        }
        lines.append(options.extraConfig)
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func launch() async throws {
        guard let exe = Self.executablePath else { throw BrokerError("mosquitto binary not found") }
        let (stopStream, stopContinuation) = AsyncStream<Bool>.makeStream()
        let config = configPath
        let task = Task {
            _ = try await Subprocess.run(
                .name("mosquitto"),
                arguments: ["-c", config],
                environment: .inherit.updating(["PATH": URL(fileURLWithPath: exe).deletingLastPathComponent().path]),
                input: .none, output: .discarded, error: .discarded
            ) { execution in
                var graceful = true
                for await g in stopStream {
                    graceful = g
                    break
                }
                let steps: [TeardownStep] = graceful ? [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))] : []
                await execution.teardown(using: steps)
            }
        }
        running.withLock { $0 = RunningBroker(task: task, stop: stopContinuation) }
        // Wait until the broker accepts TCP connections (a test-support readiness poll, 10 ms steps, 30 s max; the
        // full suite runs many brokers and processes at once on 2 cores, so a poll can be scheduled late: the last
        // attempt is made after the deadline too).
        let deadline = ContinuousClock.now + .seconds(30)
        var ready = false
        repeat {
            if Self.canConnect(port: port), tlsPort.map(Self.canConnect(port:)) ?? true {
                ready = true
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        } while ContinuousClock.now < deadline
        if ready || (Self.canConnect(port: port) && (tlsPort.map(Self.canConnect(port:)) ?? true)) { return }
        await stopProcess(graceful: false)
        throw BrokerError("mosquitto did not accept connections on 127.0.0.1:\(port) within 30 s; log:\n\(log)")
    }

    private func stopProcess(graceful: Bool) async {
        guard let r = running.withLock({ r -> RunningBroker? in defer { r = nil }; return r }) else { return }
        r.stop.yield(graceful)
        r.stop.finish()
        _ = try? await r.task.value
    }

    /// Stops the broker (SIGTERM, then SIGKILL after 3 s) and removes its directory. External brokers are left alone.
    public func stop() async {
        guard !isExternal else { return }
        await stopProcess(graceful: true)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills the broker with SIGKILL (connections drop at once), keeping its directory for `restart()`.
    public func kill() async {
        guard !isExternal else { return }
        await stopProcess(graceful: false)
    }

    /// Stops the broker gracefully, keeping its directory for `restart()`.
    public func halt() async {
        guard !isExternal else { return }
        await stopProcess(graceful: true)
    }

    /// Starts the broker again on the same port(s) and config (after `kill()` or `halt()`).
    public func restart() async throws {
        guard !isExternal else { throw BrokerError("cannot restart the external broker") }
        await stopProcess(graceful: false)
        try await launch()
    }

    /// Runs the real `mosquitto_pub` against this broker, e.g. `["-r", "-q", "1", "-t", "hollow/ns/pin", "-m", "42"]`.
    /// Adds `-h`/`-p` (and `-u`/`-P` when given). Returns the exit code and stderr+stdout.
    @discardableResult
    public func mosquittoPub(_ arguments: [String], username: String? = nil, password: String? = nil) async throws -> ToolResult {
        try await runTool("mosquitto_pub", arguments, username: username, password: password)
    }

    /// Runs the real `mosquitto_sub` against this broker (use `-W secs` or `-C count` so it ends).
    @discardableResult
    public func mosquittoSub(_ arguments: [String], username: String? = nil, password: String? = nil) async throws -> ToolResult {
        try await runTool("mosquitto_sub", arguments, username: username, password: password)
    }

    private func runTool(_ name: String, _ arguments: [String], username: String?, password: String?) async throws -> ToolResult {
        guard let path = Self.findTool(name) else { throw BrokerError("\(name) not found (install mosquitto-clients)") }
        var args = ["-h", host, "-p", String(port)]
        if let username { args += ["-u", username] }
        if let password { args += ["-P", password] }
        args += arguments
        let result = try await Subprocess.run(
            .name(name), arguments: Arguments(args),
            environment: .inherit.updating(["PATH": URL(fileURLWithPath: path).deletingLastPathComponent().path]),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let code: Int32 =
            switch result.terminationStatus {
            case .exited(let c): c
            case .signaled(let s): 128 + s
            }
        return ToolResult(exitCode: code, output: result.standardOutput + result.standardError)
    }

    /// Runs any tool found on PATH (or /usr/sbin, /usr/bin) with `arguments`, e.g. openssl or mosquitto_passwd.
    @discardableResult
    public static func runTool(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ToolResult {
        guard let path = findTool(name) else { throw BrokerError("\(name) not found") }
        var env: [Environment.Key: String?] = ["PATH": URL(fileURLWithPath: path).deletingLastPathComponent().path + ":/usr/bin:/bin:/usr/sbin"]
        for (k, v) in environment { env[Environment.Key(stringLiteral: k)] = v }
        let result = try await Subprocess.run(
            .name(name), arguments: Arguments(arguments), environment: .inherit.updating(env),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let code: Int32 =
            switch result.terminationStatus {
            case .exited(let c): c
            case .signaled(let s): 128 + s
            }
        return ToolResult(exitCode: code, output: result.standardOutput + result.standardError)
    }

    /// The result of running a command-line tool.
    public struct ToolResult: Sendable {
        public var exitCode: Int32
        public var output: String
    }

    static func findTool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin"]
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A free TCP port on 127.0.0.1 for a server a test starts.
///
/// Chosen below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`), where the client side of
/// every connection the suite opens gets its port: a port picked by `bind(0)` is in that range, and between this
/// function closing its probe socket and the server binding the port, an outgoing connection could take it (CI saw
/// `hollow explore --metrics-listen` fail with "Address already in use"). A port is also never handed out twice in
/// one test process. Falls back to the kernel's choice when the range leaves no room below it.
public func freeLoopbackPort() throws -> Int {
    let low = 10_000
    let high = ephemeralPortRangeStart
    if high - low >= 1_000 {
        for _ in 0..<200 {
            let candidate = Int.random(in: low..<high)
            guard handedOutPorts.withLock({ !$0.contains(candidate) }) else { continue }
            if (try? bindLoopback(port: candidate)) != nil {
                let fresh = handedOutPorts.withLock { $0.insert(candidate).inserted }
                if fresh { return candidate }
            }
        }
    }
    for _ in 0..<50 {
        let port = try bindLoopback(port: 0)
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
    throw BrokerError("no free loopback port that this test process has not handed out already")
}

/// Ports already returned by ``freeLoopbackPort()`` in this process.
private let handedOutPorts = Mutex<Set<Int>>([])

/// The first port of the kernel's ephemeral range (32768 when it cannot be read), read once per process.
private let ephemeralPortRangeStart: Int = {
    guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
        let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
        let value = Int(first)
    else { return 32_768 }
    return value
}()

/// Binds a TCP socket to 127.0.0.1:`port` (0: the kernel chooses), closes it, and returns the port it had.
private func bindLoopback(port: Int) throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BrokerError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
            bind(fd, p, len) == 0 && getsockname(fd, p, &len) == 0
        }
    }
    guard bound else { throw BrokerError("bind(127.0.0.1:\(port)) failed: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A fresh temp directory `/tmp/PREFIX-XXXXXX`.
public func makeTempDirectory(prefix: String) throws -> String {
    var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
    guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw BrokerError("mkdtemp failed: errno \(errno)")
    }
    return String(cString: p)
}

/// A test-support failure (broker did not start, tool missing, ...).
public struct BrokerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
