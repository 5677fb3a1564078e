/// The MQTT protocol version a client speaks.
public enum MQTTProtocolVersion: Sendable, Hashable {
    /// MQTT 3.1.1: the broker cannot report a refused publish (it acknowledges and drops it).
    case v311
    /// MQTT 5: refused publishes come back as PUBACK reason codes.
    case v5
}

/// Quality of service of a publish or subscription.
public enum MQTTQoS: Int32, Sendable, Hashable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2
}

/// A message to publish or one received from a subscription.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// On receipt: the broker delivered a retained message (typically right after subscribing).
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    /// The payload as UTF-8 text (invalid bytes repaired).
    public var payloadString: String { String(decoding: payload, as: UTF8.self) }
}

/// TLS settings: the CA that signed the broker's certificate, and optionally a client certificate.
public struct MQTTTLSConfiguration: Sendable, Hashable {
    /// PEM file of the certificate authority (nil: the system's trust store).
    public var caFile: String?
    /// PEM client certificate and its key, for brokers that require client certificates.
    public var certificateFile: String?
    public var keyFile: String?
    /// Skips host-name verification (tests only; the chain is still verified).
    public var allowInsecureHostname: Bool

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, allowInsecureHostname: Bool = false) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.allowInsecureHostname = allowInsecureHostname
    }
}

/// One broker address: host and port.
public struct MQTTEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// How an `MQTTClient` connects.
///
/// With `failoverEndpoints` the client connects to `host:port` first; when a connection attempt fails or an
/// established connection is lost it tries the next endpoint at once, cycling through the list (back to the
/// first after the last) and waiting `reconnectDelayMin...Max` only after a whole round failed.
public struct MQTTClientConfiguration: Sendable {
    /// The first broker's host.
    public var host: String
    /// The first broker's port.
    public var port: Int
    /// Further brokers of the same cluster or failover pair, tried in order after `host:port`.
    public var failoverEndpoints: [MQTTEndpoint] = []
    /// Every broker, `host:port` first.
    public var endpoints: [MQTTEndpoint] { [MQTTEndpoint(host: host, port: port)] + failoverEndpoints }
    /// How long one connection attempt (TCP, TLS and CONNACK) may take before the next endpoint is tried.
    public var connectTimeout: Duration = .seconds(5)
    /// The MQTT client id; the broker's ACL may refer to it (`%c`).
    public var clientID: String
    public var username: String?
    public var password: String?
    /// TLS settings; nil for plain TCP.
    public var tls: MQTTTLSConfiguration?
    public var protocolVersion: MQTTProtocolVersion = .v5
    /// Keep-alive interval in seconds (the broker drops a silent client after 1.5 times this).
    public var keepAliveSeconds: Int = 30
    /// Reconnect delays in seconds: first `reconnectDelayMin`, doubling up to `reconnectDelayMax`.
    public var reconnectDelayMin: Int = 1
    public var reconnectDelayMax: Int = 30
    /// The message the broker publishes when this client disappears without disconnecting.
    public var will: MQTTMessage?
    /// `true` (the default): every connection starts a clean session. `false`: a **persistent session** — the
    /// broker keeps the client's subscriptions and queues its QoS 1 messages while it is away, and libmosquitto
    /// resends unacknowledged QoS 1 publishes after a reconnect. Needs a fixed `clientID` (the session's name).
    public var cleanSession: Bool = true
    /// How long the broker keeps a persistent session after the client disconnects (MQTT 5's session expiry
    /// interval, sent in CONNECT; with MQTT 3.1.1 the broker's `persistent_client_expiration` decides).
    /// Ignored with `cleanSession`.
    public var sessionExpiry: Duration = .seconds(7 * 86_400)

    /// A plain-TCP configuration for `host:port`.
    public init(host: String, port: Int, clientID: String) {
        self.host = host
        self.port = port
        self.clientID = clientID
    }

    /// A configuration from a broker URL: credentials from the URL, TLS with the system trust store for `mqtts`
    /// (set `tls.caFile` for a private CA).
    public init(url: MQTTBrokerURL, clientID: String) {
        self.init(host: url.host, port: url.port, clientID: clientID)
        username = url.username
        password = url.password
        if url.usesTLS { tls = MQTTTLSConfiguration() }
    }

    /// A configuration for several brokers (a cluster or a failover pair), tried in the order given.
    /// - Throws: `MQTTError` `.invalidURL` for an empty list, or URLs that mix `mqtt` and `mqtts` or carry
    ///   different credentials (one client has one TLS setting and one login).
    public init(urls: [MQTTBrokerURL], clientID: String) throws(MQTTError) {
        guard let first = urls.first else { throw MQTTError(.invalidURL, "no broker URL given") }
        for url in urls.dropFirst() {
            guard url.scheme == first.scheme else {
                throw MQTTError(.invalidURL, "broker URLs \(first) and \(url) mix mqtt and mqtts; use one scheme for all")
            }
            let credentials = url.username != nil || url.password != nil
            guard !credentials || (url.username == first.username && url.password == first.password) else {
                throw MQTTError(.invalidURL, "broker URL \(url) has other credentials than \(first); give them once, on the first")
            }
        }
        self.init(url: first, clientID: clientID)
        failoverEndpoints = urls.dropFirst().map { MQTTEndpoint(host: $0.host, port: $0.port) }
    }
}
