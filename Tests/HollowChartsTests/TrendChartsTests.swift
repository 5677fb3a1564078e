import HollowCharts
import Testing

@Suite("Line charts, heatmaps and UTC times")
struct TrendChartsTests {
    func count(_ needle: String, in text: String) -> Int {
        var n = 0
        var rest = text[...]
        while let r = rest.firstRange(of: needle) { n += 1; rest = rest[r.upperBound...] }
        return n
    }

    static let noon = Double(UTCTime(iso8601: "2026-11-22T12:00:00Z")!.seconds)

    @Test("one line and one legend entry per series, a tooltip per point, UTC time ticks")
    func lines() {
        let chart = LineChart(
            title: "requests", subtitle: "window", yAxisLabel: "count",
            series: [
                .init(name: "dhcp-a", color: "#3b6fd8", points: (0..<5).map { .init(x: Self.noon + Double($0) * 60, y: Int64($0 * 10), label: "t\($0)") }),
                .init(name: "dhcp-b", color: "#e0803a", points: (0..<5).map { .init(x: Self.noon + Double($0) * 60, y: 7, label: "t\($0)") }),
            ])
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(count("<polyline class=\"series\"", in: svg) == 2)
        #expect(count("<circle class=\"point\"", in: svg) == 10)
        #expect(count("<g class=\"legend\">", in: svg) == 2)
        #expect(svg.contains(">dhcp-a</text>") && svg.contains("stroke=\"#e0803a\""))
        #expect(svg.contains("<title>dhcp-a · t4: 40</title>"))
        // Ticks on whole minutes of the UTC day.
        #expect(svg.contains(">12:00</text>") && svg.contains(">12:02</text>"))
    }

    @Test("texts are escaped; no points say so; a single point is drawn")
    func escapingAndEmpty() {
        let svg = LineChart(title: "<b>", series: [.init(name: "a&b", color: "red", points: [.init(x: 5, y: 1, label: "'x'")])]).svg()
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("&lt;b&gt;") && svg.contains("a&amp;b") && svg.contains("&#39;x&#39;"))
        #expect(count("<circle class=\"point\"", in: svg) == 1)
        #expect(LineChart(title: "none", series: []).svg().contains(">no data</text>"))
    }

    @Test("a heatmap has a cell per row and column, shaded by count, with a scale")
    func heatmap() {
        let svg = HeatmapChart(
            title: "latency", columns: ["12:00", "12:01", "12:02"], rows: ["1K–2K", "2K–4K"],
            counts: [[5, 0, 1], [0, 100, 3]]
        ).svg()
        #expect(count("<rect class=\"cell\"", in: svg) == 6)
        #expect(svg.contains("<title>2K–4K @ 12:01: 100</title>"))
        #expect(svg.contains("<title>1K–2K @ 12:01: 0</title>"))
        #expect(svg.contains("fill-opacity=\"1\""))  // the largest count
        #expect(svg.contains(">100 per cell</text>"))
        #expect(HeatmapChart(title: "x", columns: [], rows: [], counts: []).svg().contains(">no data</text>"))
    }

    @Test("UTC times parse ISO 8601 and print back; nonsense is rejected")
    func times() {
        let t = UTCTime(iso8601: "2026-11-22T12:34:56Z")
        #expect(t?.iso8601 == "2026-11-22T12:34:56Z")
        #expect(t?.text == "2026-11-22 12:34:56")
        #expect(UTCTime(iso8601: "1970-01-01T00:00:00Z")?.seconds == 0)
        #expect(UTCTime(iso8601: "2000-02-29")?.iso8601 == "2000-02-29T00:00:00Z")
        #expect(UTCTime(iso8601: "2026-11-22T12:34:56.789+00:00")?.seconds == t?.seconds)
        #expect(UTCTime(seconds: -1).iso8601 == "1969-12-31T23:59:59Z")
        for bad in ["", "yesterday", "2026-13-01", "2026-11-22T25:00:00Z", "2026-11-22T12:00:00+02:00", "2026-11-22T12:00:00Zjunk"] {
            #expect(UTCTime(iso8601: bad) == nil, "\(bad)")
        }
    }
}
