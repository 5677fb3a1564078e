import KeaEdge
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("SVG plots")
struct SVGPlotTests {
    @Test("one SVG per metric and aggregate plus index.html, well-formed and labelled")
    func renderSample() throws {
        let text = try SystemSupport.readText(fixtures + "/kea-metrics-bcc.txt")
        let state = try BCCReport.parse(text).metricsState(source: "dhcp-edge-1", timestamp: "2026-11-22T12:00:00Z")
        let out = "/tmp/kea-edge-plot-test-\(getpid())"
        defer { _ = system("rm -rf \(out)") }
        let files = try SVGPlot.render(states: [state], to: out)
        #expect(files.count == state.metrics.count + state.aggregates.count + 1)
        let index = try SystemSupport.readText(out + "/index.html")
        for name in state.metrics.keys {
            let file = "metric-\(name).svg"
            #expect(index.contains("src=\"\(file)\""))
            let svg = try SystemSupport.readText(out + "/" + file)
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(svg.hasSuffix("</svg>\n"))
            #expect(svg.contains(">\(name) (total \(state.metrics[name]!.total))</text>"))  // title
            #expect(svg.contains(">count</text>"))  // y axis label
            #expect(svg.contains("log2 buckets</text>"))  // x axis label
            // One bar per printed bucket.
            #expect(svg.components("<rect class=\"bar\"") == state.metrics[name]!.buckets.count)
            #expect(balancedTags(svg))
        }
        let memory = try SystemSupport.readText(out + "/metric-memory_usage.svg")
        #expect(memory.contains("<title>2M–4M: 645</title>"))
        #expect(memory.contains(">bytes, log2 buckets</text>"))
        for name in state.aggregates.keys {
            let svg = try SystemSupport.readText(out + "/aggregate-\(name).svg")
            #expect(svg.components("<rect class=\"bar\"") == 1)
            #expect(balancedTags(svg))
        }
    }

    @Test("aggregates over a window get one bar per interval; text is XML-escaped")
    func window() throws {
        let states = (0..<5).map { i in
            MetricsState(timestamp: "2026-11-22T12:00:0\(i)Z", source: "a<b&c", aggregates: ["pkt4-received": Int64(i * 10)])
        }
        let out = "/tmp/kea-edge-plot-window-\(getpid())"
        defer { _ = system("rm -rf \(out)") }
        try SVGPlot.render(states: states, to: out)
        let svg = try SystemSupport.readText(out + "/aggregate-pkt4-received.svg")
        #expect(svg.components("<rect class=\"bar\"") == 5)
        #expect(svg.contains("a&lt;b&amp;c"))
        #expect(!svg.contains("a<b"))
        #expect(balancedTags(svg))
    }
}

extension String {
    func components(_ needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let r = rest.firstRange(of: needle) { count += 1; rest = rest[r.upperBound...] }
        return count
    }
}

/// Every opened element is closed, in order (a small well-formedness check without an XML parser).
func balancedTags(_ svg: String) -> Bool {
    var stack: [Substring] = []
    var rest = svg[...]
    while let open = rest.firstIndex(of: "<") {
        guard let close = rest[open...].firstIndex(of: ">") else { return false }
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("/") {
            guard stack.popLast() == tag.dropFirst() else { return false }
        } else if !tag.hasSuffix("/") && !tag.hasPrefix("?") && !tag.hasPrefix("!") {
            stack.append(tag.prefix { $0 != " " })
        }
    }
    return stack.isEmpty
}
