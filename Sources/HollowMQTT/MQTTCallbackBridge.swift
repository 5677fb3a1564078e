internal import CMosquitto
import Logging
import Synchronization

/// The receiver of libmosquitto's callbacks (which run on the client's network thread).
///
/// All mutable state sits in one `Mutex`; every callback computes what to do under the lock and does it
/// (resume continuations, deliver messages, call handlers, subscribe) after releasing it.
/// Passed to libmosquitto as userdata with a +1 retain that `MQTTClient` releases after `mosquitto_destroy`.
final class MQTTCallbackBridge: Sendable {
    typealias MessageHandler = @Sendable (MQTTMessage) -> Void
    typealias ConnectHandler = @Sendable () -> Void

    enum AckSlot {
        /// The ack arrived before the publisher registered (it can beat `mosquitto_publish`'s return).
        case early(reasonCode: Int32)
        case waiting(CheckedContinuation<Void, any Error>)
        /// Nobody waits (QoS 0, or the waiter timed out / was cancelled): drop the ack when it comes.
        case abandoned
    }

    struct Subscription {
        var filters: [String]
        var qos: MQTTQoS
        var handler: MessageHandler
    }

    struct State {
        var connected = false
        var closed = false
        /// Whether the client speaks MQTT 5 (it falls back to 3.1.1 when a broker does not support 5, like NATS).
        var usesV5 = true
        /// The broker refused MQTT 5: the next attempt uses 3.1.1.
        var downgradeRequested = false
        var lastConnectError: MQTTError?
        var connectWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var acks: [Int32: AckSlot] = [:]
        var subscriptions: [UInt64: Subscription] = [:]
        var connectHandlers: [UInt64: ConnectHandler] = [:]
        /// Callbacks waiting for the UNSUBACK of a sync marker (see `MQTTClient.afterRetainedMessages`).
        var syncCallbacks: [Int32: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 0

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }
    }

    let state = Mutex(State())
    let logger: Logger
    let clientID: String

    init(clientID: String, logger: Logger) {
        self.clientID = clientID
        self.logger = logger
    }

    static func from(_ userdata: UnsafeMutableRawPointer?) -> MQTTCallbackBridge {
        Unmanaged<MQTTCallbackBridge>.fromOpaque(userdata!).takeUnretainedValue()
    }

    // MARK: callbacks (network thread)

    func didConnect(_ mosq: OpaquePointer?, rc: Int32) {
        // 1 (MQTT 3.1.1) or 0x84 (MQTT 5): unsupported protocol version. Fall back to 3.1.1 on the next attempt.
        if rc == 1 || rc == Int32(MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION.rawValue) {
            let downgrade = state.withLock { s in
                guard s.usesV5 else { return false }
                s.downgradeRequested = true
                return true
            }
            if downgrade {
                logger.notice("MQTT broker does not support MQTT 5; using 3.1.1", metadata: ["mqtt.client": "\(clientID)"])
                return
            }
        }
        if rc != 0 {
            let reason = String(cString: mosquitto_connack_string(rc))
            let error = MQTTError(.connectionRefused, "broker refused the connection of '\(clientID)': \(reason)")
            let waiters = state.withLock { s in
                s.lastConnectError = error
                let w = Array(s.connectWaiters.values)
                s.connectWaiters.removeAll()
                return w
            }
            logger.warning("MQTT connection refused", metadata: ["mqtt.client": "\(clientID)", "mqtt.reason": "\(reason)"])
            for w in waiters { w.resume(throwing: error) }
            return
        }
        let (waiters, subscriptions, handlers) = state.withLock { s in
            s.connected = true
            s.lastConnectError = nil
            let w = Array(s.connectWaiters.values)
            s.connectWaiters.removeAll()
            return (w, Array(s.subscriptions.values), Array(s.connectHandlers.values))
        }
        logger.debug("MQTT connected", metadata: ["mqtt.client": "\(clientID)"])
        // Clean session: the broker forgot our subscriptions; subscribing again also re-delivers retained messages.
        for sub in subscriptions {
            for filter in sub.filters { _ = mosquitto_subscribe(mosq, nil, filter, sub.qos.rawValue) }
        }
        for w in waiters { w.resume() }
        for h in handlers { h() }
    }

    func didDisconnect(rc: Int32) {
        let (wasClosed, wasConnected) = state.withLock { s in
            defer { s.connected = false }
            return (s.closed, s.connected)
        }
        if rc != 0 && !wasClosed && wasConnected {
            logger.info(
                "MQTT connection lost; reconnecting",
                metadata: ["mqtt.client": "\(clientID)", "mqtt.error": "\(String(cString: mosquitto_strerror(rc)))"])
        }
    }

    /// The network loop gave up on a connection (lost, failed or timed out).
    func markDisconnected() {
        state.withLock { $0.connected = false }
    }

    func didPublish(mid: Int32, reasonCode: Int32) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { s in
            switch s.acks[mid] {
            case nil:
                s.acks[mid] = .early(reasonCode: reasonCode)
                return nil
            case .waiting(let c):
                s.acks[mid] = nil
                return c
            case .abandoned:
                s.acks[mid] = nil
                return nil
            case .early:
                return nil
            }
        }
        if let waiter { Self.resume(waiter, reasonCode: reasonCode) }
    }

    func didReceive(_ message: MQTTMessage) {
        let subs = state.withLock { s in Array(s.subscriptions.values) }
        for sub in subs where sub.filters.contains(where: { Self.matches(filter: $0, topic: message.topic) }) {
            sub.handler(message)
        }
    }

    func didUnsubscribe(mid: Int32) {
        let callback = state.withLock { $0.syncCallbacks.removeValue(forKey: mid) }
        callback?()
    }

    func didSubscribe(mid: Int32, granted: [Int32]) {
        if granted.contains(where: { $0 >= 0x80 }) {
            logger.warning(
                "MQTT broker refused a subscription (check the ACL)",
                metadata: ["mqtt.client": "\(clientID)", "mqtt.granted": "\(granted)"])
        }
    }

    // MARK: waiting (any thread)

    /// Registers the waiter of `mid`, or resumes it at once when the ack already arrived.
    func awaitAck(mid: Int32) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                enum Action { case none, resume(Int32), cancel, closed }
                let action: Action = state.withLock { s in
                    if s.closed { return .closed }
                    switch s.acks[mid] {
                    case .early(let rc):
                        s.acks[mid] = nil
                        return .resume(rc)
                    case .abandoned:
                        return .cancel  // cancelled before we registered; keep the slot to swallow the ack
                    case nil, .waiting:
                        s.acks[mid] = .waiting(c)
                        return .none
                    }
                }
                switch action {
                case .none: break
                case .resume(let rc): Self.resume(c, reasonCode: rc)
                case .cancel: c.resume(throwing: CancellationError())
                case .closed: c.resume(throwing: MQTTError(.shutDown, "client '\(clientID)' was shut down"))
                }
            }
        } onCancel: {
            abandonAck(mid: mid)
        }
    }

    /// Stops waiting for `mid`: a waiter gets `CancellationError`, a later ack is dropped.
    func abandonAck(mid: Int32) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { s in
            switch s.acks[mid] {
            case .waiting(let c):
                s.acks[mid] = .abandoned
                return c
            case .early:
                s.acks[mid] = nil
                return nil
            case nil:
                s.acks[mid] = .abandoned
                return nil
            case .abandoned:
                return nil
            }
        }
        waiter?.resume(throwing: CancellationError())
    }

    /// Returns once connected; fails at once if the broker refused the last attempt.
    func awaitConnected() async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                enum Action { case none, ready, fail(MQTTError) }
                let action: Action = state.withLock { s in
                    if s.closed { return .fail(MQTTError(.shutDown, "client '\(clientID)' was shut down")) }
                    if s.connected { return .ready }
                    if let e = s.lastConnectError { return .fail(e) }
                    if Task.isCancelled { return .fail(MQTTError(.timeout, "cancelled")) }
                    s.connectWaiters[id] = c
                    return .none
                }
                switch action {
                case .none: break
                case .ready: c.resume()
                case .fail(let e): c.resume(throwing: e)
                }
            }
        } onCancel: {
            let c = state.withLock { $0.connectWaiters.removeValue(forKey: id) }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Marks the bridge closed and fails every waiter.
    func close() {
        let (acks, connects) = state.withLock { s in
            s.closed = true
            s.connected = false
            let a = s.acks.values.compactMap { slot -> CheckedContinuation<Void, any Error>? in
                if case .waiting(let c) = slot { return c }
                return nil
            }
            s.acks.removeAll()
            let c = Array(s.connectWaiters.values)
            s.connectWaiters.removeAll()
            s.subscriptions.removeAll()
            s.connectHandlers.removeAll()
            s.syncCallbacks.removeAll()
            return (a, c)
        }
        let error = MQTTError(.shutDown, "client '\(clientID)' was shut down")
        for c in acks { c.resume(throwing: error) }
        for c in connects { c.resume(throwing: error) }
    }

    private static func resume(_ c: CheckedContinuation<Void, any Error>, reasonCode: Int32) {
        if reasonCode >= 0x80 {
            let reason = String(cString: mosquitto_reason_string(reasonCode))
            c.resume(throwing: MQTTError(.refused, "broker refused the publish: \(reason) (0x\(String(reasonCode, radix: 16)))"))
        } else {
            c.resume()
        }
    }

    static func matches(filter: String, topic: String) -> Bool {
        if filter == topic { return true }
        var result = false
        return mosquitto_topic_matches_sub(filter, topic, &result) == MOSQ_ERR_SUCCESS.rawValue && result
    }
}
