/// Bad input to ``BCCReport/parse(_:)``: the 1-based line number and what was expected there.
public struct BCCReportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number in the input.
    public var line: Int
    /// What was found and what was expected.
    public var message: String
    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}

/// The summary printed by the seeds' BCC script (`kea_metrics.py`) when it stops.
///
/// The text holds optional load/attach messages, then `Metrics Summary:` with one section per metric —
/// a title line such as `Packet Processing Time:` followed by BCC `print_log2_hist` lines (narrow
/// `%10d -> %-10d` or wide `%20d -> %-20d` layout), or `Title: No data collected or error occurred` —
/// and finally `Aggregate Counts:` with `Title: number` lines.
public struct BCCReport: Sendable, Hashable {
    /// Histograms by snake_case name.
    public var metrics: [String: Metric]
    /// Aggregate counts by snake_case name.
    public var aggregates: [String: Int64]
    /// snake_case names of the sections that said `No data collected` (or printed no histogram).
    public var sectionsWithoutData: [String]

    /// Parses the script's output.
    /// - Throws: ``BCCReportError`` naming the first bad line and what was expected there.
    /// - Complexity: O(n) in the length of the text.
    public static func parse(_ text: String) throws(BCCReportError) -> BCCReport {
        var parser = Parser(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? Substring($0.dropLast()) : Substring($0)
        })
        return try parser.run()
    }

    /// The report as the state of one interval.
    public func metricsState(source: String, timestamp: String) -> MetricsState {
        MetricsState(timestamp: timestamp, source: source, metrics: metrics, aggregates: aggregates)
    }
}

private struct Parser {
    let lines: [Substring]
    var i = 0
    var metrics: [String: Metric] = [:]
    var aggregates: [String: Int64] = [:]
    var noData: [String] = []
    var seenSections: [String: Int] = [:]

    init(lines: [Substring]) { self.lines = lines }

    func fail(_ index: Int, _ message: String) -> BCCReportError {
        BCCReportError(line: index + 1, message: message)
    }

    static let noDataPrefix = "No data collected"

    mutating func run() throws(BCCReportError) -> BCCReport {
        // Everything before `Metrics Summary:` is the script's chatter (load and attach messages).
        var summaryLine = 0
        if let start = lines.firstIndex(where: { $0.trimmed == "Metrics Summary:" }) { i = start + 1; summaryLine = start }
        var sawSummaryContent = false
        while i < lines.count {
            let line = lines[i]
            let t = line.trimmed
            if t.isEmpty { i += 1; continue }
            if t == "Aggregate Counts:" {
                try aggregatesSection()
                sawSummaryContent = true
                break
            }
            if t.hasSuffix(":") && !t.contains("->") {
                try histogramSection(title: String(t.dropLast().trimmed))
                sawSummaryContent = true
                continue
            }
            if let colon = t.firstRange(of: ": "), t[colon.upperBound...].trimmed.hasPrefix(Self.noDataPrefix) {
                let title = String(t[..<colon.lowerBound].trimmed)
                try register(title: title, at: i)
                noData.append(title.snakeCased)
                sawSummaryContent = true
                i += 1
                continue
            }
            throw fail(
                i,
                "expected a section title ending in ':' (e.g. 'Packet Processing Time:'), "
                    + "'Title: No data collected or error occurred' or 'Aggregate Counts:', found '\(t)'"
            )
        }
        if !sawSummaryContent {
            throw fail(summaryLine, "expected a metrics summary (histogram sections or 'Aggregate Counts:'), found none")
        }
        return BCCReport(metrics: metrics, aggregates: aggregates, sectionsWithoutData: noData)
    }

    mutating func register(title: String, at index: Int) throws(BCCReportError) {
        let name = title.snakeCased
        if name.isEmpty { throw fail(index, "expected a section title with letters or digits, found '\(title)'") }
        if let previous = seenSections[name] {
            throw fail(index, "duplicate section '\(title)' (metric '\(name)' already defined on line \(previous + 1))")
        }
        seenSections[name] = index
    }

    mutating func histogramSection(title: String) throws(BCCReportError) {
        let titleIndex = i
        try register(title: title, at: titleIndex)
        let name = title.snakeCased
        i += 1
        while i < lines.count, lines[i].trimmed.isEmpty { i += 1 }
        // BCC prints nothing at all for a histogram whose only slot is 0: a title followed by the next
        // title, `Aggregate Counts:` or the end is a section without data.
        if i >= lines.count || isSectionStart(lines[i].trimmed) {
            noData.append(name)
            return
        }
        // Header: `     time (ns)           : count     distribution`
        let header = lines[i]
        guard let colon = header.lastIndex(of: ":"), header[header.index(after: colon)...].trimmed.hasPrefix("count")
        else {
            throw fail(i, "expected the histogram header of '\(title)' ('<value label> : count     distribution'), found '\(header.trimmed)'")
        }
        let headerIndex = i
        let unit = String(header[..<colon].trimmed)
        if unit.isEmpty { throw fail(i, "expected a value label (e.g. 'time (ns)') before ': count' in the histogram header of '\(title)'") }
        i += 1
        var buckets: [MetricBucket] = []
        while i < lines.count {
            let t = lines[i].trimmed
            if t.isEmpty || !t.contains("->") {
                if !t.isEmpty && !isSectionStart(t) {
                    throw fail(i, "expected a histogram line 'low -> high : count |stars|' in '\(title)', found '\(t)'")
                }
                break
            }
            let bucket = try bucketLine(t, title: title)
            if let last = buckets.last, bucket.lower <= last.upper {
                throw fail(i, "expected bucket bounds above \(last.upper) (buckets ascend), found \(bucket.lower) -> \(bucket.upper)")
            }
            buckets.append(bucket)
            i += 1
        }
        if buckets.isEmpty {
            throw fail(headerIndex, "expected at least one histogram line 'low -> high : count |stars|' after the header of '\(title)'")
        }
        var total: Int64 = 0
        for b in buckets {
            let (sum, overflow) = total.addingReportingOverflow(b.count)
            if overflow { throw fail(titleIndex, "the counts of '\(title)' add up beyond Int64.max") }
            total = sum
        }
        metrics[name] = Metric(name: name, unit: unit, buckets: buckets, total: total)
    }

    func isSectionStart(_ t: Substring) -> Bool {
        if t == "Aggregate Counts:" { return true }
        if t.hasSuffix(":") && !t.contains("->") { return true }
        if let colon = t.firstRange(of: ": "), t[colon.upperBound...].trimmed.hasPrefix(Self.noDataPrefix) { return true }
        return false
    }

    func number(_ text: Substring, _ what: String) throws(BCCReportError) -> Int64 {
        let t = text.trimmed
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw fail(i, "expected \(what) (a non-negative integer), found '\(t)'")
        }
        guard let v = Int64(t) else { throw fail(i, "\(what) \(t) exceeds Int64.max") }
        return v
    }

    func bucketLine(_ t: Substring, title: String) throws(BCCReportError) -> MetricBucket {
        // `low -> high : count |stars|`
        guard let arrow = t.firstRange(of: "->") else {
            throw fail(i, "expected 'low -> high : count |stars|' in '\(title)', found '\(t)'")
        }
        let lower = try number(t[..<arrow.lowerBound], "a lower bucket bound")
        let rest = t[arrow.upperBound...]
        guard let colon = rest.firstIndex(of: ":") else {
            throw fail(i, "expected ': count' after the bucket bounds in '\(title)', found '\(t)'")
        }
        let upper = try number(rest[..<colon], "an upper bucket bound")
        var countPart = rest[rest.index(after: colon)...].trimmed
        var stars: Substring = ""
        if let bar = countPart.firstIndex(of: "|") {
            stars = countPart[bar...]
            countPart = countPart[..<bar].trimmed
        }
        let count = try number(countPart, "a bucket count")
        if !stars.isEmpty {
            guard stars.count >= 2, stars.last == "|", stars.dropFirst().dropLast().allSatisfy({ $0 == "*" || $0 == " " })
            else { throw fail(i, "expected the distribution bar '|***   |' after the count, found '\(stars)'") }
        }
        if lower > upper { throw fail(i, "expected lower bound <= upper bound, found \(lower) -> \(upper)") }
        return MetricBucket(lower: lower, upper: upper, count: count)
    }

    mutating func aggregatesSection() throws(BCCReportError) {
        i += 1
        var seen: [String: Int] = [:]
        while i < lines.count {
            let t = lines[i].trimmed
            if t.isEmpty { i += 1; continue }
            // `Packet Drop Rate: 1`; the first line without `: ` ends the list (e.g. `Monitoring complete.`).
            guard let colon = t.firstRange(of: ": ") ?? (t.hasSuffix(":") ? t.index(before: t.endIndex)..<t.endIndex : nil)
            else { break }
            let title = String(t[..<colon.lowerBound].trimmed)
            let valueText = t[colon.upperBound...].trimmed
            let negative = valueText.hasPrefix("-")
            let magnitude = try number(negative ? valueText.dropFirst() : valueText, "the count of aggregate '\(title)'")
            let name = title.snakeCased
            if name.isEmpty { throw fail(i, "expected an aggregate name with letters or digits, found '\(title)'") }
            if let previous = seen[name] {
                throw fail(i, "duplicate aggregate '\(title)' (already on line \(previous + 1))")
            }
            seen[name] = i
            aggregates[name] = negative ? -magnitude : magnitude
            i += 1
        }
    }
}

extension Substring {
    var trimmed: Substring {
        let s = self
        guard let first = s.firstIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        let last = s.lastIndex(where: { !$0.isWhitespace })!
        return s[first...last]
    }
}

extension String {
    var trimmed: Substring { self[...].trimmed }
}
