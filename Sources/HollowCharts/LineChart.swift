import HollowCore

/// A line chart of one or more series over time (or any numeric x), rendered as a standalone SVG document with a
/// legend: what the explorer's metric trends draw, one series per source.
///
/// The y axis always includes 0 and gets the same "nice" ticks as ``BarChart``; on a time axis (x in seconds since
/// 1970, UTC) the ticks fall on whole seconds, minutes, hours or days. Each point carries a tooltip
/// (`series · label: value`). Every text is escaped with HollowCore's `HTMLEscaping`.
///
/// ```swift
/// let chart = LineChart(title: "requests", series: [
///     .init(name: "dhcp-a", color: "#3b6fd8", points: [.init(x: 1_795_435_200, y: 12, label: "12:00")]),
/// ])
/// let svg = chart.svg()
/// ```
public struct LineChart: Sendable, Hashable {
    /// One point: its x (seconds since 1970 on a time axis), its value, and the text its tooltip names it by.
    public struct Point: Sendable, Hashable {
        public var x: Double
        public var y: Int64
        public var label: String
        public init(x: Double, y: Int64, label: String = "") {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    /// One line: its name in the legend, its colour (a CSS colour) and its points (drawn in x order).
    public struct Series: Sendable, Hashable {
        public var name: String
        public var color: String
        public var points: [Point]
        public init(name: String, color: String, points: [Point]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    /// What the x values are.
    public enum XAxis: Sendable, Hashable {
        /// Seconds since 1970-01-01T00:00:00Z; ticks are labelled with UTC times.
        case time
        /// Plain numbers.
        case numeric
    }

    public var title: String
    public var subtitle: String
    public var xAxisLabel: String
    public var yAxisLabel: String
    public var series: [Series]
    public var xAxis: XAxis
    /// The size in pixels.
    public var width: Double
    public var height: Double

    public init(
        title: String, subtitle: String = "", xAxisLabel: String = "", yAxisLabel: String = "", series: [Series],
        xAxis: XAxis = .time, width: Double = 560, height: Double = 260
    ) {
        self.title = title
        self.subtitle = subtitle
        self.xAxisLabel = xAxisLabel
        self.yAxisLabel = yAxisLabel
        self.series = series
        self.xAxis = xAxis
        self.width = width
        self.height = height
    }

    /// The chart as an SVG document (`<svg xmlns=…>…</svg>` and a newline).
    /// - Complexity: O(number of points + number of ticks).
    public func svg() -> String {
        let points = series.flatMap(\.points)
        let maxValue = max(points.map(\.y).max() ?? 0, 1)
        let minValue = min(points.map(\.y).min() ?? 0, 0)
        let step = BarChart.tickStep(maxValue, minValue)
        let yMax = BarChart.roundUp(maxValue, step)
        let yMin = -BarChart.roundUp(0 &- minValue, step)
        var xMin = points.map(\.x).min() ?? 0
        var xMax = points.map(\.x).max() ?? 1
        if xMax <= xMin {  // one instant: centre it
            xMin -= 1
            xMax += 1
        }
        let tickChars = max(String(yMax).count, String(yMin).count)
        let left = max(40, 14 + Double(tickChars) * 6.5) + (yAxisLabel.isEmpty ? 0 : 24)
        let right = 24.0
        let legendRows = legendLayout()
        let top: Double = 30 + (subtitle.isEmpty ? 0 : 16) + Double(legendRows.count) * 16 + 8
        let bottom: Double = 30 + (xAxisLabel.isEmpty ? 0 : 20)
        let plotW = width - left - right
        let plotH = max(20, height - top - bottom)
        let ySpan = Double(yMax) - Double(yMin)
        func px(_ x: Double) -> Double { left + plotW * (x - xMin) / (xMax - xMin) }
        func py(_ v: Int64) -> Double { top + plotH * (1 - (Double(v) - Double(yMin)) / ySpan) }
        let f = BarChart.fmt

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\""
        s += " viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" role=\"img\" class=\"trend\">\n"
        s += "<title>\(esc(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(esc(title))</text>\n"
        var legendY = 34.0
        if !subtitle.isEmpty {
            s += "<text x=\"\(f(width / 2))\" y=\"34\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(esc(subtitle))</text>\n"
            legendY += 16
        }
        // The legend: a swatch and the name of each series, wrapped into rows.
        for (r, row) in legendRows.enumerated() {
            var x = left
            for (item, itemWidth) in row {
                let y = legendY + Double(r) * 16
                s += "<g class=\"legend\"><rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"14\" height=\"10\" fill=\"\(esc(item.color))\"/>"
                s += "<text x=\"\(f(x + 18))\" y=\"\(f(y))\" font-size=\"11\">\(esc(item.name))</text></g>\n"
                x += itemWidth
            }
        }
        // Grid and y ticks.
        var tick = yMin
        while tick <= yMax {
            let ty = py(tick)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(ty))\" x2=\"\(f(left + plotW))\" y2=\"\(f(ty))\" stroke=\"\(tick == 0 ? "#888" : "#e5e5e5")\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(ty + 4))\" text-anchor=\"end\" font-size=\"11\">\(tick)</text>\n"
            if tick > Int64.max - step { break }
            tick += step
        }
        // x ticks.
        for (x, label) in xTicks(xMin, xMax) {
            let tx = px(x)
            s += "<line x1=\"\(f(tx))\" y1=\"\(f(top + plotH))\" x2=\"\(f(tx))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#888\"/>\n"
            s += "<text x=\"\(f(tx))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444\">\(esc(label))</text>\n"
        }
        // The series: a line through the points, and a dot with a tooltip on each.
        for line in series {
            let sorted = line.points.sorted { $0.x < $1.x }
            if sorted.count > 1 {
                let coords = sorted.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(esc(line.color))\" stroke-width=\"2\" points=\"\(coords)\">"
                s += "<title>\(esc(line.name))</title></polyline>\n"
            }
            for p in sorted {
                s += "<circle class=\"point\" cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(esc(line.color))\">"
                s += "<title>\(esc(line.name)) · \(esc(p.label)): \(p.y)</title></circle>\n"
            }
        }
        if points.isEmpty {
            s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#888\">no data</text>\n"
        }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        if !xAxisLabel.isEmpty {
            s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" font-size=\"12\">\(esc(xAxisLabel))</text>\n"
        }
        if !yAxisLabel.isEmpty {
            let cy = f(top + plotH / 2)
            s += "<text x=\"16\" y=\"\(cy)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(cy))\">\(esc(yAxisLabel))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// The legend's items in rows that fit the width (about 6.5 px a character at 11 px, plus the swatch).
    private func legendLayout() -> [[(item: Series, width: Double)]] {
        var rows: [[(item: Series, width: Double)]] = []
        var row: [(item: Series, width: Double)] = []
        var used = 0.0
        for item in series {
            let w = 18 + Double(min(item.name.count, 40)) * 6.5 + 14
            if !row.isEmpty, used + w > width - 60 {
                rows.append(row)
                row = []
                used = 0
            }
            row.append((item, w))
            used += w
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }

    /// Ticks along x: about five, on round values (on a time axis: whole seconds, minutes, hours or days).
    func xTicks(_ xMin: Double, _ xMax: Double) -> [(Double, String)] {
        let span = xMax - xMin
        switch xAxis {
        case .numeric:
            let step = Double(BarChart.tickStep(Int64(max(1, span.rounded(.up)))))
            var out: [(Double, String)] = []
            var x = (xMin / step).rounded(.up) * step
            while x <= xMax, out.count < 12 {
                out.append((x, BarChart.fmt(x)))
                x += step
            }
            return out
        case .time:
            let steps: [Double] = [
                1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800,
                604_800, 2_592_000, 31_536_000,
            ]
            let step = steps.first { span / $0 <= 6 } ?? (span / 6).rounded(.up)
            let multiDay = xMax - xMin >= 86400 || UTCTime(seconds: Int64(xMin)).components.day
                != UTCTime(seconds: Int64(xMax)).components.day
            var out: [(Double, String)] = []
            var x = (xMin / step).rounded(.up) * step
            while x <= xMax, out.count < 12 {
                let t = UTCTime(seconds: Int64(x))
                out.append((x, multiDay ? t.dayAndTime : t.timeOfDay))
                x += step
            }
            return out
        }
    }

    private func esc(_ text: String) -> String { HTMLEscaping.escape(text) }
}
