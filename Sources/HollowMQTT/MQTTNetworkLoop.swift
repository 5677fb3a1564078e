internal import CMosquitto
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The network thread of one `MQTTClient`: connects, runs `mosquitto_loop`, and on a failed attempt or a lost
/// connection moves on to the next endpoint (failover), so a client can use a cluster or a failover pair.
///
/// libmosquitto's own thread (`mosquitto_loop_start`) reconnects to the one host it was given; this loop does
/// what it does (backoff, keep-alive, QoS 1 resends through `mosquitto_loop`) and also changes host. It runs on
/// a dedicated pthread, never on the cooperative pool: `mosquitto_loop` blocks in `pselect` for up to
/// a second, woken early by libmosquitto's socket pair whenever another thread publishes or subscribes.
///
/// Policy: an established connection that is lost, or an attempt that fails, moves to the next endpoint at once;
/// after a whole round of failures (or after any failure with a single endpoint) the loop waits the reconnect
/// delay, doubling from `reconnectDelayMin` up to `reconnectDelayMax`. A successful connection resets the delay.
final class MQTTNetworkLoop: Sendable {
    // The libmosquitto handle, owned by the client; only this thread connects, loops, writes and closes it.
    private nonisolated(unsafe) let handle: OpaquePointer
    private let bridge: MQTTCallbackBridge
    private let endpoints: [MQTTEndpoint]
    private let keepAlive: Int32
    /// Persistent session (MQTT 5 needs the session expiry interval in CONNECT), nil for clean sessions.
    private let sessionExpirySeconds: UInt32?
    private let connectTimeout: Duration
    private let delayMin: Duration
    private let delayMax: Duration
    private let logger: Logger
    private let clientID: String
    private let stopRequested = Atomic<Bool>(false)
    private let finished = Mutex<Finished>(Finished())
    private struct Finished {
        var done = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var cleanup: (@Sendable () -> Void)?
    }
    /// The endpoint the client uses (or tries) now.
    let currentEndpoint: Mutex<MQTTEndpoint>

    init(handle: OpaquePointer, bridge: MQTTCallbackBridge, configuration c: MQTTClientConfiguration, logger: Logger) {
        self.handle = handle
        self.bridge = bridge
        self.endpoints = c.endpoints
        self.keepAlive = Int32(c.keepAliveSeconds)
        self.sessionExpirySeconds =
            c.cleanSession ? nil : UInt32(clamping: max(0, c.sessionExpiry.components.seconds))
        self.connectTimeout = c.connectTimeout
        self.delayMin = .seconds(c.reconnectDelayMin)
        self.delayMax = .seconds(c.reconnectDelayMax)
        self.logger = logger
        self.clientID = c.clientID
        self.currentEndpoint = Mutex(c.endpoints[0])
    }

    /// Starts the thread. - Throws: `MQTTError` `.libraryError` if no thread can be created.
    func start() throws(MQTTError) {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<MQTTNetworkLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<MQTTNetworkLoop>.fromOpaque(context).release()
            throw MQTTError(.libraryError, "cannot start the MQTT network thread: errno \(rc)")
        }
        pthread_detach(thread)
    }

    /// Asks the thread to stop (it notices within a second, or at once after a DISCONNECT or a closed socket).
    func requestStop() { stopRequested.store(true, ordering: .releasing) }

    /// Runs `cleanup` once the loop has ended: at once if it has, else on the loop's own thread as it ends. The
    /// client's deinit hands it the handle's destruction, so a deinit never waits for the network thread (it may
    /// run on a cooperative-pool thread).
    func whenFinished(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = finished.withLock { f -> Bool in
            if f.done { return true }
            f.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    /// Waits until the loop has ended.
    func join() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { f in
                if f.done { return true }
                f.waiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    private var shouldStop: Bool { stopRequested.load(ordering: .acquiring) }

    private func run() {
        var index = 0
        var failuresInRound = 0
        var delay = delayMin
        var firstAttempt = true
        while !shouldStop {
            let endpoint = endpoints[index]
            currentEndpoint.withLock { $0 = endpoint }
            if bridge.state.withLock({ s in defer { s.downgradeRequested = false }; return s.downgradeRequested }) {
                _ = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
                bridge.state.withLock { $0.usesV5 = false }
            }
            let rc = connect(to: endpoint)
            var wasConnected = false
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                let deadline = ContinuousClock.now + connectTimeout
                while !shouldStop {
                    let lrc = mosquitto_loop(handle, 1000, 1)
                    if !wasConnected, bridge.state.withLock({ $0.connected }) { wasConnected = true }
                    if lrc != MOSQ_ERR_SUCCESS.rawValue { break }
                    if !wasConnected && ContinuousClock.now > deadline {
                        logger.info(
                            "MQTT broker did not answer in time; trying the next one",
                            metadata: ["mqtt.client": "\(clientID)", "mqtt.broker": "\(endpoint)"])
                        break
                    }
                }
            } else {
                if rc == MOSQ_ERR_EAI.rawValue {
                    // A name that does not resolve: waiters fail at once (it will not fix itself quickly).
                    bridge.state.withLock {
                        $0.lastConnectError = MQTTError(.connectionFailed, "cannot resolve broker host '\(endpoint.host)'")
                    }
                }
                if firstAttempt || endpoints.count > 1 {
                    logger.info(
                        "MQTT broker not reachable; retrying in the background",
                        metadata: [
                            "mqtt.client": "\(clientID)", "mqtt.broker": "\(endpoint)",
                            "mqtt.error": "\(MQTTClient.errorString(rc))",
                        ])
                }
            }
            firstAttempt = false
            if shouldStop { flushAfterStop() }
            bridge.markDisconnected()
            if shouldStop { break }
            if bridge.state.withLock({ $0.downgradeRequested }) { continue }  // same broker again, with MQTT 3.1.1
            if wasConnected {
                delay = delayMin
                failuresInRound = 0
            } else {
                failuresInRound += 1
            }
            index = (index + 1) % endpoints.count
            if endpoints.count > 1 && (wasConnected || failuresInRound < endpoints.count) {
                continue  // fail over to the next broker at once
            }
            failuresInRound = 0
            sleep(delay)
            delay = min(delay * 2, delayMax)
        }
        let (waiters, cleanup) = finished.withLock { f in
            f.done = true
            defer { f.waiters = []; f.cleanup = nil }
            return (f.waiters, f.cleanup)
        }
        for w in waiters { w.resume() }
        cleanup?()
    }

    /// Starts one connection attempt. A persistent session over MQTT 5 must send its session expiry interval in
    /// CONNECT (an MQTT 5 session without one ends at the disconnect), which only `mosquitto_connect_bind_v5`
    /// can do; it opens the TCP connection blocking (this thread is the client's own), the rest is asynchronous.
    private func connect(to endpoint: MQTTEndpoint) -> Int32 {
        guard let expiry = sessionExpirySeconds, bridge.state.withLock({ $0.usesV5 }) else {
            return mosquitto_connect_async(handle, endpoint.host, Int32(endpoint.port), keepAlive)
        }
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), expiry)
        return mosquitto_connect_bind_v5(handle, endpoint.host, Int32(endpoint.port), keepAlive, nil, properties)
    }

    /// After a stop: the DISCONNECT that `shutdown` or `deinit` queued is written by this thread (the handle is in
    /// threaded mode), so keep looping until libmosquitto has sent it and closed the socket (`mosquitto_loop` then
    /// fails), at most two seconds. Nothing to flush without an established connection.
    private func flushAfterStop() {
        guard bridge.state.withLock({ $0.connected }) else { return }
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            if mosquitto_loop(handle, 100, 1) != MOSQ_ERR_SUCCESS.rawValue { break }
        }
    }

    /// Sleeps `duration` in steps of 20 ms, returning early when a stop is requested.
    private func sleep(_ duration: Duration) {
        let end = ContinuousClock.now + duration
        while !shouldStop && ContinuousClock.now < end {
            usleep(20_000)
        }
    }
}
