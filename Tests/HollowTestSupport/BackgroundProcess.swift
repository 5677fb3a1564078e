// A long-running command for tests (hollow watch, kea-edge run, prometheus), started with swift-subprocess, its
// standard output and standard error kept apart in files.

import Foundation
import HollowCore
public import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A process running in the background until the test signals or stops it.
public final class BackgroundProcess: Sendable {
    /// Where the process writes its standard output and standard error.
    public let standardOutputPath: String
    public let standardErrorPath: String

    private enum Command: Sendable {
        case signal(Int32)
        case teardown
    }

    private let task: Task<TerminationStatus, any Error>
    private let commands: AsyncStream<Command>.Continuation

    /// Starts `executable` with `arguments`; output goes to files in `directory`, named after `name`.
    public init(_ executable: String, _ arguments: [String], directory: String, name: String) throws {
        standardOutputPath = "\(directory)/\(name).stdout"
        standardErrorPath = "\(directory)/\(name).stderr"
        let out = try FileDescriptor.open(
            FilePath(standardOutputPath), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let err = try FileDescriptor.open(
            FilePath(standardErrorPath), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let (stream, continuation) = AsyncStream<Command>.makeStream()
        commands = continuation
        task = Task {
            let outcome = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), input: .none,
                output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                error: .fileDescriptor(err, closeAfterSpawningProcess: true)
            ) { execution in
                for await command in stream {
                    switch command {
                    case .signal(let signal):
                        try? execution.send(signal: Signal(rawValue: signal))
                        return  // the process ends by itself; run() waits for it
                    case .teardown:
                        await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
                        return
                    }
                }
            }
            return outcome.terminationStatus
        }
    }

    /// What the process wrote to standard output so far.
    public var standardOutput: String { (try? String(contentsOfFile: standardOutputPath, encoding: .utf8)) ?? "" }
    /// What the process wrote to standard error so far.
    public var standardError: String { (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` (e.g. `SIGTERM`) and waits until the process has exited.
    public func signalAndWait(_ signal: Int32) async throws -> TerminationStatus {
        commands.yield(.signal(signal))
        commands.finish()
        return try await task.value
    }

    /// Stops the process (SIGTERM, SIGKILL after 3 s) and waits for it. Safe to call more than once.
    public func stop() async {
        commands.yield(.teardown)
        commands.finish()
        _ = try? await task.value
    }

    /// Polls `condition` every 50 ms until it holds; false if it did not within `limit` (a hang guard for
    /// readiness, not a speed assertion).
    public static func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool)
        async rethrows -> Bool
    {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// An HTTP response as the tests see it.
public struct HTTPResult: Sendable {
    public var status: Int
    public var body: String
}

/// `GET http://127.0.0.1:port/path` over a plain socket (HTTP/1.1, `Connection: close`; the body ends at its
/// `Content-Length` or when the server closes).
/// Runs on its own thread (``BlockingIO``).
public func httpGet(port: Int, path: String) async throws -> HTTPResult {
    try await BlockingIO.run {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrokerError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw BrokerError("cannot connect to 127.0.0.1:\(port): errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw BrokerError("cannot send the request to 127.0.0.1:\(port)")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator: [UInt8] = [13, 10, 13, 10]
        var expectedLength: Int?
        while true {
            if let expectedLength, let end = headerEnd(response, separator), response.count - end >= expectedLength { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw BrokerError("reading the response from 127.0.0.1:\(port) failed: errno \(errno)") }
            if n == 0 { break }
            response += buffer[0..<n]
            if expectedLength == nil, let end = headerEnd(response, separator) {
                let head = String(decoding: response[..<end], as: UTF8.self).lowercased()
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
                    expectedLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                }
            }
        }
        guard let end = headerEnd(response, separator) else { throw BrokerError("no HTTP response from port \(port)") }
        let head = String(decoding: response[..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return HTTPResult(status: status, body: String(decoding: response[end...], as: UTF8.self))
    }
}

/// The index just after the blank line that ends the HTTP head, if it arrived.
private func headerEnd(_ bytes: [UInt8], _ separator: [UInt8]) -> Int? {
    guard bytes.count >= separator.count else { return nil }
    for i in 0...(bytes.count - separator.count) where bytes[i..<(i + separator.count)].elementsEqual(separator) {
        return i + separator.count
    }
    return nil
}
