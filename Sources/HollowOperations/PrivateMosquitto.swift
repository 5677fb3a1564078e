import Foundation
import Subprocess

#if canImport(Glibc)
import Glibc
#endif

/// Why a private mosquitto could not be started.
public struct PrivateMosquittoError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A private mosquitto on a free loopback port, started with swift-subprocess (loopback only, anonymous): the
/// embedded broker of `hollow demo` and of the cross-process MQTT benchmark.
public final class PrivateMosquitto: Sendable {
    /// The loopback port it listens on.
    public let port: Int
    /// Its scratch directory (configuration and log), removed by ``stop()``.
    public let directory: String
    private let task: Task<Void, any Error>
    private let stopSignal: AsyncStream<Void>.Continuation

    private init(port: Int, directory: String, task: Task<Void, any Error>, stopSignal: AsyncStream<Void>.Continuation) {
        self.port = port
        self.directory = directory
        self.task = task
        self.stopSignal = stopSignal
    }

    /// Starts mosquitto (from `PATH`, /usr/sbin or /usr/local/sbin) and returns once it accepts connections.
    /// - Throws: ``PrivateMosquittoError`` when mosquitto is missing or does not start within 5 s.
    public static func start() async throws -> PrivateMosquitto {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        guard let exeDir = dirs.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/mosquitto") }) else {
            throw PrivateMosquittoError("mosquitto not found (run scripts/install-deps.sh) — or pass --broker host:port")
        }
        let dir = NSTemporaryDirectory() + "/hollow-mosquitto-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let port = try Loopback.freePort()
        var conf = "listener \(port) 127.0.0.1\nallow_anonymous true\nmax_queued_messages 10000\nlog_dest file \(dir)/mosquitto.log\n"
        if geteuid() == 0 { conf += "user root\n" }
        try conf.write(toFile: "\(dir)/mosquitto.conf", atomically: true, encoding: .utf8)
        let (signal, continuation) = AsyncStream<Void>.makeStream()
        let task = Task {
            _ = try await Subprocess.run(
                .name("mosquitto"), arguments: ["-c", "\(dir)/mosquitto.conf"],
                environment: .inherit.updating(["PATH": exeDir]),
                input: .none, output: .discarded, error: .discarded
            ) { execution in
                for await _ in signal { break }
                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
            }
        }
        let broker = PrivateMosquitto(port: port, directory: dir, task: task, stopSignal: continuation)
        for _ in 0..<500 {
            if Loopback.accepts(port: port) { return broker }
            try await Task.sleep(for: .milliseconds(10))
        }
        await broker.stop()
        throw PrivateMosquittoError("mosquitto did not start on 127.0.0.1:\(port) (see \(dir)/mosquitto.log)")
    }

    /// Stops the broker gracefully and removes its directory.
    public func stop() async {
        stopSignal.yield()
        stopSignal.finish()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Loopback TCP helpers for the private servers the tools start (mosquitto here, nginx in hollow-bench).
public enum Loopback {
    /// A free TCP port on 127.0.0.1 (bind to port 0 and read the kernel's choice).
    /// - Throws: ``PrivateMosquittoError`` when no socket can be bound.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PrivateMosquittoError("cannot open a socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw PrivateMosquittoError("cannot find a free loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` (a readiness probe).
    public static func accepts(port: Int) -> Bool {
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
