/// An error from the MQTT layer: bad configuration or input, a refused or lost connection, a missing acknowledgement.
public struct MQTTError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; more codes may be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration, invalidURL, invalidTopic, invalidPayload
            case connectionFailed, connectionRefused, notConnected, timeout, refused, shutDown, libraryError
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A client setting libmosquitto rejects (bad TLS file, protocol version, ...).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A broker URL that cannot be parsed.
        public static let invalidURL = Code(.invalidURL)
        /// A namespace, group, consumer id or prefix that is not a valid topic level.
        public static let invalidTopic = Code(.invalidTopic)
        /// A payload that is neither a decimal version nor JSON with a `version`.
        public static let invalidPayload = Code(.invalidPayload)
        /// The TCP/TLS connection to the broker could not be made.
        public static let connectionFailed = Code(.connectionFailed)
        /// The broker refused the connection (bad credentials, not authorised, ...).
        public static let connectionRefused = Code(.connectionRefused)
        /// The client is not connected to the broker.
        public static let notConnected = Code(.notConnected)
        /// An acknowledgement or connection did not arrive in time.
        public static let timeout = Code(.timeout)
        /// The broker refused a publish (an MQTT 5 PUBACK reason code such as 0x87 not authorised).
        public static let refused = Code(.refused)
        /// The client was shut down.
        public static let shutDown = Code(.shutDown)
        /// Any other libmosquitto error.
        public static let libraryError = Code(.libraryError)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation naming the problem.
    public var message: String

    /// An error of kind `code` explained by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "MQTT \(code): \(message)" }
}
