import HollowCharts
import HollowCore

/// SVG charts of metrics states, drawn by HollowCharts' ``BarChart``: one histogram per metric, one chart per
/// aggregate, and an `index.html` showing them all (what the seeds' `visualize_json_metrics.py` drew with
/// matplotlib).
public enum SVGPlot {
    /// A bar chart of a log2 histogram: buckets on the x axis (labelled with their bounds), counts on y.
    public static func histogram(_ metric: Metric, subtitle: String = "") -> String {
        BarChart.histogram(
            title: "\(metric.name) (total \(metric.total))", subtitle: subtitle,
            xAxisLabel: "\(metric.unit), log2 buckets", yAxisLabel: "count",
            buckets: metric.buckets.map { HistogramBucket(lower: $0.lower, upper: $0.upper, count: $0.count) },
            style: .report
        ).svg()
    }

    /// A bar chart of one aggregate over the window: one bar per interval, labelled with its timestamp.
    public static func aggregate(name: String, points: [(timestamp: String, value: Int64)], subtitle: String = "") -> String {
        BarChart(
            title: name, subtitle: subtitle, xAxisLabel: "interval end (UTC)", yAxisLabel: "value",
            bars: points.map { BarChart.Bar(label: shortTime($0.timestamp), value: $0.value) }, style: .report
        ).svg()
    }

    /// Renders every metric (newest interval and the window's sum) and every aggregate over the window
    /// into `directory`, plus `index.html`. Returns the file names written.
    /// - Throws: ``KeaEdgeIOError`` when the directory or a file cannot be written.
    @discardableResult
    public static func render(states: [MetricsState], to directory: String) throws(KeaEdgeIOError) -> [String] {
        try SystemSupport.makeDirectories(directory)
        var written: [String] = []
        var sections: [String] = []
        let sorted = states.sorted { $0.timestamp < $1.timestamp }
        let sources = Set(sorted.map(\.source)).sorted()
        for source in sources {
            let mine = sorted.filter { $0.source == source }
            guard let newest = mine.last else { continue }
            let span = mine.count == 1 ? newest.timestamp : "\(mine.first!.timestamp) … \(newest.timestamp), \(mine.count) intervals"
            var figures: [String] = []
            let metricNames = Set(mine.flatMap { $0.metrics.keys }).sorted()
            for name in metricNames {
                let merged = merge(mine.compactMap { $0.metrics[name] })
                let file = fileName("metric", source, name, sources.count)
                try SystemSupport.writeText(directory + "/" + file, histogram(merged, subtitle: "\(source) — \(span)"))
                written.append(file)
                figures.append(file)
            }
            let aggregateNames = Set(mine.flatMap { $0.aggregates.keys }).sorted()
            for name in aggregateNames {
                let points = mine.compactMap { s in s.aggregates[name].map { (timestamp: s.timestamp, value: $0) } }
                let file = fileName("aggregate", source, name, sources.count)
                try SystemSupport.writeText(directory + "/" + file, aggregate(name: name, points: points, subtitle: "\(source) — \(span)"))
                written.append(file)
                figures.append(file)
            }
            var html = "<h2>\(HTMLEscaping.escape(source)) <small>\(HTMLEscaping.escape(span))</small></h2>\n"
            if figures.isEmpty { html += "<p>No metrics or aggregates in this window.</p>\n" }
            for f in figures { html += "<figure><img src=\"\(HTMLEscaping.escape(f))\" alt=\"\(HTMLEscaping.escape(f))\"></figure>\n" }
            sections.append(html)
        }
        let index = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>kea-edge metrics</title>
            <style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:.5em}img{width:800px;border:1px solid #ddd}</style>
            </head><body>
            <h1>kea-edge metrics</h1>
            \(sections.joined())
            </body></html>

            """
        try SystemSupport.writeText(directory + "/index.html", index)
        written.append("index.html")
        return written
    }

    /// Sums histograms bucket by bucket (buckets keyed by their bounds).
    static func merge(_ metrics: [Metric]) -> Metric {
        guard let first = metrics.first else { return Metric(name: "", unit: "", buckets: []) }
        var counts: [MetricBucketKey: Int64] = [:]
        for m in metrics { for b in m.buckets { counts[MetricBucketKey(lower: b.lower, upper: b.upper), default: 0] &+= b.count } }
        let buckets = counts.keys.sorted { $0.lower < $1.lower }.map { MetricBucket(lower: $0.lower, upper: $0.upper, count: counts[$0]!) }
        return Metric(name: first.name, unit: first.unit, buckets: buckets, total: metrics.reduce(0) { $0 &+ $1.total })
    }

    struct MetricBucketKey: Hashable { var lower: Int64; var upper: Int64 }

    static func fileName(_ kind: String, _ source: String, _ name: String, _ sourceCount: Int) -> String {
        func safe(_ s: String) -> String {
            String(s.unicodeScalars.map { c -> Character in
                (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_") && c.isASCII ? Character(c) : "_"
            })
        }
        return sourceCount > 1 ? "\(kind)-\(safe(source))-\(safe(name)).svg" : "\(kind)-\(safe(name)).svg"
    }

    static func shortTime(_ timestamp: String) -> String {
        // 2026-11-22T12:00:00Z → 12:00:00
        if let t = timestamp.firstIndex(of: "T") {
            return String(timestamp[timestamp.index(after: t)...].prefix { $0 != "Z" && $0 != "+" && $0 != "." })
        }
        return timestamp
    }
}
