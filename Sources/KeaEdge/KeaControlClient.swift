public import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a Kea control command failed: the socket is missing, refused, timed out, the agent refused the credentials,
/// or Kea answered an error.
public struct KeaControlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable { case socketMissing, connectionFailed, timeout, badResponse, commandFailed, unauthorized, badURL }
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
        /// The control agent refused the credentials (HTTP 401/403).
        public static let unauthorized = Code(value: .unauthorized)
        /// The control agent URL or service is malformed.
        public static let badURL = Code(value: .badURL)
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

/// The Kea control agent (`kea-ctrl-agent`): its URL, the Kea service the commands go to, and HTTP basic-auth
/// credentials when the agent is configured with `authentication`.
public struct KeaControlAgent: Sendable, Hashable, CustomStringConvertible {
    /// `http://HOST:PORT/` (any credentials in the URL are moved to ``user`` and ``password``).
    public var url: String
    /// The service the commands are forwarded to: `dhcp4` or `dhcp6`.
    public var service: String
    /// Basic-auth user, nil without authentication.
    public var user: String?
    /// Basic-auth password.
    public var password: String?

    /// Parses `http://[USER[:PASSWORD]@]HOST:PORT[/]`.
    /// - Throws: ``KeaControlError`` (`.badURL`) naming the value when it is not such a URL.
    public init(url text: String, service: String = "dhcp4", user: String? = nil, password: String? = nil) throws(KeaControlError) {
        guard text.hasPrefix("http://") else {
            throw KeaControlError(code: .badURL, message: "the Kea control agent URL must be http://HOST:PORT, not '\(text)' (https: put a TLS proxy on loopback)")
        }
        var rest = text.dropFirst(7)
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else {
                throw KeaControlError(code: .badURL, message: "the Kea control agent URL takes no path: '\(text)'")
            }
            rest = rest[..<slash]
        }
        var parsedUser: String?, parsedPassword: String?
        if let at = rest.lastIndex(of: "@") {
            let info = rest[..<at]
            let parts = info.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            parsedUser = String(parts[0])
            parsedPassword = parts.count > 1 ? String(parts[1]) : nil
            rest = rest[rest.index(after: at)...]
        }
        guard let colon = rest.lastIndex(of: ":"), !rest[..<colon].isEmpty, let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else {
            throw KeaControlError(code: .badURL, message: "the Kea control agent URL needs a host and a port: http://HOST:PORT, not '\(text)'")
        }
        guard service == "dhcp4" || service == "dhcp6" else {
            throw KeaControlError(code: .badURL, message: "the Kea service must be dhcp4 or dhcp6, not '\(service)'")
        }
        self.url = "http://\(rest[..<colon]):\(port)/"
        self.service = service
        self.user = user ?? parsedUser
        self.password = password ?? parsedPassword
        if self.user?.isEmpty == true { self.user = nil }
    }

    /// The URL and service, without the credentials.
    public var description: String { "\(url) (service \(service)\(user.map { ", user \($0)" } ?? ""))" }
}

/// Where Kea's control channel is: its unix control socket, or the HTTP control agent.
public enum KeaControlEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `control-socket.socket-name` of kea-dhcp4.
    case unixSocket(path: String)
    /// The Kea control agent (`kea-ctrl-agent`).
    case controlAgent(KeaControlAgent)

    /// `unix:PATH` or the agent's URL (never its password).
    public var description: String {
        switch self {
        case .unixSocket(let path): return "unix:\(path)"
        case .controlAgent(let agent): return agent.description
        }
    }
}

/// Sends commands to Kea's control channel. Each command uses a fresh connection (Kea closes it after
/// answering), so a restarted Kea is picked up on the next command. The control agent is spoken to with
/// Foundation's `URLSession`; the unix socket with blocking POSIX I/O on a thread of its own (``BlockingIO``).
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

    /// Sends `{"command": command}` (to the agent: with `"service": [service]`) and returns the `arguments` of
    /// Kea's answer.
    /// - Throws: ``KeaControlError`` with a message that names the socket or URL and what to check.
    public func send(_ command: String) async throws(KeaControlError) -> JSONValue {
        let raw: [UInt8]
        switch endpoint {
        case .unixSocket(let path):
            let request: JSONValue = ["command": .string(command)]
            let bytes = Array(request.serialized().utf8)
            do {
                raw = try await BlockingIO.run { try self.exchangeUnix(path: path, request: bytes) }
            } catch let error as KeaControlError {
                throw error
            } catch {
                throw KeaControlError(code: .connectionFailed, message: "Kea control socket \(path): \(error)")
            }
        case .controlAgent(let agent):
            let request: JSONValue = ["command": .string(command), "service": [.string(agent.service)]]
            raw = try await KeaHTTPTransport.post(agent: agent, body: Array(request.serialized().utf8), timeoutMilliseconds: timeoutMilliseconds)
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
    public func statistics() async throws(KeaControlError) -> KeaStatistics {
        let arguments = try await send("statistic-get-all")
        do { return try KeaStatistics(arguments: arguments) } catch {
            throw KeaControlError(code: .badResponse, message: "Kea at \(endpoint): \(error)")
        }
    }

    private func exchangeUnix(path: String, request: [UInt8]) throws(KeaControlError) -> [UInt8] {
        var st = stat()
        if stat(path, &st) != 0 {
            throw KeaControlError(
                code: .socketMissing,
                message: "Kea control socket \(path) does not exist: is kea-dhcp4 (kea-dhcp6) running, with control-socket.socket-name set to this path?"
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

    /// Whether a statistic is a gauge (a current level: addresses assigned, total, declined; DHCPv6's
    /// assigned and total NAs and PDs) rather than a counter that only grows until Kea restarts.
    public static func isGauge(_ name: String) -> Bool {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        return ["assigned-addresses", "total-addresses", "declined-addresses", "assigned-nas", "total-nas", "assigned-pds", "total-pds"]
            .contains(last)
    }

    /// The aggregates of one interval: counters as the increase since `previous` (a counter that went
    /// down means Kea restarted: its new value is the increase), gauges as their current value.
    /// Without `previous`, counters are 0 (the interval's baseline). Each name gets `namePrefix` (`dhcp6.` for
    /// kea-dhcp6's statistics beside kea-dhcp4's).
    public func aggregates(since previous: KeaStatistics?, namePrefix: String = "") -> [String: Int64] {
        var out: [String: Int64] = [:]
        for (name, value) in values {
            if Self.isGauge(name) {
                out[namePrefix + name] = value
            } else if let previous {
                let before = previous.values[name] ?? 0
                out[namePrefix + name] = value >= before ? value - before : value
            } else {
                out[namePrefix + name] = 0
            }
        }
        return out
    }
}
