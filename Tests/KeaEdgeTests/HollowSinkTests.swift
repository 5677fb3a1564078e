import HollowCore
import KeaEdge
import Logging
import Synchronization
import Testing

/// A Publisher/Announcer that keeps blobs and announcements in memory.
final class MemoryStore: Publisher, Announcer, Sendable {
    let blobs = Mutex<[(name: String, type: BlobType, from: Int64?, to: Int64, bytes: [UInt8])]>([])
    let announced = Mutex<[Int64]>([])
    func publish(_ blob: Blob) async throws {
        let bytes = try await blob.bytes()
        blobs.withLock { $0.append((blob.fileName, blob.type, blob.fromVersion, blob.toVersion, bytes)) }
    }
    func announce(version: Int64) async throws { announced.withLock { $0.append(version) } }
}

/// The records of type `name` in a state's canonical JSON dump.
func records(_ state: ReadState, type name: String) throws -> [JSONValue] {
    let dump = try JSONValue.parse(state.canonicalJSON())
    let type = dump["types"]?.array?.first { $0["name"]?.string == name }
    return type?["records"]?.array ?? []
}

@Suite("Hollow states from the collector's windows")
struct HollowSinkTests {
    @Test("each window becomes one Hollow state with the MetricsState schema; deltas chain; wide bounds saturate")
    func windows() async throws {
        let store = MemoryStore()
        let sink = try await HollowProducerSink(
            publisher: store, announcer: store, numStatesBetweenSnapshots: 5,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        var window = RollingWindow(capacity: 2)
        for i in 0..<4 {
            let wide = Metric(name: "lease_wait", unit: "time (ns)", buckets: [
                MetricBucket(lower: 0, upper: 1, count: Int64(i)),
                MetricBucket(lower: 1 << 40, upper: (1 << 41) - 1, count: 3),
            ])
            window.append(MetricsState(
                timestamp: "2026-11-22T12:00:0\(i)Z", source: "edge", metrics: ["lease_wait": wide],
                aggregates: ["pkt4-received": Int64(10 * i), "huge": 5_000_000_000]
            ))
            try await sink.publish(window: window.states)
        }
        let blobs = store.blobs.withLock { $0 }
        let announced = store.announced.withLock { $0 }
        #expect(announced.count == 4)
        // Snapshot of the first version, then one delta per cycle.
        let snapshot = try #require(blobs.first { $0.type == .snapshot })
        var state = try ReadState.load(snapshot: snapshot.bytes)
        for delta in blobs.filter({ $0.type == .delta }).sorted(by: { $0.to < $1.to }) {
            state = try state.applying(delta: delta.bytes)
        }
        #expect(state.version == announced.last)
        // The schema the seeds' consumers expect.
        guard case .object(let ms) = try #require(state.schema(named: "MetricsState")) else { Issue.record("not an object"); return }
        #expect(ms.primaryKey == ["source", "timestamp"])
        #expect(ms.fields.map(\.name) == ["timestamp", "source", "metrics", "aggregates"])
        #expect(ms.fields.map(\.referencedType) == ["String", "String", "MapOfStringToMetric", "MapOfStringToInteger"])
        guard case .object(let m) = try #require(state.schema(named: "Metric")) else { Issue.record("not an object"); return }
        #expect(m.fields.map(\.name) == ["name", "total", "unit", "buckets"])
        #expect(m.fields.map(\.type) == [.reference, .int, .reference, .reference])
        guard case .object(let b) = try #require(state.schema(named: "MetricBucket")) else { Issue.record("not an object"); return }
        #expect(b.fields.map(\.type) == [.int, .int, .int])
        // The window: the last two intervals only.
        let states = try records(state, type: "MetricsState")
        #expect(states.count == 2)
        // Reading the records back gives the window, saturated.
        let back = try MetricsState.all(in: state)
        #expect(back == window.states.map { $0.saturatedForHollow().state })
        #expect(back.last?.aggregates["huge"] == Int64(Int32.max))
        #expect(back.last?.metrics["lease_wait"]?.buckets[1].upper == Int64(Int32.max))
        // Saturation: 2^40 bounds and 5e9 are stored as Int32.max.
        let dump = state.canonicalJSON()
        #expect(dump.contains("2147483647"))
        #expect(!dump.contains("1099511627776"))
    }
}
