import Logging
import Synchronization
import Testing

@testable import HollowMQTT

/// The callback state machine without C or a broker: acks that beat `mosquitto_publish`'s return, refusals,
/// abandoned waits, shutdown.
@Suite("Callback bridge state machine (no broker)")
struct CallbackBridgeTests {
    let bridge = MQTTCallbackBridge(clientID: "test", logger: Logger(label: "test"))

    @Test func ackBeforeTheWaiterRegisters() async throws {
        bridge.didPublish(mid: 5, reasonCode: 0)
        try await bridge.awaitAck(mid: 5)
        #expect(bridge.state.withLock { $0.acks.isEmpty })
    }

    @Test func ackAfterTheWaiterRegisters() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await bridge.awaitAck(mid: 6) }
            while !bridge.state.withLock({ if case .waiting = $0.acks[6] { true } else { false } }) { await Task.yield() }
            bridge.didPublish(mid: 6, reasonCode: 0)
            try await group.waitForAll()
        }
        #expect(bridge.state.withLock { $0.acks.isEmpty })
    }

    @Test func refusedPublishThrows() async {
        bridge.didPublish(mid: 7, reasonCode: 0x87)
        await #expect(throws: MQTTError.self) { try await bridge.awaitAck(mid: 7) }
    }

    @Test func abandonedAckIsDroppedWhenItArrives() {
        bridge.abandonAck(mid: 8)  // QoS 0 or timed out: nobody waits
        bridge.didPublish(mid: 8, reasonCode: 0)
        bridge.didPublish(mid: 9, reasonCode: 0)  // early ack, then abandoned
        bridge.abandonAck(mid: 9)
        #expect(bridge.state.withLock { $0.acks.isEmpty })
    }

    @Test func cancelledWaitThrowsAndLeavesNoWaiter() async {
        let task = Task { [bridge] in try await bridge.awaitAck(mid: 10) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        bridge.didPublish(mid: 10, reasonCode: 0)
        #expect(bridge.state.withLock { $0.acks.isEmpty })
    }

    @Test func closeFailsWaiters() async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [bridge] in (try? await bridge.awaitConnected()) == nil }
            while bridge.state.withLock({ $0.connectWaiters.isEmpty }) { await Task.yield() }
            bridge.close()
            #expect(await group.next() == true)
        }
        await #expect(throws: MQTTError.self) { try await bridge.awaitAck(mid: 11) }
    }
}
