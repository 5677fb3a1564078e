/// Hand-written SVG charts of metrics states: one histogram per metric, one chart per aggregate,
/// and an `index.html` showing them all (what the seeds' `visualize_json_metrics.py` drew with matplotlib).
public enum SVGPlot {
    static let width = 800.0
    static let height = 420.0
    static let left = 80.0, right = 20.0, top = 50.0, bottom = 90.0

    /// A bar chart of a log2 histogram: buckets on the x axis (labelled with their bounds), counts on y.
    public static func histogram(_ metric: Metric, subtitle: String = "") -> String {
        let labels = metric.buckets.map { bucketLabel($0) }
        let values = metric.buckets.map(\.count)
        return barChart(
            title: "\(metric.name) (total \(metric.total))",
            subtitle: subtitle,
            xLabel: "\(metric.unit), log2 buckets",
            yLabel: "count",
            labels: labels,
            values: values
        )
    }

    /// A bar chart of one aggregate over the window: one bar per interval, labelled with its timestamp.
    public static func aggregate(name: String, points: [(timestamp: String, value: Int64)], subtitle: String = "") -> String {
        barChart(
            title: name,
            subtitle: subtitle,
            xLabel: "interval end (UTC)",
            yLabel: "value",
            labels: points.map { shortTime($0.timestamp) },
            values: points.map(\.value)
        )
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
            var html = "<h2>\(xml(source)) <small>\(xml(span))</small></h2>\n"
            if figures.isEmpty { html += "<p>No metrics or aggregates in this window.</p>\n" }
            for f in figures { html += "<figure><img src=\"\(xml(f))\" alt=\"\(xml(f))\"></figure>\n" }
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

    /// `1K`, `2M`, `4G`… for a bucket bound (binary prefixes, as the buckets are powers of two).
    static func human(_ v: Int64) -> String {
        let units: [(Int64, String)] = [(1 << 60, "E"), (1 << 50, "P"), (1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")]
        for (scale, suffix) in units where v >= scale && v % scale == 0 { return "\(v / scale)\(suffix)" }
        return String(v)
    }

    static func bucketLabel(_ b: MetricBucket) -> String {
        b.upper == Int64.max ? "≥\(human(b.lower))" : "\(human(b.lower))–\(human(b.upper &+ 1 == 0 ? b.upper : b.upper + 1))"
    }

    static func shortTime(_ timestamp: String) -> String {
        // 2026-11-22T12:00:00Z → 12:00:00
        if let t = timestamp.firstIndex(of: "T") {
            return String(timestamp[timestamp.index(after: t)...].prefix { $0 != "Z" && $0 != "+" && $0 != "." })
        }
        return timestamp
    }

    static func xml(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A "nice" tick step (1, 2 or 5 × 10^k) giving about five ticks up to `max`.
    static func tickStep(_ max: Int64) -> Int64 {
        if max <= 5 { return 1 }
        var step: Int64 = 1
        while true {
            for m: Int64 in [1, 2, 5] where max / (step * m) <= 5 { return step * m }
            if step > Int64.max / 100 { return step }
            step *= 10
        }
    }

    static func fmt(_ d: Double) -> String {
        let r = (d * 10).rounded() / 10
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }

    static func barChart(title: String, subtitle: String, xLabel: String, yLabel: String, labels: [String], values: [Int64]) -> String {
        let plotW = width - left - right
        let plotH = height - top - bottom
        let maxValue = max(values.max() ?? 0, 1)
        let step = tickStep(maxValue)
        let yMax = ((maxValue + step - 1) / step) * step
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(fmt(width / 2))" y="22" text-anchor="middle" font-size="16" font-weight="bold">\(xml(title))</text>
            <text x="\(fmt(width / 2))" y="40" text-anchor="middle" font-size="11" fill="#555">\(xml(subtitle))</text>

            """
        // Grid and y ticks.
        var tick: Int64 = 0
        while tick <= yMax {
            let y = top + plotH - Double(tick) / Double(yMax) * plotH
            s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(y))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(tick)</text>\n"
            if tick > Int64.max - step { break }
            tick += step
        }
        // Bars.
        let n = max(values.count, 1)
        let slot = plotW / Double(n)
        let barW = max(1, slot * 0.8)
        for (i, v) in values.enumerated() {
            let h = Double(v) / Double(yMax) * plotH
            let x = left + Double(i) * slot + (slot - barW) / 2
            let y = top + plotH - h
            s += "<rect class=\"bar\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(barW))\" height=\"\(fmt(h))\" fill=\"#4878a8\"><title>\(xml(labels[i])): \(v)</title></rect>\n"
            // Label every bucket when they fit, otherwise every k-th.
            let every = max(1, Int((Double(n) / 24).rounded(.up)))
            if i % every == 0 {
                let lx = left + Double(i) * slot + slot / 2
                let ly = top + plotH + 10
                s += "<text x=\"\(fmt(lx))\" y=\"\(fmt(ly))\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-45 \(fmt(lx)) \(fmt(ly)))\">\(xml(labels[i]))</text>\n"
            }
        }
        if values.isEmpty {
            s += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"14\" fill=\"#888\">no data</text>\n"
        }
        // Axes and labels.
        s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top))\" x2=\"\(fmt(left))\" y2=\"\(fmt(top + plotH))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top + plotH))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(top + plotH))\" stroke=\"black\"/>\n"
        s += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\" font-size=\"12\">\(xml(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(fmt(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(fmt(top + plotH / 2)))\">\(xml(yLabel))</text>\n"
        s += "</svg>\n"
        return s
    }
}
