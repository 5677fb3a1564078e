internal import CMosquitto
public import HollowCore
public import Logging
import Synchronization

/// libmosquitto is initialised once per process, on first use.
private let libraryInitialised: Int32 = mosquitto_lib_init()

/// A small MQTT client over libmosquitto.
///
/// The connection runs on the client's own network thread (`MQTTNetworkLoop`, over `mosquitto_loop`): it
/// reconnects with exponential backoff, fails over between the endpoints of a cluster or failover pair
/// (`MQTTClientConfiguration.failoverEndpoints`), and the client subscribes again to every subscription after
/// each reconnect (clean sessions: retained messages are delivered again). Publishing at QoS 1 awaits the
/// broker's PUBACK. With `MQTTClientConfiguration.cleanSession` false the session is persistent: the broker
/// queues QoS 1 messages for the client's subscriptions while it is away and delivers them after it reconnects
/// (subscribe before `start()`, so the handler is there when they arrive).
///
/// Limit: libmosquitto 2.0 waits with `pselect`, so a client whose socket gets a file descriptor >= 1024
/// (FD_SETSIZE) stops working; one process can therefore hold about 300 clients (3 descriptors each), and a
/// process with over 1,000 open files should create its client early.
///
/// ```swift
/// let client = try MQTTClient(configuration: .init(url: try MQTTBrokerURL(parsing: "mqtt://127.0.0.1:1883"), clientID: "c1"))
/// try client.start()
/// try await client.waitUntilConnected(timeout: .seconds(5))
/// try await client.publish(topic: "hollow/ns/pin", payload: Array("42".utf8), retain: true, timeout: .seconds(5))
/// await client.shutdown()
/// ```
public final class MQTTClient: Sendable {
    /// The configuration the client was made with (the will may have been set later with `setWill`).
    public let configuration: MQTTClientConfiguration
    /// The client id.
    public var clientID: String { configuration.clientID }

    // The libmosquitto handle. Publish, subscribe, unsubscribe and disconnect are the only calls made from other
    // threads; the handle is in threaded mode (`mosquitto_threaded_set`), so they only queue the packet and wake the
    // network thread, which alone reads, writes and closes the socket (and its TLS session). Setup calls happen
    // before the network thread starts, destruction after it ends.
    private nonisolated(unsafe) let handle: OpaquePointer
    private let bridge: MQTTCallbackBridge
    private let loop: MQTTNetworkLoop
    private let lifecycle = Mutex(Lifecycle.created)
    private let logger: Logger

    private enum Lifecycle { case created, started, stopped }

    /// Creates the client without connecting; call `start()`.
    /// - Throws: `MQTTError` `.invalidConfiguration` when libmosquitto rejects a setting (e.g. unreadable TLS files).
    public init(configuration: MQTTClientConfiguration, logger: Logger = .hollowDisabled) throws(MQTTError) {
        precondition(libraryInitialised == MOSQ_ERR_SUCCESS.rawValue, "mosquitto_lib_init failed")
        self.configuration = configuration
        self.logger = logger
        let bridge = MQTTCallbackBridge(clientID: configuration.clientID, logger: logger)
        let userdata = Unmanaged.passRetained(bridge).toOpaque()
        guard let handle = mosquitto_new(configuration.clientID, configuration.cleanSession, userdata) else {
            Unmanaged<MQTTCallbackBridge>.fromOpaque(userdata).release()
            throw MQTTError(.invalidConfiguration, "mosquitto_new failed for client id '\(configuration.clientID)'")
        }
        self.handle = handle
        self.bridge = bridge
        self.loop = MQTTNetworkLoop(handle: handle, bridge: bridge, configuration: configuration, logger: logger)
        // Every stored property is set: if configure() throws, deinit destroys the handle and releases the bridge.
        try configure()
    }

    private func configure() throws(MQTTError) {
        let c = configuration
        func check(_ rc: Int32, _ what: String) throws(MQTTError) {
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw MQTTError(.invalidConfiguration, "\(what): \(String(cString: mosquitto_strerror(rc)))")
            }
        }
        let version = c.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        bridge.state.withLock { $0.usesV5 = c.protocolVersion == .v5 }
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(version)), "protocol version")
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY")
        // Without this, libmosquitto writes a packet queued from another thread on that thread, concurrently with
        // the network thread's reads, and after writing a DISCONNECT it closes the socket and frees the TLS session
        // there: with TLS, the network thread then reads from a freed SSL object (a crash seen in CI).
        try check(mosquitto_threaded_set(handle, true), "threaded mode")
        guard c.keepAliveSeconds >= 5 else {
            throw MQTTError(.invalidConfiguration, "keep-alive must be at least 5 seconds")
        }
        guard c.connectTimeout > .zero else { throw MQTTError(.invalidConfiguration, "connect timeout must be positive") }
        guard c.reconnectDelayMin >= 1, c.reconnectDelayMax >= c.reconnectDelayMin else {
            throw MQTTError(.invalidConfiguration, "reconnect delays must satisfy 1 <= min <= max (seconds)")
        }
        try check(
            mosquitto_reconnect_delay_set(handle, UInt32(c.reconnectDelayMin), UInt32(c.reconnectDelayMax), true),
            "reconnect delay")
        if c.username != nil || c.password != nil {
            try check(mosquitto_username_pw_set(handle, c.username, c.password), "username/password")
        }
        if let tls = c.tls {
            if tls.caFile == nil {
                try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "TLS system trust store")
            }
            let rc = mosquitto_tls_set(handle, tls.caFile, nil, tls.certificateFile, tls.keyFile, nil)
            try check(rc, "TLS files (CA \(tls.caFile ?? "system"), certificate \(tls.certificateFile ?? "none"))")
            if tls.allowInsecureHostname { try check(mosquitto_tls_insecure_set(handle, true), "TLS insecure") }
        }
        if let will = c.will { try setWillLocked(will) }

        mosquitto_connect_callback_set(handle) { mosq, userdata, rc in
            MQTTCallbackBridge.from(userdata).didConnect(mosq, rc: rc)
        }
        mosquitto_disconnect_callback_set(handle) { _, userdata, rc in
            MQTTCallbackBridge.from(userdata).didDisconnect(rc: rc)
        }
        mosquitto_publish_v5_callback_set(handle) { _, userdata, mid, reasonCode, _ in
            MQTTCallbackBridge.from(userdata).didPublish(mid: mid, reasonCode: reasonCode)
        }
        mosquitto_unsubscribe_callback_set(handle) { _, userdata, mid in
            MQTTCallbackBridge.from(userdata).didUnsubscribe(mid: mid)
        }
        mosquitto_subscribe_callback_set(handle) { _, userdata, mid, count, granted in
            let codes = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            MQTTCallbackBridge.from(userdata).didSubscribe(mid: mid, granted: codes)
        }
        mosquitto_message_callback_set(handle) { _, userdata, msg in
            guard let m = msg?.pointee, let topicPointer = m.topic else { return }
            // Copy now: libmosquitto frees topic and payload when the callback returns.
            let topic = String(cString: topicPointer)
            let payload: [UInt8] =
                if let p = m.payload, m.payloadlen > 0 {
                    Array(UnsafeRawBufferPointer(start: p, count: Int(m.payloadlen)))
                } else { [] }
            let message = MQTTMessage(
                topic: topic, payload: payload, qos: MQTTQoS(rawValue: m.qos) ?? .atMostOnce, retain: m.retain)
            MQTTCallbackBridge.from(userdata).didReceive(message)
        }
    }

    private func setWillLocked(_ will: MQTTMessage) throws(MQTTError) {
        let rc = will.payload.withUnsafeBytes { p in
            mosquitto_will_set(handle, will.topic, Int32(p.count), p.baseAddress, will.qos.rawValue, will.retain)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(.invalidConfiguration, "last will on '\(will.topic)': \(String(cString: mosquitto_strerror(rc)))")
        }
    }

    /// Sets the last will (the message the broker publishes if this client vanishes). Only before `start()`.
    /// - Throws: `MQTTError` `.invalidConfiguration` after `start()`, or for an invalid topic.
    public func setWill(_ will: MQTTMessage) throws(MQTTError) {
        try lifecycle.withLock { (l: inout Lifecycle) throws(MQTTError) in
            guard l == .created else {
                throw MQTTError(.invalidConfiguration, "the last will must be set before the client starts")
            }
            try setWillLocked(will)
        }
    }

    deinit {
        let state = lifecycle.withLock { $0 }
        nonisolated(unsafe) let handle = self.handle  // destroyed once, after the network thread is done with it
        let bridge = self.bridge
        let release: @Sendable () -> Void = {
            mosquitto_destroy(handle)
            bridge.close()
            Unmanaged.passUnretained(bridge).release()  // the +1 taken in init for libmosquitto's userdata
        }
        if state == .started {
            // Released without shutdown(): the network thread may still be in mosquitto_loop (up to a second).
            // It destroys the handle itself when it ends, so this deinit, perhaps on a cooperative-pool thread,
            // never blocks waiting for it.
            loop.requestStop()
            mosquitto_disconnect(handle)
            loop.whenFinished(release)
        } else {
            release()
        }
    }

    /// Starts connecting in the background (the client's network thread); idempotent. If no broker is reachable
    /// yet the client keeps retrying with backoff. Use `waitUntilConnected(timeout:)` to wait for the connection.
    /// - Throws: `MQTTError` `.shutDown` after `shutdown()`, `.libraryError` if the thread cannot start.
    public func start() throws(MQTTError) {
        try lifecycle.withLock { (l: inout Lifecycle) throws(MQTTError) in
            switch l {
            case .started: return
            case .stopped: throw MQTTError(.shutDown, "client '\(clientID)' was shut down")
            case .created: break
            }
            try loop.start()
            l = .started
        }
    }

    /// Whether the client is connected right now.
    public var isConnected: Bool { bridge.state.withLock { $0.connected } }

    /// The broker the client is connected to, or nil while it is not connected.
    public var connectedEndpoint: MQTTEndpoint? {
        isConnected ? loop.currentEndpoint.withLock { $0 } : nil
    }

    /// Waits until the client is connected (starting it if needed).
    /// - Throws: `MQTTError` `.timeout` if not connected within `timeout`; `.connectionRefused` at once when the
    ///   broker refuses the client (bad credentials).
    public func waitUntilConnected(timeout: Duration) async throws {
        try start()
        let brokers = configuration.endpoints.map(\.description).joined(separator: ", ")
        let what = "could not connect to \(brokers) within \(timeout) (is the broker running and reachable?)"
        try await withDeadline(timeout, what) { [bridge] in
            try await bridge.awaitConnected()
        }
    }

    /// Publishes `payload` to `topic`. At QoS 1 and 2, waits for the broker's acknowledgement.
    ///
    /// If the ack does not arrive in time the call throws, but libmosquitto still holds the message and
    /// resends it after a reconnect (at-least-once).
    /// - Throws: `MQTTError` `.notConnected`, `.timeout` (no ack within `timeout`), `.refused` (MQTT 5 reason code).
    public func publish(
        topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false, timeout: Duration
    ) async throws {
        let mid = try send(topic: topic, payload: payload, qos: qos, retain: retain, tracked: true)
        guard qos != .atMostOnce else { return }
        do {
            try await withDeadline(timeout, "no acknowledgement of the publish to '\(topic)' within \(timeout)") { [bridge] in
                try await bridge.awaitAck(mid: mid)
            }
        } catch {
            bridge.abandonAck(mid: mid)
            throw error
        }
    }

    /// Publishes without waiting for an acknowledgement (libmosquitto still retries QoS 1 across reconnects).
    /// - Throws: `MQTTError` when libmosquitto refuses the message (not connected, payload too large, ...).
    public func publishWithoutWaiting(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) throws(MQTTError) {
        _ = try send(topic: topic, payload: payload, qos: qos, retain: retain, tracked: false)
    }

    private func send(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, tracked: Bool) throws(MQTTError) -> Int32 {
        guard lifecycle.withLock({ $0 }) == .started else {
            throw MQTTError(.notConnected, "client '\(clientID)' is not started")
        }
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { p in
            mosquitto_publish(handle, &mid, topic, Int32(p.count), p.baseAddress, qos.rawValue, retain)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            let code: MQTTError.Code = rc == MOSQ_ERR_NO_CONN.rawValue ? .notConnected : .libraryError
            throw MQTTError(code, "publish to '\(topic)' failed: \(Self.errorString(rc))")
        }
        if !tracked || qos == .atMostOnce { bridge.abandonAck(mid: mid) }  // nobody waits: drop the ack
        return mid
    }

    /// Subscribes to `filters` (wildcards allowed) and calls `handler` for every message, on libmosquitto's
    /// network thread: the handler must return quickly and never block. Retained messages arrive first.
    /// The subscription is renewed after every reconnect. Returns a token for `unsubscribe(_:)`.
    @discardableResult
    public func subscribe(_ filters: [String], qos: MQTTQoS = .atLeastOnce, handler: @escaping @Sendable (MQTTMessage) -> Void) -> MQTTSubscriptionToken {
        let (id, connected) = bridge.state.withLock { s in
            let id = s.makeID()
            s.subscriptions[id] = .init(filters: filters, qos: qos, handler: handler)
            return (id, s.connected)
        }
        if connected {
            for f in filters { _ = mosquitto_subscribe(handle, nil, f, qos.rawValue) }
        }
        return MQTTSubscriptionToken(id: id, filters: filters)
    }

    /// Subscribes to `filters` and delivers the messages as an async sequence (unbounded buffer, in order).
    /// Ending the iteration (or dropping the stream) removes the subscription.
    public func messages(_ filters: [String], qos: MQTTQoS = .atLeastOnce) -> AsyncStream<MQTTMessage> {
        let (stream, continuation) = AsyncStream<MQTTMessage>.makeStream(bufferingPolicy: .unbounded)
        let token = subscribe(filters, qos: qos) { continuation.yield($0) }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(token) }
        return stream
    }

    /// Ends a subscription (and unsubscribes at the broker from filters no other subscription uses).
    public func unsubscribe(_ token: MQTTSubscriptionToken) {
        let (stillUsed, connected) = bridge.state.withLock { s in
            s.subscriptions[token.id] = nil
            return (Set(s.subscriptions.values.flatMap(\.filters)), s.connected)
        }
        guard connected, lifecycle.withLock({ $0 }) == .started else { return }
        for f in token.filters where !stillUsed.contains(f) { _ = mosquitto_unsubscribe(handle, nil, f) }
    }

    /// Calls `callback` (on libmosquitto's thread) once the broker has sent every retained message of the
    /// subscriptions made so far: it sends an UNSUBSCRIBE of an unused topic, whose UNSUBACK the broker queues
    /// after those messages. Call it only from an `onConnect` handler (the network thread), so the UNSUBACK
    /// cannot arrive before the callback is registered.
    func afterRetainedMessages(_ callback: @escaping @Sendable () -> Void) {
        var mid: Int32 = 0
        let rc = mosquitto_unsubscribe(handle, &mid, "$hollow-sync/\(clientID)")
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { return }
        bridge.state.withLock { $0.syncCallbacks[mid] = callback }
    }

    /// Calls `handler` on libmosquitto's thread after every successful (re)connect, after the subscriptions
    /// were renewed.
    func onConnect(_ handler: @escaping @Sendable () -> Void) {
        bridge.state.withLock { s in
            let id = s.makeID()
            s.connectHandlers[id] = handler
        }
    }

    /// Disconnects cleanly, stops the network thread and fails pending waiters. Idempotent.
    /// A client cannot be restarted after shutdown.
    /// - Parameter publishWill: ask the broker to publish the last will anyway (MQTT 5 reason code 0x04;
    ///   with MQTT 3.1.1 the connection is dropped without DISCONNECT, which has the same effect).
    public func shutdown(publishWill: Bool = false) async {
        let wasStarted = lifecycle.withLock { l in
            defer { l = .stopped }
            return l == .started
        }
        bridge.state.withLock { $0.closed = true }
        if wasStarted {
            loop.requestStop()
            if !publishWill {
                mosquitto_disconnect(handle)
            } else if bridge.state.withLock({ $0.usesV5 }) {
                mosquitto_disconnect_v5(handle, Int32(MQTT_RC_DISCONNECT_WITH_WILL_MSG.rawValue), nil)
            } else {
                // MQTT 3.1.1 has no "disconnect with will": drop the connection without DISCONNECT.
                let fd = mosquitto_socket(handle)
                if fd >= 0 { _ = closeConnection(fd) }
            }
            await loop.join()
        }
        bridge.close()
    }

    static func errorString(_ rc: Int32) -> String {
        if rc == MOSQ_ERR_ERRNO.rawValue, let e = strerrorString() { return e }
        return String(cString: mosquitto_strerror(rc))
    }
}

/// Identifies one subscription of an `MQTTClient`.
public struct MQTTSubscriptionToken: Sendable, Hashable {
    let id: UInt64
    /// The topic filters of the subscription.
    public let filters: [String]
}

/// Runs `operation`, throwing `MQTTError.timeout` with message `what` if it takes longer than `timeout`
/// (the operation is then cancelled).
func withDeadline<T: Sendable>(
    _ timeout: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await HollowCore.withDeadline(timeout, timeoutError: { MQTTError(.timeout, what) }, operation)
}
