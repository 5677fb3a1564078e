public import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a Kea control command failed: the socket is missing, refused, timed out, or Kea answered an error.
public struct KeaControlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable { case socketMissing, connectionFailed, timeout, badResponse, commandFailed }
        let value: Value
        /// The control socket path does not exist.
        public static let socketMissing = Code(value: .socketMissing)
        /// Connecting or talking to the socket failed (Kea stopped, permissions).
        public static let connectionFailed = Code(value: .connectionFailed)
        /// Kea did not answer in time.
        public static let timeout = Code(value: .timeout)
        /// The answer was not the JSON Kea sends.
        public static let badResponse = Code(value: .badResponse)
        /// Kea answered with a non-zero `result`.
        public static let commandFailed = Code(value: .commandFailed)
        /// The code's name.
        public var description: String { "\(value)" }
    }
    /// The kind of failure.
    public var code: Code
    /// A sentence saying what happened and what to check.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Where Kea's control channel is: its unix control socket, or the HTTP control agent.
public enum KeaControlEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `control-socket.socket-name` of kea-dhcp4.
    case unixSocket(path: String)
    /// The Kea control agent (`kea-ctrl-agent`), e.g. host 127.0.0.1 port 8000; commands go to service `dhcp4`.
    case controlAgent(host: String, port: UInt16)

    /// `unix:PATH` or `http://HOST:PORT/`.
    public var description: String {
        switch self {
        case .unixSocket(let path): return "unix:\(path)"
        case .controlAgent(let host, let port): return "http://\(host):\(port)/"
        }
    }

    /// Parses `http://host:port[/]` as the control agent and anything else as a unix socket path.
    public init(_ text: String) {
        if text.hasPrefix("http://") {
            var rest = text.dropFirst(7)
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            let parts = rest.split(separator: ":", maxSplits: 1)
            self = .controlAgent(host: String(parts.first ?? "127.0.0.1"), port: parts.count > 1 ? UInt16(parts[1]) ?? 8000 : 8000)
        } else {
            self = .unixSocket(path: text.hasPrefix("unix:") ? String(text.dropFirst(5)) : text)
        }
    }
}

/// Sends commands to Kea's control channel. Each command uses a fresh connection (Kea closes it after
/// answering), so a restarted Kea is picked up on the next command.
public struct KeaControlClient: Sendable {
    /// Where Kea listens.
    public let endpoint: KeaControlEndpoint
    /// How long to wait for an answer, in milliseconds.
    public let timeoutMilliseconds: Int32

    /// Creates a client for `endpoint`.
    public init(endpoint: KeaControlEndpoint, timeoutMilliseconds: Int32 = 3000) {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Sends `{"command": command}` and returns the `arguments` of Kea's answer.
    /// - Throws: ``KeaControlError`` with a message that names the socket and what to check.
    public func send(_ command: String) throws(KeaControlError) -> JSONValue {
        let request: JSONValue
        let raw: [UInt8]
        switch endpoint {
        case .unixSocket(let path):
            request = ["command": .string(command)]
            raw = try exchangeUnix(path: path, request: Array(request.serialized().utf8))
        case .controlAgent(let host, let port):
            request = ["command": .string(command), "service": ["dhcp4"]]
            raw = try exchangeHTTP(host: host, port: port, body: request.serialized())
        }
        let answer: JSONValue
        do { answer = try JSONValue.parse(raw) } catch {
            throw KeaControlError(code: .badResponse, message: "Kea at \(endpoint) answered '\(command)' with invalid JSON (\(error))")
        }
        // The control agent wraps the answer of each service in an array.
        let single = answer.array?.first ?? answer
        guard let result = single["result"]?.int64 else {
            throw KeaControlError(code: .badResponse, message: "Kea at \(endpoint) answered '\(command)' without a 'result'")
        }
        if result != 0 {
            let text = single["text"]?.string ?? "no text"
            throw KeaControlError(code: .commandFailed, message: "Kea at \(endpoint) refused '\(command)' (result \(result)): \(text)")
        }
        return single["arguments"] ?? .object([])
    }

    /// Runs `statistic-get-all` and returns the newest sample of every statistic.
    public func statistics() throws(KeaControlError) -> KeaStatistics {
        let arguments = try send("statistic-get-all")
        do { return try KeaStatistics(arguments: arguments) } catch {
            throw KeaControlError(code: .badResponse, message: "Kea at \(endpoint): \(error)")
        }
    }

    private func exchangeUnix(path: String, request: [UInt8]) throws(KeaControlError) -> [UInt8] {
        var st = stat()
        if stat(path, &st) != 0 {
            throw KeaControlError(
                code: .socketMissing,
                message: "Kea control socket \(path) does not exist: is kea-dhcp4 running, with control-socket.socket-name set to this path?"
            )
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw connectionError("socket()", errno) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            throw KeaControlError(code: .connectionFailed, message: "Kea control socket path \(path) is longer than a unix socket path may be")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let e = errno
            if e == ECONNREFUSED {
                throw KeaControlError(code: .connectionFailed, message: "Kea is not listening on \(path) (connection refused: kea-dhcp4 stopped or restarting?)")
            }
            throw connectionError("connect to \(path)", e)
        }
        try sendAll(fd, request, what: path)
        return try readAll(fd, what: path, untilCompleteJSON: true)
    }

    private func exchangeHTTP(host: String, port: UInt16, body: String) throws(KeaControlError) -> [UInt8] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw KeaControlError(code: .connectionFailed, message: "cannot resolve the Kea control agent host \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
        if fd < 0 { throw connectionError("socket()", errno) }
        defer { close(fd) }
        if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            throw connectionError("connect to the Kea control agent at \(host):\(port)", errno)
        }
        let request = "POST / HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        try sendAll(fd, Array(request.utf8), what: "\(host):\(port)")
        let response = try readAll(fd, what: "\(host):\(port)", untilCompleteJSON: false)
        guard let headerEnd = response.indices.first(where: { i in
            i + 3 < response.count && response[i] == 13 && response[i + 1] == 10 && response[i + 2] == 13 && response[i + 3] == 10
        }) else {
            throw KeaControlError(code: .badResponse, message: "the Kea control agent at \(host):\(port) sent no HTTP header")
        }
        let status = String(decoding: response[..<headerEnd], as: UTF8.self).split(separator: " ").dropFirst().first ?? ""
        if status != "200" {
            throw KeaControlError(code: .commandFailed, message: "the Kea control agent at \(host):\(port) answered HTTP \(status)")
        }
        return Array(response[(headerEnd + 4)...])
    }

    private func connectionError(_ what: String, _ e: Int32) -> KeaControlError {
        KeaControlError(code: .connectionFailed, message: "\(what): \(String(cString: strerror(e)))")
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws(KeaControlError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw connectionError("send to \(what)", errno)
            }
            sent += n
        }
    }

    private func readAll(_ fd: Int32, what: String, untilCompleteJSON: Bool) throws(KeaControlError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = SystemSupport.monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while true {
            let now = SystemSupport.monotonicNanoseconds()
            if now >= deadline {
                throw KeaControlError(code: .timeout, message: "Kea at \(what) did not answer within \(timeoutMilliseconds) ms")
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32((deadline - now) / 1_000_000) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw connectionError("poll \(what)", errno)
            }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw connectionError("receive from \(what)", errno)
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
            // Kea closes the connection after answering; a complete JSON object also ends the answer.
            if untilCompleteJSON, out.last == UInt8(ascii: "}") || out.last == UInt8(ascii: "\n"), (try? JSONValue.parse(out)) != nil {
                return out
            }
        }
    }
}

/// The newest sample of every Kea statistic, from `statistic-get-all`.
public struct KeaStatistics: Sendable, Hashable {
    /// Statistic name (e.g. `pkt4-received`, `subnet[1].assigned-addresses`) → newest value.
    public var values: [String: Int64]

    /// Creates statistics from values.
    public init(values: [String: Int64]) { self.values = values }

    /// Parses the `arguments` of a `statistic-get-all` answer: `{"name": [[value, "time"], ...], ...}`
    /// (newest sample first). Non-integer statistics are skipped.
    /// - Throws: ``MetricsJSONError`` when the arguments are not an object of sample lists.
    public init(arguments: JSONValue) throws(MetricsJSONError) {
        guard let o = arguments.members else { throw MetricsJSONError(message: "statistic-get-all: expected an object of statistics") }
        var values: [String: Int64] = [:]
        for (name, samples) in o {
            guard let list = samples.array else { throw MetricsJSONError(message: "statistic \(name): expected a list of samples") }
            if let newest = list.first?.array?.first?.int64 { values[name] = newest }
        }
        self.values = values
    }

    /// Whether a statistic is a gauge (a current level: addresses assigned, total, declined) rather than a
    /// counter that only grows until Kea restarts.
    public static func isGauge(_ name: String) -> Bool {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        return ["assigned-addresses", "total-addresses", "declined-addresses"].contains(last)
    }

    /// The aggregates of one interval: counters as the increase since `previous` (a counter that went
    /// down means Kea restarted: its new value is the increase), gauges as their current value.
    /// Without `previous`, counters are 0 (the interval's baseline).
    public func aggregates(since previous: KeaStatistics?) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for (name, value) in values {
            if Self.isGauge(name) {
                out[name] = value
            } else if let previous {
                let before = previous.values[name] ?? 0
                out[name] = value >= before ? value - before : value
            } else {
                out[name] = 0
            }
        }
        return out
    }
}
