import HollowCore

/// A bar chart rendered as a standalone SVG document: the project's one chart renderer, used by `kea-edge plot`
/// (files) and the explorer's metric dashboards (inline in HTML).
///
/// Values are signed 64-bit integers; the y axis always includes 0 and gets "nice" ticks (1, 2 or 5 × 10^k).
/// Every text (title, labels) is escaped with HollowCore's ``HTMLEscaping``, so the SVG is safe to embed in an
/// HTML page as it is.
///
/// ```swift
/// let chart = BarChart(title: "lease time", bars: [.init(label: "0–1K", value: 3), .init(label: "1K–2K", value: 9)])
/// let svg = chart.svg()
/// ```
public struct BarChart: Sendable, Hashable {
    /// One bar: its label on the x axis and its value.
    public struct Bar: Sendable, Hashable {
        public var label: String
        public var value: Int64
        public init(label: String, value: Int64) {
            self.label = label
            self.value = value
        }
    }

    /// How a chart looks: its size, colours and decorations.
    public struct Style: Sendable, Hashable {
        /// The width in pixels; nil sizes the chart by its number of bars.
        public var width: Double?
        /// The height in pixels.
        public var height: Double
        /// The font size of the title (the other texts are smaller).
        public var titleFontSize: Double
        /// Bar colours (CSS colours), used in turn.
        public var colors: [String]
        /// Whether each bar shows its value above it.
        public var showsValues: Bool
        /// A `class` attribute for the `<svg>` element (for styling a page), or nil.
        public var cssClass: String?

        public init(
            width: Double? = nil, height: Double = 220, titleFontSize: Double = 13, colors: [String] = Style.palette,
            showsValues: Bool = true, cssClass: String? = nil
        ) {
            self.width = width
            self.height = height
            self.titleFontSize = titleFontSize
            self.colors = colors.isEmpty ? ["#4878a8"] : colors
            self.showsValues = showsValues
            self.cssClass = cssClass
        }

        /// A palette of distinguishable colours.
        public static let palette = ["#3b6fd8", "#e0803a", "#3aa76d", "#c2457a", "#7a5bd0", "#2a9bb0", "#b59a2b"]

        /// A large chart for a file or a report: 800 × 420, one colour, no value labels (`kea-edge plot`).
        public static let report = Style(
            width: 800, height: 420, titleFontSize: 16, colors: ["#4878a8"], showsValues: false)

        /// A compact chart for a dashboard: sized by its bars, one colour per bar, values shown.
        public static let dashboard = Style(cssClass: "histogram")
    }

    /// The title, drawn on top.
    public var title: String
    /// A second line under the title (e.g. the source and time span), or "".
    public var subtitle: String
    /// The label of the x axis, or "".
    public var xAxisLabel: String
    /// The label of the y axis, or "".
    public var yAxisLabel: String
    /// The bars, left to right.
    public var bars: [Bar]
    /// Size, colours and decorations.
    public var style: Style

    public init(
        title: String, subtitle: String = "", xAxisLabel: String = "", yAxisLabel: String = "", bars: [Bar],
        style: Style = .dashboard
    ) {
        self.title = title
        self.subtitle = subtitle
        self.xAxisLabel = xAxisLabel
        self.yAxisLabel = yAxisLabel
        self.bars = bars
        self.style = style
    }

    /// A histogram: one bar per bucket, labelled with the bucket's bounds (see ``HistogramBucket/label``).
    public static func histogram(
        title: String, subtitle: String = "", xAxisLabel: String = "", yAxisLabel: String = "",
        buckets: [HistogramBucket], style: Style = .dashboard
    ) -> BarChart {
        BarChart(
            title: title, subtitle: subtitle, xAxisLabel: xAxisLabel, yAxisLabel: yAxisLabel,
            bars: buckets.map { Bar(label: $0.label, value: $0.count) }, style: style)
    }

    /// The chart as an SVG document (`<svg xmlns=…>…</svg>` and a newline).
    /// - Complexity: O(number of bars + number of ticks).
    public func svg() -> String {
        let values = bars.map(\.value)
        let labelChars = bars.map(\.label.count).max() ?? 0
        let width = style.width ?? max(260, 80 + Double(bars.count) * max(44, Double(min(labelChars, 14)) * 6 + 8))
        let height = style.height
        // The y range: always includes 0, ends on whole ticks.
        let maxValue = max(values.max() ?? 0, 1)
        let minValue = min(values.min() ?? 0, 0)
        let step = Self.tickStep(maxValue, minValue)
        let yMax = Self.roundUp(maxValue, step)
        let yMin = -Self.roundUp(0 &- minValue, step)
        // Room for the widest tick label (about 6.5 px a character at 11 px) and the y axis label.
        let tickChars = max(String(yMax).count, String(yMin).count)
        let left = max(40, 14 + Double(tickChars) * 6.5) + (yAxisLabel.isEmpty ? 0 : 24)
        let right = 16.0
        let top = subtitle.isEmpty ? style.titleFontSize + 20 : style.titleFontSize + 36
        let slot = (width - left - right) / Double(max(bars.count, 1))
        // Rotate the x labels when the widest does not fit its slot (about 6 px a character at 10 px).
        let rotated = Double(labelChars) * 6 > slot
        let bottom = (rotated ? min(90, 16 + Double(min(labelChars, 16)) * 4.5) : 30) + (xAxisLabel.isEmpty ? 0 : 20)
        let plotW = width - left - right
        let plotH = height - top - bottom

        let span = Double(yMax) - Double(yMin)
        func y(_ v: Int64) -> Double { top + plotH * (1 - (Double(v) - Double(yMin)) / span) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.fmt(width))\" height=\"\(Self.fmt(height))\""
        s += " viewBox=\"0 0 \(Self.fmt(width)) \(Self.fmt(height))\" font-family=\"sans-serif\" role=\"img\""
        if let cssClass = style.cssClass { s += " class=\"\(esc(cssClass))\"" }
        s += ">\n<title>\(esc(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(Self.fmt(width / 2))\" y=\"\(Self.fmt(style.titleFontSize + 6))\" text-anchor=\"middle\""
        s += " font-size=\"\(Self.fmt(style.titleFontSize))\" font-weight=\"bold\">\(esc(title))</text>\n"
        if !subtitle.isEmpty {
            s += "<text x=\"\(Self.fmt(width / 2))\" y=\"\(Self.fmt(style.titleFontSize + 24))\" text-anchor=\"middle\""
            s += " font-size=\"11\" fill=\"#555\">\(esc(subtitle))</text>\n"
        }
        // Grid and y ticks (bounded: at most a few dozen ticks by construction of the step).
        var tick = yMin
        while tick <= yMax {
            let ty = y(tick)
            s += "<line x1=\"\(Self.fmt(left))\" y1=\"\(Self.fmt(ty))\" x2=\"\(Self.fmt(left + plotW))\" y2=\"\(Self.fmt(ty))\""
            s += " stroke=\"\(tick == 0 ? "#888" : "#e5e5e5")\"/>\n"
            s += "<text x=\"\(Self.fmt(left - 6))\" y=\"\(Self.fmt(ty + 4))\" text-anchor=\"end\" font-size=\"11\">\(tick)</text>\n"
            if tick > Int64.max - step { break }
            tick += step
        }
        // Bars, with a tooltip each; label every bar when they fit, otherwise every k-th.
        let barW = max(1, slot * 0.8)
        let every = max(1, Int((Double(bars.count) / 24).rounded(.up)))
        for (i, bar) in bars.enumerated() {
            let x = left + Double(i) * slot + (slot - barW) / 2
            let y0 = y(max(0, bar.value)), y1 = y(min(0, bar.value))
            let color = style.colors[i % style.colors.count]
            s += "<rect class=\"bar\" x=\"\(Self.fmt(x))\" y=\"\(Self.fmt(y0))\" width=\"\(Self.fmt(barW))\""
            s += " height=\"\(Self.fmt(max(0.5, y1 - y0)))\" fill=\"\(esc(color))\"><title>\(esc(bar.label)): \(bar.value)</title></rect>\n"
            if style.showsValues {
                s += "<text x=\"\(Self.fmt(x + barW / 2))\" y=\"\(Self.fmt(y0 - 3))\" font-size=\"10\" text-anchor=\"middle\">"
                s += "\(bar.value)</text>\n"
            }
            if i % every == 0 {
                let lx = left + Double(i) * slot + slot / 2
                let ly = top + plotH + (rotated ? 10 : 14)
                let label = bar.label.count > 16 ? String(bar.label.prefix(15)) + "…" : bar.label
                s += "<text x=\"\(Self.fmt(lx))\" y=\"\(Self.fmt(ly))\" font-size=\"10\" fill=\"#444\""
                s += rotated
                    ? " text-anchor=\"end\" transform=\"rotate(-45 \(Self.fmt(lx)) \(Self.fmt(ly)))\">"
                    : " text-anchor=\"middle\">"
                s += "\(esc(label))</text>\n"
            }
        }
        if bars.isEmpty {
            s += "<text x=\"\(Self.fmt(left + plotW / 2))\" y=\"\(Self.fmt(top + plotH / 2))\" text-anchor=\"middle\""
            s += " font-size=\"13\" fill=\"#888\">no data</text>\n"
        }
        // Axes and their labels.
        s += "<line x1=\"\(Self.fmt(left))\" y1=\"\(Self.fmt(top))\" x2=\"\(Self.fmt(left))\" y2=\"\(Self.fmt(top + plotH))\" stroke=\"black\"/>\n"
        if !xAxisLabel.isEmpty {
            s += "<text x=\"\(Self.fmt(left + plotW / 2))\" y=\"\(Self.fmt(height - 8))\" text-anchor=\"middle\" font-size=\"12\">"
            s += "\(esc(xAxisLabel))</text>\n"
        }
        if !yAxisLabel.isEmpty {
            let cy = Self.fmt(top + plotH / 2)
            s += "<text x=\"16\" y=\"\(cy)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(cy))\">"
            s += "\(esc(yAxisLabel))</text>\n"
        }
        return s + "</svg>\n"
    }

    private func esc(_ text: String) -> String { HTMLEscaping.escape(text) }

    /// A "nice" tick step (1, 2 or 5 × 10^k) giving about five ticks over `minValue...maxValue`.
    static func tickStep(_ maxValue: Int64, _ minValue: Int64 = 0) -> Int64 {
        let range = maxValue.subtractingReportingOverflow(minValue)
        let extent = range.overflow ? Int64.max : range.partialValue
        if extent <= 5 { return 1 }
        var step: Int64 = 1
        while true {
            for m: Int64 in [1, 2, 5] where extent / (step * m) <= 5 { return step * m }
            if step > Int64.max / 100 { return step }
            step *= 10
        }
    }

    /// `value` rounded up to a multiple of `step` (saturating).
    static func roundUp(_ value: Int64, _ step: Int64) -> Int64 {
        guard value > 0 else { return 0 }
        let (q, r) = value.quotientAndRemainder(dividingBy: step)
        let (up, overflow) = (q + (r == 0 ? 0 : 1)).multipliedReportingOverflow(by: step)
        return overflow ? Int64.max : up
    }

    /// A fraction with at most two decimals (`0.35`).
    static func fmt100(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        let r = (min(1, max(0, d)) * 100).rounded()
        return r >= 100 ? "1" : r < 10 ? "0.0\(Int(r))" : "0.\(Int(r))"
    }

    /// A coordinate with at most one decimal (`12`, `12.5`).
    static func fmt(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        let r = (d * 10).rounded() / 10
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }
}

/// One bucket of a histogram: `count` values fell in `lower...upper`.
public struct HistogramBucket: Sendable, Hashable {
    /// Smallest value counted in this bucket (inclusive).
    public var lower: Int64
    /// Largest value counted in this bucket (inclusive).
    public var upper: Int64
    /// Number of values that fell in this bucket.
    public var count: Int64
    /// Creates a bucket.
    public init(lower: Int64, upper: Int64, count: Int64) {
        self.lower = lower
        self.upper = upper
        self.count = count
    }

    /// The bucket's bounds for an axis, with binary prefixes: `1K–2K` for the log2 bucket `1024...2047` (the
    /// upper bound shown exclusive when it ends just below a power of two), `10–100` for `10...100`, `≥1G` for an
    /// open last bucket (`upper` is `Int64.max`).
    public var label: String {
        if upper == Int64.max { return "≥\(Self.human(lower))" }
        let next = upper + 1
        let shown = next > 1 && next & (next - 1) == 0 ? next : upper
        return "\(Self.human(lower))–\(Self.human(shown))"
    }

    /// `1K`, `2M`, `4G`… for a bound that is a whole multiple of a binary prefix, else the number itself.
    public static func human(_ v: Int64) -> String {
        let units: [(Int64, String)] = [
            (1 << 60, "E"), (1 << 50, "P"), (1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K"),
        ]
        for (scale, suffix) in units where v >= scale && v % scale == 0 { return "\(v / scale)\(suffix)" }
        return String(v)
    }
}
