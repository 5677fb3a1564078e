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

/// How an `MQTTClient` connects.
public struct MQTTClientConfiguration: Sendable {
    public var host: String
    public var port: Int
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
}
