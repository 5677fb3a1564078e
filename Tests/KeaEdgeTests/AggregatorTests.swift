import HollowCore
import HollowFilesystem
import HollowProducer
import KeaEdge
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A state of `source` at second `second` of 12:00, with one aggregate whose value tells versions apart.
func sampleState(_ source: String, second: Int, value: Int64 = 1) -> MetricsState {
    let s = second < 10 ? "0\(second)" : "\(second)"
    return MetricsState(
        timestamp: "2026-11-22T12:00:\(s)Z", source: source,
        metrics: ["lat": Metric(name: "lat", unit: "time (ns)", buckets: [MetricBucket(lower: 0, upper: 1, count: value)])],
        aggregates: ["pkt4-received": value])
}

@Suite("The central aggregator's windows (MetricsAggregator) and the edge's spool (IntervalSpool)")
struct AggregatorTests {
    private func makeAggregator(_ dir: String, window: Int = 3) async throws -> MetricsAggregator {
        let producer = HollowProducer(publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir))
        return try await MetricsAggregator(producer: producer, window: window, staleAfter: .seconds(30))
    }

    @Test("a redelivered interval changes nothing; a late one within the window is added in order; an older one is dropped")
    func keysAndWindows() async throws {
        let dir = try tempDirectory("aggregator-keys")
        defer { _ = system("rm -rf \(dir)") }
        let aggregator = try await makeAggregator(dir)
        // One instant for every call: staleness (30 s) must not depend on how long a loaded machine takes.
        let t = ContinuousClock.now
        #expect(await aggregator.receive(sampleState("b", second: 1), at: t) == .added)
        #expect(await aggregator.receive(sampleState("a", second: 3), at: t) == .added)
        #expect(await aggregator.receive(sampleState("a", second: 5), at: t) == .added)
        let v1 = try await aggregator.publish(at: t)
        #expect(await aggregator.receive(sampleState("a", second: 5), at: t) == .duplicate)
        #expect(await aggregator.needsCycle(at: t) == false)
        #expect(try await aggregator.publish(at: t) == v1, "a redelivery must not publish a new version")
        #expect(await aggregator.receive(sampleState("a", second: 4), at: t) == .added, "late, within the window")
        #expect(await aggregator.receive(sampleState("a", second: 6), at: t) == .added)  // window 3: second 3 leaves
        #expect(await aggregator.receive(sampleState("a", second: 2), at: t) == .tooLate)
        #expect(await aggregator.receive(sampleState("a", second: 6, value: 9), at: t) == .replaced)
        let v2 = try await aggregator.publish(at: t)
        #expect(v2 > v1)
        let state = try #require(try await loadStore(dir))
        let held = try MetricsState.all(in: state)
        #expect(held.filter { $0.source == "a" }.map(\.timestamp) == ["2026-11-22T12:00:04Z", "2026-11-22T12:00:05Z", "2026-11-22T12:00:06Z"])
        #expect(held.first { $0.source == "a" && $0.timestamp.hasSuffix("06Z") }?.aggregates["pkt4-received"] == 9)
        #expect(held.filter { $0.source == "b" }.count == 1)
        let sources = try HollowObjectMapper().readAll(HollowMetricsSource.self, from: state).sorted { $0.source < $1.source }
        #expect(sources == [
            HollowMetricsSource(source: "a", lastTimestamp: "2026-11-22T12:00:06Z", intervals: 3, stale: false),
            HollowMetricsSource(source: "b", lastTimestamp: "2026-11-22T12:00:01Z", intervals: 1, stale: false),
        ])
    }

    @Test("a silent source is marked stale after staleAfter, and fresh again when it sends; a restore keeps both")
    func staleSources() async throws {
        let dir = try tempDirectory("aggregator-stale")
        defer { _ = system("rm -rf \(dir)") }
        let aggregator = try await makeAggregator(dir)
        let t0 = ContinuousClock.now
        _ = await aggregator.receive(sampleState("a", second: 1), at: t0)
        _ = await aggregator.receive(sampleState("b", second: 1), at: t0 + .seconds(20))
        try await aggregator.publish(at: t0 + .seconds(20))
        #expect(await aggregator.needsCycle(at: t0 + .seconds(29)) == false)
        #expect(await aggregator.needsCycle(at: t0 + .seconds(31)) == true, "a goes stale")
        try await aggregator.publish(at: t0 + .seconds(31))
        #expect(await aggregator.sources(at: t0 + .seconds(31)).map(\.stale) == [true, false])

        // A restarted aggregator restores the windows and the stale mark.
        let restarted = try await makeAggregator(dir)
        let version = try #require(try FilesystemStoreLocation(path: dir).announcedVersion())
        #expect(try await restarted.restore(version: version, retriever: try FilesystemStoreLocation(path: dir).retriever()) == 2)
        #expect(await restarted.sources().map(\.stale) == [true, false])
        #expect(await restarted.receive(sampleState("a", second: 2)) == .added)
        #expect(await restarted.sources().map(\.stale) == [false, false])
        let v = try await restarted.publish()
        #expect(v > version)
        let held = try MetricsState.all(in: try #require(try await loadStore(dir)))
        #expect(held.count == 3)
    }

    @Test("the aggregator's journal replays what it holds, keeps what came after a discard, and drops a torn record")
    func journal() throws {
        let dir = try tempDirectory("journal")
        defer { _ = system("rm -rf \(dir)") }
        let path = dir + "/aggregate.journal"
        let first = try AggregatorJournal(path: path)
        #expect(first.recovered.isEmpty)
        let a = try first.append(topic: "hollow/m/sources/a", payload: Array("one".utf8))
        let b = try first.append(topic: "hollow/m/sources/b", payload: [])
        let c = try first.append(topic: "hollow/m/sources/a", payload: Array("three".utf8))
        #expect(a < b && b < c && c == first.position)
        // A published cycle held a and b: only c stays, and positions keep growing across the discard.
        try first.discard(through: b)
        #expect(first.fileSize == c - b)
        let d = try first.append(topic: "hollow/m/sources/c", payload: Array("four".utf8))
        #expect(d > c)
        let reopened = try AggregatorJournal(path: path)
        #expect(reopened.recovered == [
            .init(topic: "hollow/m/sources/a", payload: Array("three".utf8)),
            .init(topic: "hollow/m/sources/c", payload: Array("four".utf8)),
        ])
        // Discarding everything empties the file.
        try reopened.discard(through: reopened.position)
        #expect(reopened.fileSize == 0)
        #expect(try AggregatorJournal(path: path).recovered.isEmpty)

        // A crash inside a write leaves a record cut short: it is dropped, the ones before it stay.
        let torn = try AggregatorJournal(path: path)
        try torn.append(topic: "t", payload: Array("whole".utf8))
        let fd = open(path, O_WRONLY | O_APPEND)
        let partial: [UInt8] = [1, 0, 0, 0, 9, 0, 0, 0, UInt8(ascii: "t"), UInt8(ascii: "x")]
        _ = partial.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let recovered = try AggregatorJournal(path: path)
        #expect(recovered.recovered == [.init(topic: "t", payload: Array("whole".utf8))])
        #expect(recovered.fileSize == 8 + 1 + 5)

        // A file that is not a journal is refused with the offset, and left as it is.
        try SystemSupport.writeText(path, String(repeating: "\u{7f}", count: 64))
        #expect {
            try AggregatorJournal(path: path)
        } throws: { error in
            "\(error)".contains("offset 0") && "\(error)".contains("not a journal")
        }
        #expect(try SystemSupport.readFile(path).count == 64)
    }

    @Test("the spool is bounded (oldest dropped and counted), survives reopening, and delivers oldest first")
    func spool() async throws {
        let dir = try tempDirectory("spool")
        defer { _ = system("rm -rf \(dir)") }
        let spool = try IntervalSpool(directory: dir, capacity: 3, metricsSource: "a")
        for second in 1...5 { try spool.append(sampleState("a", second: second)) }
        #expect(spool.count == 3)
        #expect(spool.droppedTotal == 2)
        let reopened = try IntervalSpool(directory: dir, capacity: 3, metricsSource: "a")
        #expect(reopened.count == 3)
        #expect(reopened.droppedTotal == 2)
        #expect(reopened.oldest()?.state == sampleState("a", second: 3))

        let transport = RecordingTransport(failAfter: 1)
        var report = await reopened.deliverPending(through: transport)
        #expect(report.delivered == 1)
        #expect(report.failure != nil)
        #expect(reopened.count == 2, "the failed interval stays first in the spool")
        transport.failAfter = nil
        report = await reopened.deliverPending(through: transport)
        #expect(report.delivered == 2)
        #expect(report.failure == nil)
        #expect(reopened.count == 0)
        #expect(transport.delivered.map(\.state.timestamp) == (3...5).map { "2026-11-22T12:00:0\($0)Z" })
        #expect(transport.delivered.first?.payload == Array(sampleState("a", second: 3).jsonValue.serialized().utf8))

        try reopened.append(sampleState("a", second: 7))
        transport.reject = true
        report = await reopened.deliverPending(through: transport)
        #expect(report.rejected == 1, "a refused interval is dropped, not retried forever")
        #expect(reopened.count == 0)
    }
}

/// Records deliveries; fails (transiently) after `failAfter` of them, or rejects every interval.
final class RecordingTransport: IntervalTransport, @unchecked Sendable {
    // Test-only: used from one task at a time.
    var failAfter: Int?
    var reject = false
    var delivered: [SpooledInterval] = []
    init(failAfter: Int?) { self.failAfter = failAfter }

    func deliver(_ interval: SpooledInterval) async throws {
        if reject { throw IntervalRejected("not authorised") }
        if let failAfter, delivered.count >= failAfter { throw TransportDown() }
        delivered.append(interval)
    }
    struct TransportDown: Error {}
}

/// A fresh temp directory.
func tempDirectory(_ name: String) throws -> String {
    let dir = "/tmp/kea-edge-\(name)-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    _ = system("rm -rf \(dir)")
    try SystemSupport.makeDirectories(dir)
    return dir
}
