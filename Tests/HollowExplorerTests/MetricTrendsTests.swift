import Foundation
import HollowCore
import HollowExplorer
import HollowFilesystem
import Hummingbird
import HummingbirdTesting
import KeaEdge
import Logging
import Testing

/// A kea-edge store written the way `kea-edge run` writes one: each cycle publishes the rolling window
/// (`sources` × the last `window` intervals) through KeaEdge's Hollow sink into a filesystem store.
final class KeaEdgeStore: Sendable {
    static let sources = ["dhcp-a", "dhcp-b", "dhcp-c"]
    static let base = 1_795_435_200  // 2026-11-22T12:00:00Z
    let directory: String
    let sink: HollowProducerSink
    let window: Int

    init(window: Int = 6) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("explorer-trends-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.window = window
        sink = try await HollowProducerSink(
            publisher: FilesystemPublisher(path: directory), announcer: FilesystemAnnouncer(path: directory),
            numStatesBetweenSnapshots: 3, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func timestamp(_ i: Int) -> String {
        let m = i % 60, h = 12 + i / 60
        return "2026-11-22T\(h):\(m < 10 ? "0" : "")\(m):00Z"
    }

    /// Interval `i` of source number `s`: latency moves up one bucket every two intervals; counts grow with `i`.
    static func state(_ i: Int, source s: Int) -> MetricsState {
        let shift = Int64(i / 2)
        let latency = Metric(name: "packet_processing_time", unit: "time (ns)", buckets: (0..<4).map { k in
            MetricBucket(lower: 1 << (10 + Int64(k)), upper: (1 << (11 + Int64(k))) - 1, count: Int64(k) == shift % 4 ? 50 + Int64(i) : Int64(s + 1))
        })
        let sizes = Metric(name: "packet_size", unit: "bytes", buckets: [
            MetricBucket(lower: 256, upper: 511, count: Int64(10 * (s + 1))), MetricBucket(lower: 512, upper: 1023, count: Int64(i)),
        ])
        return MetricsState(
            timestamp: timestamp(i), source: sources[s], metrics: ["packet_processing_time": latency, "packet_size": sizes],
            aggregates: ["pkt4-received": Int64(100 * i + s), "leases": Int64(1000 + s)])
    }

    /// Publishes intervals `0..<count` (one cycle each, with the window of the last `window` intervals).
    func publish(intervals range: Range<Int>) async throws {
        for i in range {
            let states = (max(0, i - window + 1)...i).flatMap { j in Self.sources.indices.map { Self.state(j, source: $0) } }
            try await sink.publish(window: states)
        }
    }
}

@Suite("Metric trends: a time series per source over the window, latest histograms, heatmaps, a picker")
struct MetricTrendsTests {
    func series(_ json: [String: Any], metric key: String) -> [String: [[String: Any]]] {
        let m = json.dict("trends").array("metrics").first { $0.string("key") == key } ?? [:]
        var out: [String: [[String: Any]]] = [:]
        for s in m.array("series") { out[s.string("source") ?? ""] = s.array("points") }
        return out
    }

    @Test func seriesPerSourceOverTheWindow() async throws {
        let store = try await KeaEdgeStore()
        try await store.publish(intervals: 0..<8)
        try await Harness.app(Harness.explorer(store.directory)).test(.router) { client in
            let r = try await Harness.get(client, "/api/metrics")
            #expect(r.status == 200)
            let json = r.json
            // The window of the newest version: intervals 2...7, three sources, each its own colour.
            let window = json.dict("window")
            #expect(window.string("first") == KeaEdgeStore.timestamp(2) && window.string("last") == KeaEdgeStore.timestamp(7))
            let colors = window.array("sources").compactMap { $0.string("color") }
            #expect(window.array("sources").compactMap { $0.string("source") } == KeaEdgeStore.sources)
            #expect(Set(colors).count == 3)
            let latency = series(json, metric: "packet_processing_time")
            #expect(latency.keys.sorted() == KeaEdgeStore.sources)
            let b = try #require(latency["dhcp-b"])
            #expect(b.compactMap { $0.string("timestamp") } == (2...7).map(KeaEdgeStore.timestamp))
            // total = the interval's bucket counts: 50 + i in one bucket, s + 1 in the three others.
            #expect(b.compactMap { $0.int("total") } == (2...7).map { 50 + $0 + 3 * 2 })
            let metric = try #require(json.dict("trends").array("metrics").first { $0.string("key") == "packet_processing_time" })
            #expect(metric["latency"] as? Bool == true)
            // The latest histogram of each source is interval 7's.
            #expect(metric.array("latest").compactMap { $0.string("timestamp") } == Array(repeating: KeaEdgeStore.timestamp(7), count: 3))
            // The heatmap sums the sources: interval 7 (shift 3) has 3 × 57 in its top bucket.
            let heat = metric.dict("heatmap")
            #expect(heat.array("buckets").count == 4)
            let top = try #require(heat.array("buckets").last?["counts"] as? [NSNumber])
            #expect(top.map(\.intValue).last == 3 * 57)
            let sizes = try #require(json.dict("trends").array("metrics").first { $0.string("key") == "packet_size" })
            #expect(sizes["latency"] as? Bool == false)
            #expect(sizes["heatmap"] is NSNull)
            let received = try #require(json.dict("trends").array("aggregates").first { $0.string("key") == "pkt4-received" })
            let c = try #require(received.array("series").first { $0.string("source") == "dhcp-c" })
            #expect(c.array("points").compactMap { $0.int("value") } == (2...7).map { 100 * $0 + 2 })
        }
    }

    @Test func pickerSelectsSourcesAndTimeRange() async throws {
        let store = try await KeaEdgeStore()
        try await store.publish(intervals: 0..<8)
        try await Harness.app(Harness.explorer(store.directory)).test(.router) { client in
            let all = try await Harness.get(client, "/api/metrics")
            let colorOfB = all.json.dict("window").array("sources").first { $0.string("source") == "dhcp-b" }?.string("color")

            let one = try await Harness.get(client, "/api/metrics?source=dhcp-b")
            let s = try #require(one.json.dict("trends").array("metrics").first).array("series")
            #expect(s.compactMap { $0.string("source") } == ["dhcp-b"])
            #expect(s.first?.string("color") == colorOfB)  // a source keeps its colour when others are hidden
            #expect(one.json.array("sources").allSatisfy { $0.string("source") == "dhcp-b" })

            let two = try await Harness.get(client, "/api/metrics?source=dhcp-a&source=dhcp-c")
            #expect(series(two.json, metric: "packet_size").keys.sorted() == ["dhcp-a", "dhcp-c"])

            let since = KeaEdgeStore.timestamp(4), until = KeaEdgeStore.timestamp(6)
            let range = try await Harness.get(client, "/api/metrics?since=\(since)&until=\(until)")
            #expect(range.json.dict("trends")["timestamps"] as? [String] == (4...6).map(KeaEdgeStore.timestamp))
            #expect(range.json.dict("selection").string("since") == since)

            let last = try await Harness.get(client, "/api/metrics?last=2&source=dhcp-a")
            #expect(series(last.json, metric: "packet_processing_time")["dhcp-a"]?.compactMap { $0.string("timestamp") }
                == [KeaEdgeStore.timestamp(6), KeaEdgeStore.timestamp(7)])

            let html = try await Harness.get(client, "/metrics?source=dhcp-b&last=3")
            #expect(html.status == 200)
            #expect(html.text.contains("<input type=\"checkbox\" name=\"source\" value=\"dhcp-b\" checked>"))
            #expect(html.text.contains("<input type=\"checkbox\" name=\"source\" value=\"dhcp-a\">"))
            #expect(html.text.contains("class=\"trend\""))
            #expect(html.text.contains("class=\"heatmap\""))
            #expect(html.text.contains("<polyline class=\"series\""))
            #expect(html.text.contains("location.reload"))  // no version= : it follows new versions
        }
    }

    @Test(arguments: [
        ("/api/metrics?since=yesterday", 400, "bad since 'yesterday': expected an ISO 8601 UTC time"),
        ("/api/metrics?until=2026-13-01T00:00:00Z", 400, "bad until '2026-13-01T00:00:00Z'"),
        ("/api/metrics?since=2026-11-22T12:05:00Z&until=2026-11-22T12:01:00Z", 400, "since 2026-11-22T12:05:00Z is after until"),
        ("/api/metrics?last=0", 400, "bad last '0'"),
        ("/api/metrics?source=nope", 404, "no source 'nope' in version"),
        ("/api/metrics?since=2027-01-01", 404, "no interval of dhcp-a, dhcp-b, dhcp-c in version"),
    ])
    func badSelectionsAreClearErrors(uri: String, status: Int, message: String) async throws {
        let store = try await KeaEdgeStore()
        try await store.publish(intervals: 0..<3)
        try await Harness.app(Harness.explorer(store.directory)).test(.router) { client in
            let r = try await Harness.get(client, uri)
            #expect(r.status == status, "\(uri)")
            #expect((r.json.dict("error").string("message") ?? "").contains(message), "\(uri): \(r.text)")
        }
    }

    @Test func followsNewVersions() async throws {
        let store = try await KeaEdgeStore()
        try await store.publish(intervals: 0..<3)
        try await Harness.app(Harness.explorer(store.directory)).test(.router) { client in
            let before = try await Harness.get(client, "/api/metrics")
            #expect(before.json.dict("window").string("last") == KeaEdgeStore.timestamp(2))
            try await store.publish(intervals: 3..<4)
            let status = try await Harness.get(client, "/api/status")
            #expect((status.json.int("currentVersion") ?? 0) > (before.json.int("version") ?? Int.max))
            let after = try await Harness.get(client, "/api/metrics")
            #expect(after.json.dict("window").string("last") == KeaEdgeStore.timestamp(3))
            // A pinned version= does not follow: its page links back to the current one.
            let pinned = try await Harness.get(client, "/metrics?version=\(before.json.int("version") ?? 0)")
            #expect(!pinned.text.contains("location.reload"))
            #expect(pinned.text.contains("href=\"/metrics\">follow the current version"))
        }
    }
}
