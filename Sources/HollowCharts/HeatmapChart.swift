import HollowCore

/// A heatmap rendered as a standalone SVG document: columns left to right (intervals over time), rows bottom to top
/// (histogram buckets), each cell shaded by its count — a histogram over time, as Grafana draws latency.
///
/// Shades grow with `log(1 + count)` so that a few slow requests next to thousands of fast ones stay visible; an
/// empty cell is light grey. Each cell has a tooltip (`row @ column: count`); a scale under the chart shows the
/// largest count. Every text is escaped with HollowCore's `HTMLEscaping`.
public struct HeatmapChart: Sendable, Hashable {
    public var title: String
    public var subtitle: String
    public var xAxisLabel: String
    public var yAxisLabel: String
    /// Column labels, left to right (e.g. interval timestamps).
    public var columns: [String]
    /// Row labels, bottom to top (e.g. bucket bounds, smallest first).
    public var rows: [String]
    /// `counts[row][column]`; missing entries count 0.
    public var counts: [[Int64]]
    /// The colour of the largest count (a CSS colour).
    public var color: String
    /// The width in pixels; the height follows the number of rows.
    public var width: Double

    public init(
        title: String, subtitle: String = "", xAxisLabel: String = "", yAxisLabel: String = "", columns: [String],
        rows: [String], counts: [[Int64]], color: String = "#1f4fb0", width: Double = 560
    ) {
        self.title = title
        self.subtitle = subtitle
        self.xAxisLabel = xAxisLabel
        self.yAxisLabel = yAxisLabel
        self.columns = columns
        self.rows = rows
        self.counts = counts
        self.color = color
        self.width = width
    }

    func count(_ row: Int, _ column: Int) -> Int64 {
        guard row < counts.count, column < counts[row].count else { return 0 }
        return counts[row][column]
    }

    /// The chart as an SVG document.
    /// - Complexity: O(rows × columns).
    public func svg() -> String {
        let f = BarChart.fmt
        let maxCount = counts.lazy.flatMap { $0 }.max() ?? 0
        let rowChars = rows.map(\.count).max() ?? 0
        let left: Double = 14 + Double(min(rowChars, 14)) * 6.2 + (yAxisLabel.isEmpty ? 0 : 20)
        let right: Double = 16
        let top: Double = 30 + (subtitle.isEmpty ? 0 : 16)
        let cellH: Double = rows.isEmpty ? 20 : max(10, min(22, 260 / Double(rows.count)))
        let plotH = cellH * Double(max(rows.count, 1))
        let plotW = width - left - right
        let cellW = plotW / Double(max(columns.count, 1))
        let bottom: Double = 50 + (xAxisLabel.isEmpty ? 0 : 18)
        let height = top + plotH + bottom

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\""
        s += " viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" role=\"img\" class=\"heatmap\">\n"
        s += "<title>\(esc(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(esc(title))</text>\n"
        if !subtitle.isEmpty {
            s += "<text x=\"\(f(width / 2))\" y=\"34\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(esc(subtitle))</text>\n"
        }
        let scale: Double = maxCount > 0 ? naturalLog(1 + Double(maxCount)) : 1
        for (r, rowLabel) in rows.enumerated() {
            let y = top + plotH - Double(r + 1) * cellH
            for (c, columnLabel) in columns.enumerated() {
                let n = count(r, c)
                let x = left + Double(c) * cellW
                let fill = n > 0 ? "fill=\"\(esc(color))\" fill-opacity=\"\(opacity(n, scale))\"" : "fill=\"#f1f3f6\""
                s += "<rect class=\"cell\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0.5, cellW - 1)))\" height=\"\(f(max(0.5, cellH - 1)))\" \(fill)>"
                s += "<title>\(esc(rowLabel)) @ \(esc(columnLabel)): \(n)</title></rect>\n"
            }
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + cellH / 2 + 3.5))\" text-anchor=\"end\" font-size=\"10\" fill=\"#444\">"
            s += "\(esc(rowLabel.count > 14 ? String(rowLabel.prefix(13)) + "…" : rowLabel))</text>\n"
        }
        // Column labels: every k-th, so that they do not overlap (about 6 px a character at 10 px).
        let labelChars = Double(columns.map(\.count).max() ?? 1)
        let every = max(1, Int((labelChars * 6 + 8) / max(cellW, 1)) + 1)
        for (c, label) in columns.enumerated() where c % every == 0 {
            s += "<text x=\"\(f(left + (Double(c) + 0.5) * cellW))\" y=\"\(f(top + plotH + 14))\" text-anchor=\"middle\""
            s += " font-size=\"10\" fill=\"#444\">\(esc(label))</text>\n"
        }
        if rows.isEmpty || columns.isEmpty {
            s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#888\">no data</text>\n"
        }
        // The scale: five steps from the smallest to the largest shade.
        let sy: Double = top + plotH + 26
        s += "<g class=\"scale\"><text x=\"\(f(left))\" y=\"\(f(sy + 9))\" font-size=\"10\">0</text>\n"
        for i in 0..<5 {
            let n = maxCount == 0 ? 0 : Int64((Double(maxCount) * Double(i + 1) / 5).rounded(.up))
            let fill = n > 0 ? "fill=\"\(esc(color))\" fill-opacity=\"\(opacity(n, scale))\"" : "fill=\"#f1f3f6\""
            s += "<rect x=\"\(f(left + 12 + Double(i) * 22))\" y=\"\(f(sy))\" width=\"22\" height=\"10\" \(fill)/>\n"
        }
        s += "<text x=\"\(f(left + 12 + 5 * 22 + 4))\" y=\"\(f(sy + 9))\" font-size=\"10\">\(maxCount) per cell</text></g>\n"
        if !xAxisLabel.isEmpty {
            s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" font-size=\"12\">\(esc(xAxisLabel))</text>\n"
        }
        if !yAxisLabel.isEmpty {
            let cy = f(top + plotH / 2)
            s += "<text x=\"12\" y=\"\(cy)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 12 \(cy))\">\(esc(yAxisLabel))</text>\n"
        }
        return s + "</svg>\n"
    }

    private func opacity(_ n: Int64, _ scale: Double) -> String {
        BarChart.fmt100(0.12 + 0.88 * naturalLog(1 + Double(n)) / scale)
    }

    private func esc(_ text: String) -> String { HTMLEscaping.escape(text) }
}

private func naturalLog(_ x: Double) -> Double {
    // Natural logarithm without Foundation: x = m · 2^e, ln x = e · ln 2 + ln m (series in (m-1)/(m+1)).
    guard x > 0, x.isFinite else { return 0 }
    let e = Double(x.exponent)
    let m = x.significand  // 1 ≤ m < 2
    let t = (m - 1) / (m + 1)
    var term = t
    var sum = 0.0
    var k = 1.0
    for _ in 0..<20 {
        sum += term / k
        term *= t * t
        k += 2
    }
    return e * 0.693_147_180_559_945_3 + 2 * sum
}
