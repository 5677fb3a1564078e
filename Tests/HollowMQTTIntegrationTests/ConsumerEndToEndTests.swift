import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowMQTT
import HollowTestSupport
import Testing

/// The Java fixture store with versions 1, 2, 3 (Tests/HollowCoreTests/Fixtures/java-hollow/metrics).
let metricsStore = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("HollowCoreTests/Fixtures/java-hollow/metrics").path

@Suite("A real HollowConsumer driven over MQTT", .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)), .timeLimit(.minutes(3)))
struct ConsumerEndToEndTests {
    @Test func announcePinToAMissingVersionAndUnpin() async throws {
        try await MosquittoBroker.with { broker in
            // The wiring `hollow watch` uses: one client, a status reporter (sets the will), a watcher, a consumer.
            let client = try MQTTClient(configuration: testConfiguration(broker, id: "consumer"))
            let status = try MQTTConsumerStatusReporter(client: client, namespace: "metrics")
            let watcher = try MQTTAnnouncementWatcher(client: client, namespace: "metrics")
            let consumer = HollowConsumer(
                blobRetriever: try FilesystemBlobRetriever(path: metricsStore), announcementWatcher: watcher,
                refreshListeners: [status])

            let observer = try MQTTClient(configuration: testConfiguration(broker, id: "observer"))
            let statuses = StatusRecorder(client: observer, topic: status.topic)
            try await observer.waitUntilConnected(timeout: .seconds(5))
            func nextStatus(where match: @escaping @Sendable (MQTTConsumerStatus) -> Bool) async throws -> MQTTConsumerStatus {
                try await statuses.waitFor(match)
            }

            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/metrics/announced", "-m", "2"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await consumer.run() }
                group.addTask { try await watcher.run() }

                var s = try await nextStatus { $0.version == 2 }
                #expect(consumer.currentVersion == 2 && s.pinned == false && s.lastError == nil)

                // A pin to a version the store does not have: the consumer stays, the error shows in its status.
                try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/metrics/pin", "-m", "99"])
                s = try await nextStatus { $0.requestedVersion == 99 && $0.lastError != nil }
                #expect(s.version == 2 && consumer.currentVersion == 2)

                // Corrected to an older version that exists: pinned backwards.
                try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/metrics/pin", "-m", #"{"version":1,"reason":"rollback"}"#])
                s = try await nextStatus { $0.version == 1 }
                #expect(s.pinned == true && s.lastError == nil && consumer.isPinned)

                // Unpin, then a new announcement: back to following the producer.
                try await broker.mosquittoPub(["-r", "-n", "-t", "hollow/metrics/pin"])
                _ = try await nextStatus { $0.version == 2 && $0.pinned == false }
                try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/metrics/announced", "-m", "3"])
                s = try await nextStatus { $0.version == 3 }
                #expect(consumer.currentVersion == 3 && !consumer.isPinned && s.lastRefreshDurationMs != nil)
                group.cancelAll()
            }
            await status.shutdown()
            do {
                let s = try await nextStatus { !$0.online }
                #expect(s.version == 3)
            }
            await client.shutdown()
            await observer.shutdown()
        }
    }
}
