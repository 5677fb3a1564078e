import HollowCharts
import Testing

@Suite("BarChart renders SVG")
struct BarChartTests {
    func count(_ needle: String, in text: String) -> Int {
        var n = 0
        var rest = text[...]
        while let r = rest.firstRange(of: needle) { n += 1; rest = rest[r.upperBound...] }
        return n
    }

    @Test("one bar per value, a tooltip each, title and axis labels, a standalone document")
    func bars() {
        let chart = BarChart(
            title: "requests", subtitle: "edge-1", xAxisLabel: "interval", yAxisLabel: "count",
            bars: [.init(label: "a", value: 3), .init(label: "b", value: 12), .init(label: "c", value: 0)], style: .report)
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"420\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(count("<rect class=\"bar\"", in: svg) == 3)
        #expect(svg.contains("<title>b: 12</title>"))
        #expect(svg.contains(">requests</text>") && svg.contains(">edge-1</text>"))
        #expect(svg.contains(">interval</text>") && svg.contains(">count</text>"))
        // Report charts show no value labels; dashboard charts do.
        #expect(!svg.contains(">12</text>") || svg.contains("text-anchor=\"end\" font-size=\"11\">12</text>"))
        let dashboard = BarChart(title: "t", bars: chart.bars).svg()
        #expect(dashboard.contains("class=\"histogram\""))
        #expect(dashboard.contains("text-anchor=\"middle\">12</text>"))
    }

    @Test("every text is escaped; control characters become U+FFFD")
    func escaping() {
        let svg = BarChart(
            title: "<script>alert('x')</script>", subtitle: "a&b \"q\"",
            bars: [.init(label: "<b>\u{01}", value: 1)]
        ).svg()
        #expect(!svg.contains("<script>") && !svg.contains("<b>"))
        #expect(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(svg.contains("a&amp;b &quot;q&quot;"))
        #expect(svg.contains("&lt;b&gt;\u{FFFD}"))
    }

    @Test("negative values extend the axis below zero; no bars say so")
    func negativeAndEmpty() {
        let svg = BarChart(title: "delta", bars: [.init(label: "x", value: -7), .init(label: "y", value: 4)]).svg()
        #expect(svg.contains(">-8</text>") || svg.contains(">-10</text>"))
        #expect(count("<rect class=\"bar\"", in: svg) == 2)
        #expect(BarChart(title: "none", bars: []).svg().contains(">no data</text>"))
    }

    @Test("histogram buckets are labelled with binary prefixes")
    func bucketLabels() {
        #expect(HistogramBucket(lower: 1024, upper: 2047, count: 1).label == "1K–2K")
        #expect(HistogramBucket(lower: 2 << 20, upper: (4 << 20) - 1, count: 1).label == "2M–4M")
        #expect(HistogramBucket(lower: 1 << 30, upper: Int64.max, count: 1).label == "≥1G")
        #expect(HistogramBucket(lower: 10, upper: 100, count: 1).label == "10–100")
        #expect(HistogramBucket(lower: 0, upper: 1024, count: 1).label == "0–1K")
    }
}
