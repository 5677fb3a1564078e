import HollowCore
import KeaEdge
import Testing

/// The fixtures directory next to this file.
let fixtures: String = {
    let file = #filePath
    return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
}()

@Suite("BCC report import")
struct BCCReportTests {
    @Test("the shared sample gives exactly the expected JSON, byte for byte")
    func sharedSample() throws {
        let text = try SystemSupport.readText(fixtures + "/kea-metrics-bcc.txt")
        let expected = try SystemSupport.readText(fixtures + "/kea-metrics-bcc.expected.json")
        let report = try BCCReport.parse(text)
        let state = report.metricsState(source: "dhcp-edge-1", timestamp: "2026-11-22T12:00:00Z")
        #expect(state.prettyJSON() == expected)
        // Semantically too: decoding the expected file gives the same state.
        #expect(try MetricsState(json: expected) == state)
        #expect(report.sectionsWithoutData == ["error_rates"])
        #expect(state.metrics["packet_processing_time"]?.total == 3617)
        #expect(state.metrics["packet_processing_time"]?.unit == "time (ns)")
        #expect(state.metrics["memory_usage"]?.buckets.count == 22)
        #expect(state.aggregates == ["packet_drop_rate": 1, "cpu_usage": 974, "memory_usage": 7638, "network_traffic": 6695])
        // Stable output: encoding twice, and after a JSON round trip, gives the same bytes.
        #expect(try MetricsState(json: state.prettyJSON()).prettyJSON() == state.prettyJSON())
    }

    /// BCC's wide layout, as `print_log2_hist` prints it when a slot beyond 32 is used.
    static func wideHistogram(slots: [Int64: Int64], label: String) -> String {
        let maxSlot = slots.keys.max()!
        var lines = ["               " + label.padding(29) + " : count     distribution"]
        for i in 1...maxSlot {
            var low: Int64 = i == 63 ? Int64(1) << 62 : (Int64(1) << i) >> 1
            let high: Int64 = i == 63 ? Int64.max : (Int64(1) << i) - 1
            if low == high { low -= 1 }
            let count = slots[i] ?? 0
            let stars = count > 0 ? String(repeating: "*", count: 20) : ""
            lines.append(String(low).leftPadded(20) + " -> " + String(high).padding(20) + " : " + String(count).padding(8) + " |" + stars.padding(20) + "|")
        }
        return lines.joined(separator: "\n")
    }

    @Test("the wide layout keeps bounds beyond 2^31 exact and saturates them for Hollow")
    func wideLayout() throws {
        let text = """
            Metrics Summary:

            Lease Wait:
            \(Self.wideHistogram(slots: [3: 2, 40: 5, 63: 1], label: "time (ns)"))

            Aggregate Counts:
            Lease Wait: 8
            """
        let state = try BCCReport.parse(text).metricsState(source: "s", timestamp: "t")
        let metric = try #require(state.metrics["lease_wait"])
        #expect(metric.buckets.count == 63)
        #expect(metric.total == 8)
        #expect(metric.unit == "time (ns)")
        #expect(metric.buckets[39] == MetricBucket(lower: 549_755_813_888, upper: 1_099_511_627_775, count: 5))
        #expect(metric.buckets[62] == MetricBucket(lower: 4_611_686_018_427_387_904, upper: Int64.max, count: 1))
        #expect(state.prettyJSON().contains("\"upper\": 9223372036854775807"))
        let (hollow, warnings) = state.saturatedForHollow()
        #expect(hollow.metrics["lease_wait"]?.buckets[39].upper == Int64(Int32.max))
        #expect(hollow.metrics["lease_wait"]?.buckets[2].upper == 7)
        #expect(warnings.count == 2 * (63 - 31))  // lower and upper of every bucket from 2^31 on
        #expect(warnings.allSatisfy { $0.contains("saturated to 2147483647") })
    }

    @Test("an empty histogram section (BCC printed no lines) counts as no data")
    func emptySection() throws {
        let report = try BCCReport.parse("Metrics Summary:\n\nFoo Bar:\n\nBaz: No data collected or error occurred\n")
        #expect(report.metrics.isEmpty)
        #expect(report.sectionsWithoutData == ["foo_bar", "baz"])
    }

    @Test(
        "malformed input names the line and what was expected",
        arguments: [
            ("Metrics Summary:\n\nFoo:\n  1 -> 2 : 3 |*|\n", 4, "histogram header"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n  0 -> 1 : x |*|\n", 4, "bucket count"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n  0 -> 1 : 1 |*|\n  8 -> 2 : 1 ||\n", 5, "lower bound <= upper bound"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n  4 -> 7 : 1 ||\n  2 -> 3 : 1 ||\n", 5, "buckets ascend"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n  0 -> 99999999999999999999 : 1 ||\n", 4, "exceeds Int64.max"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n  0 -> 1 : 1 |*|\n  garbage here\n", 5, "histogram line"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n", 3, "at least one histogram line"),
            ("Metrics Summary:\nrandom words\n", 2, "section title"),
            ("Metrics Summary:\nA: No data collected\nA: No data collected\n", 3, "duplicate section"),
            ("Metrics Summary:\nAggregate Counts:\nCpu Usage: lots\n", 3, "count of aggregate 'Cpu Usage'"),
            ("Metrics Summary:\n\n", 1, "expected a metrics summary"),
            ("Metrics Summary:\nFoo:\n  time (ns) : count distribution\n  0 -> 1 : 1 |*x|\n", 4, "distribution bar"),
        ] as [(String, Int, String)]
    )
    func malformed(input: String, line: Int, expected: String) {
        #expect {
            try BCCReport.parse(input)
        } throws: { error in
            guard let e = error as? BCCReportError else { return false }
            let ok = e.line == line && e.message.contains(expected)
            if !ok { print("got: \(e)") }
            return ok
        }
    }

    @Test("titles become snake_case")
    func snakeCase() {
        #expect("Packet Processing Time".snakeCased == "packet_processing_time")
        #expect("  CPU-Usage (per core) ".snakeCased == "cpu_usage_per_core")
        #expect("Request→ACK latency".snakeCased == "request_ack_latency")
    }

    @Test("JSON lines and arrays of states read back")
    func stateFiles() throws {
        let a = MetricsState(timestamp: "t1", source: "s", aggregates: ["x": 1])
        let b = MetricsState(timestamp: "t2", source: "s", metrics: ["m": Metric(name: "m", unit: "u", buckets: [MetricBucket(lower: 0, upper: 1, count: 2)])])
        let lines = a.jsonValue.serialized() + "\n" + b.jsonValue.serialized() + "\n"
        #expect(try MetricsStateFile.parse(lines) == [a, b])
        #expect(try MetricsStateFile.parse("[" + a.jsonValue.serialized() + "," + b.jsonValue.serialized() + "]") == [a, b])
        #expect(try MetricsStateFile.parse(b.prettyJSON()) == [b])
        #expect(throws: MetricsJSONError.self) { try MetricsStateFile.parse("{\"timestamp\": 1}") }
    }

    @Test("the rolling window keeps the last N states, oldest first")
    func window() {
        var w = RollingWindow(capacity: 2)
        for t in ["a", "b", "c"] { w.append(MetricsState(timestamp: t, source: "s")) }
        #expect(w.states.map(\.timestamp) == ["b", "c"])
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
