/// A broker address: `mqtt://[user:pass@]host[:port]` (plain, default port 1883) or `mqtts://...` (TLS, 8883).
///
/// User and password may be percent-encoded. The description never shows the password.
public struct MQTTBrokerURL: Sendable, Hashable, CustomStringConvertible {
    /// Plain TCP or TLS.
    public enum Scheme: String, Sendable, Hashable {
        case mqtt, mqtts
        /// The IANA port of the scheme.
        public var defaultPort: Int { self == .mqtt ? 1883 : 8883 }
    }

    public var scheme: Scheme
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    /// Whether the connection uses TLS.
    public var usesTLS: Bool { scheme == .mqtts }

    /// A URL from its parts.
    public init(scheme: Scheme = .mqtt, host: String, port: Int? = nil, username: String? = nil, password: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? scheme.defaultPort
        self.username = username
        self.password = password
    }

    /// Parses `mqtt://[user[:pass]@]host[:port][/]` or `mqtts://...`; IPv6 hosts go in brackets.
    /// - Throws: `MQTTError` with code `.invalidURL` naming what is wrong.
    public init(parsing text: String) throws(MQTTError) {
        func fail(_ why: String) -> MQTTError { MQTTError(.invalidURL, "broker URL '\(Self.redacted(text))': \(why)") }
        guard let sep = Self.schemeSeparator(text) else {
            throw fail("expected mqtt://host:port or mqtts://host:port")
        }
        let schemeText = text[..<sep.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw fail("unsupported scheme '\(schemeText)' (use mqtt or mqtts)")
        }
        var rest = Substring(text[sep.upperBound...])
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[slash...]
            guard path == "/" else { throw fail("unexpected path '\(path)'") }
            rest = rest[..<slash]
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.percentDecoded(userInfo[..<colon], fail)
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], fail)
            } else {
                username = try Self.percentDecoded(userInfo, fail)
            }
            if username?.isEmpty == true { throw fail("empty user name before '@'") }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("missing ']' after IPv6 address") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected '\(after)' after IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw fail("missing host") }
        guard !host.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) else { throw fail("invalid host '\(host)'") }
        var port = scheme.defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw fail("port '\(portText)' is not a number between 1 and 65535")
            }
            port = p
        }
        self.init(scheme: scheme, host: String(host), port: port, username: username, password: password)
    }

    /// Parses broker URLs given as several values, each possibly a comma-separated list
    /// (`mqtt://a:1883,mqtt://b:1883`); empty items are skipped. Percent-encode a comma inside a password.
    /// - Throws: `MQTTError` `.invalidURL` for a bad URL or when no URL is given.
    public static func parseList(_ values: [String]) throws(MQTTError) -> [MQTTBrokerURL] {
        var urls: [MQTTBrokerURL] = []
        for value in values {
            for item in value.split(separator: ",") {
                let text = item.trimmingASCIIWhitespace()
                if !text.isEmpty { urls.append(try MQTTBrokerURL(parsing: String(text))) }
            }
        }
        guard !urls.isEmpty else { throw MQTTError(.invalidURL, "no broker URL given") }
        return urls
    }

    public var description: String {
        var user = ""
        if let username { user = password == nil ? "\(username)@" : "\(username):***@" }
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(user)\(h):\(port)"
    }

    private static func redacted(_ text: String) -> String {
        // Hide a password in error messages: scheme://user:SECRET@host -> scheme://user:***@host
        guard let sep = schemeSeparator(text), let at = text.lastIndex(of: "@"), at > sep.upperBound else { return text }
        let info = text[sep.upperBound..<at]
        guard let colon = info.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    private static func schemeSeparator(_ text: String) -> Range<String.Index>? {
        var i = text.startIndex
        while i < text.endIndex {
            if text[i...].hasPrefix("://") { return i..<text.index(i, offsetBy: 3) }
            i = text.index(after: i)
        }
        return nil
    }

    private static func percentDecoded(_ s: Substring, _ fail: (String) -> MQTTError) throws(MQTTError) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else {
                    throw fail("bad percent-escape in user info")
                }
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
