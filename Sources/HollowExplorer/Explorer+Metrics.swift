import HollowCharts
import HollowCore
import Hummingbird

/// One `Metric` of a `MetricsState` record.
struct MetricData {
    var key: String
    var name: String
    var total: Int64
    var unit: String
    var buckets: [(lower: Int64, upper: Int64, count: Int64)]
}

/// One `MetricsState` record: a source's metrics and aggregates.
struct SourceMetrics {
    var ordinal: Int
    var source: String
    var timestamp: String
    var metrics: [MetricData]
    var aggregates: [(String, Int64)]
}

/// One `MetricsSource` record: what a central aggregator (`kea-edge aggregate`) knows of a source.
struct SourceStatus {
    var lastTimestamp: String
    var intervals: Int64
    var stale: Bool
}

extension Explorer {
    static let metricsType = "MetricsState"
    /// The type an aggregated namespace adds: one record per source, with its staleness.
    static let sourceType = "MetricsSource"

    /// The `MetricsSource` records of `s` by source name; empty for a single collector's store, which has none.
    static func readSourceStatus(_ s: LoadedState) -> [String: SourceStatus] {
        guard s.schema(sourceType) != nil else { return [:] }
        var out: [String: SourceStatus] = [:]
        for o in s.populated(sourceType) {
            let stale: Bool = if case .boolean(let b)? = s.value(sourceType, o, path: ["stale"]) { b } else { false }
            out[text(s.value(sourceType, o, path: ["source"]))] = SourceStatus(
                lastTimestamp: text(s.value(sourceType, o, path: ["lastTimestamp"])),
                intervals: int(s.value(sourceType, o, path: ["intervals"])), stale: stale)
        }
        return out
    }

    static func int(_ v: ExplorerFieldValue?) -> Int64 {
        switch v {
        case .int(let i), .long(let i): i
        default: 0
        }
    }

    static func text(_ v: ExplorerFieldValue?) -> String {
        guard let v, v != .null else { return "" }
        return v.text
    }

    /// Reads every `MetricsState` record of `s` (sorted by source).
    static func readMetrics(_ s: LoadedState) -> [SourceMetrics] {
        guard case .object(let schema) = s.schema(metricsType) else { return [] }
        func mapEntries(_ o: Int, field: String) -> (HollowMapSchema, [ExplorerRecord.MapEntry])? {
            guard let i = schema.fieldIndex(field), let mapType = schema.fields[i].referencedType,
                case .map(let ms) = s.schema(mapType), case .reference(let m)? = s.value(metricsType, o, path: [Substring(field)]),
                case .map(let entries)? = s.record(mapType, m)
            else { return nil }
            return (ms, entries)
        }
        var out: [SourceMetrics] = []
        for o in s.populated(metricsType) {
            var sm = SourceMetrics(
                ordinal: o, source: text(s.value(metricsType, o, path: ["source"])),
                timestamp: text(s.value(metricsType, o, path: ["timestamp"])), metrics: [], aggregates: [])
            if let (ms, entries) = mapEntries(o, field: "metrics") {
                for e in entries {
                    let key = RecordRendering.display(s, ms.keyType, e.key) ?? "#\(e.key)"
                    let mt = ms.valueType
                    var md = MetricData(
                        key: key, name: text(s.value(mt, e.value, path: ["name"])), total: int(s.value(mt, e.value, path: ["total"])),
                        unit: text(s.value(mt, e.value, path: ["unit"])), buckets: [])
                    if case .object(let mschema) = s.schema(mt), let bi = mschema.fieldIndex("buckets"),
                        let listType = mschema.fields[bi].referencedType, case .list(let ls) = s.schema(listType),
                        case .reference(let l)? = s.value(mt, e.value, path: ["buckets"]), case .list(let elements)? = s.record(listType, l)
                    {
                        for b in elements {
                            md.buckets.append((
                                int(s.value(ls.elementType, b, path: ["lower"])), int(s.value(ls.elementType, b, path: ["upper"])),
                                int(s.value(ls.elementType, b, path: ["count"]))
                            ))
                        }
                    }
                    sm.metrics.append(md)
                }
            }
            sm.metrics.sort { $0.key < $1.key }
            if let (ms, entries) = mapEntries(o, field: "aggregates") {
                for e in entries {
                    let key = RecordRendering.display(s, ms.keyType, e.key) ?? "#\(e.key)"
                    sm.aggregates.append((key, int(s.value(ms.valueType, e.value, path: []))))
                }
                sm.aggregates.sort { $0.0 < $1.0 }
            }
            out.append(sm)
        }
        return out.sorted { $0.source < $1.source }
    }

    /// Whether a metric measures time (its unit or name says so): those get a heatmap over time.
    static func isLatency(name: String, unit: String) -> Bool {
        let u = unit.lowercased()
        let n = name.lowercased()
        let units = ["ns", "nsecs", "us", "usecs", "µs", "ms", "msecs", "s", "secs", "seconds", "time"]
        let words = u.split { !$0.isLetter && $0 != "µ" }.map(String.init)
        return words.contains { units.contains($0) } || ["latency", "time", "duration", "delay"].contains { n.contains($0) }
    }

    /// The colour of `source` on every chart: its place among all sources of the version picks it from the palette.
    static func color(_ index: Int) -> String { BarChart.Style.palette[index % BarChart.Style.palette.count] }

    /// The query parameters of the metrics page: which sources and which part of the window.
    struct MetricsSelection {
        var sources: [String]
        var since: (text: String, time: UTCTime)?
        var until: (text: String, time: UTCTime)?
        var last: Int?

        init(_ request: Request, version: Int64, known: [String]) throws {
            sources = request.queryParameters.list("source")
            if let name = sources.first(where: { !known.contains($0) }) {
                throw HTTPError(
                    .notFound,
                    message: "no source '\(name)' in version \(version) (its sources: \(known.joined(separator: ", ")))")
            }
            func time(_ name: String) throws -> (text: String, time: UTCTime)? {
                guard let text = request.query(name)?.trimmingSpaces, !text.isEmpty else { return nil }
                guard let t = UTCTime(iso8601: text) else {
                    throw HTTPError(
                        .badRequest,
                        message: "bad \(name) '\(text)': expected an ISO 8601 UTC time such as 2026-11-22T12:00:00Z (or a date 2026-11-22)")
                }
                return (text, t)
            }
            since = try time("since")
            until = try time("until")
            if let since, let until, since.time > until.time {
                throw HTTPError(.badRequest, message: "bad time range: since \(since.text) is after until \(until.text)")
            }
            if let text = request.query("last"), !text.isEmpty {
                guard let n = Int(text), n >= 1, n <= 100_000 else {
                    throw HTTPError(.badRequest, message: "bad last '\(text)': expected a number of intervals in 1...100000")
                }
                last = n
            }
        }

        var json: JSONValue {
            [
                "sources": .array(sources.map { .string($0) }), "since": .from(since?.text), "until": .from(until?.text),
                "last": last.map { .from($0) } ?? .null,
            ]
        }
    }

    func metricsPage(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let v = try await resolveVersion(request.query("version"), inv)
        let s = try await state(v, inv)
        let explicit = request.query("version") != nil
        guard s.schema(Self.metricsType) != nil else {
            throw HTTPError(.notFound, message: "version \(v) has no \(Self.metricsType) type: no metrics to chart")
        }
        let everything = Self.readMetrics(s)
        let status = Self.readSourceStatus(s)
        let allSources = Array(Set(everything.map(\.source))).sorted()
        let colorOf = Dictionary(uniqueKeysWithValues: allSources.enumerated().map { ($1, Self.color($0)) })
        let selection = try MetricsSelection(request, version: v, known: allSources)
        let trends = try MetricTrends(
            records: everything, selection: selection, version: v, colorOf: colorOf)
        let sources = trends.records

        // Totals over the selection: each metric's sum per source.
        var totals: [String: [(String, Int64)]] = [:]
        for src in sources {
            for m in src.metrics {
                if let i = totals[m.key]?.firstIndex(where: { $0.0 == src.source }) {
                    totals[m.key]![i].1 &+= m.total
                } else {
                    totals[m.key, default: []].append((src.source, m.total))
                }
            }
        }
        let json: JSONValue = [
            "version": .int(v),
            "selection": selection.json,
            "window": [
                "sources": .array(allSources.map { name in
                    var entry: [(key: String, value: JSONValue)] = [("source", .string(name)), ("color", .string(colorOf[name] ?? ""))]
                    if let st = status[name] {
                        entry += [("stale", .bool(st.stale)), ("lastTimestamp", .string(st.lastTimestamp)), ("intervalsHeld", .int(st.intervals))]
                    }
                    return .object(entry)
                }),
                "first": .from(everything.map(\.timestamp).min()), "last": .from(everything.map(\.timestamp).max()),
                "intervals": .from(Set(everything.map(\.timestamp)).count),
            ],
            "sources": .array(sources.map { src in
                [
                    "source": .string(src.source), "timestamp": .string(src.timestamp), "ordinal": .from(src.ordinal),
                    "metrics": .array(src.metrics.map { m in
                        [
                            "key": .string(m.key), "name": .string(m.name), "total": .int(m.total), "unit": .string(m.unit),
                            "buckets": .array(m.buckets.map { ["lower": .int($0.lower), "upper": .int($0.upper), "count": .int($0.count)] }),
                        ]
                    }),
                    "aggregates": .object(src.aggregates.map { ($0.0, .int($0.1)) }),
                ]
            }),
            "totals": .object(totals.sorted { $0.key < $1.key }.map { k, v in
                (k, ["sum": .int(v.reduce(0) { $0 &+ $1.1 }), "bySource": .object(v.map { ($0.0, .int($0.1)) })])
            }),
            "trends": trends.json,
        ]
        let chosen = Set(selection.sources.isEmpty ? allSources : selection.sources)
        // An aggregated namespace says which sources went silent (MetricsSource.stale).
        let intervalsTable = status.isEmpty
            ? TableView(
                ["source", "intervals", "first", "last"],
                trends.perSource.map { row in
                    [[.code(row.source)], [.span("num", String(row.count))], [.text(row.first)], [.text(row.last)]]
                }, id: "intervals")
            : TableView(
                ["source", "intervals", "first", "last", "status"],
                trends.perSource.map { row in
                    let stale = status[row.source]?.stale ?? false
                    return [[.code(row.source)], [.span("num", String(row.count))], [.text(row.first)], [.text(row.last)],
                            [stale ? .span("stale", "stale") : .text("live")]]
                }, id: "intervals")
        let view = MetricsView(
            versions: await loadableVersions(inv).reversed().map { .init(value: $0, selected: explicit && $0 == v) },
            version: v, follows: !explicit,
            sources: allSources.map { .init(name: $0, color: colorOf[$0] ?? "", checked: chosen.contains($0)) },
            since: selection.since?.text ?? "", until: selection.until?.text ?? "",
            last: selection.last.map(String.init) ?? "",
            window: "\(trends.span) · \(trends.timestamps.count) interval(s) shown",
            jsonHref: "/api" + request.uri.description,
            intervals: intervalsTable,
            metrics: trends.metricViews(), aggregates: trends.aggregateViews())
        return Page(title: "Metrics", json: json, template: "metrics", view: view, followsVersion: explicit ? nil : v,
                    refreshSeconds: configuration.refreshSeconds)
    }
}

/// The metric trends of one version's window for a selection of sources and a time range: per metric and aggregate
/// a time series per source, the newest histograms, and histogram heatmaps of latency metrics.
struct MetricTrends {
    struct Interval {
        var timestamp: String
        var time: UTCTime?
    }
    /// The records selected, sorted by source then time.
    var records: [SourceMetrics]
    /// The distinct timestamps selected, oldest first.
    var timestamps: [Interval]
    var colorOf: [String: String]
    var selectedSources: [String]
    /// Whether every timestamp parsed (then x is time; else x is the interval's place).
    var timeAxis: Bool

    init(records all: [SourceMetrics], selection: Explorer.MetricsSelection, version: Int64, colorOf: [String: String]) throws {
        self.colorOf = colorOf
        let allSources = Array(Set(all.map(\.source))).sorted()
        selectedSources = selection.sources.isEmpty ? allSources : allSources.filter { selection.sources.contains($0) }
        let wanted = Set(selectedSources)
        let parsed = Dictionary(all.map { ($0.timestamp, UTCTime(iso8601: $0.timestamp)) }, uniquingKeysWith: { a, _ in a })
        let axis = parsed.values.allSatisfy { $0 != nil }
        timeAxis = axis
        func before(_ a: String, _ b: String) -> Bool {
            if axis, let x = parsed[a] ?? nil, let y = parsed[b] ?? nil, x != y { return x < y }
            return a < b
        }
        var picked = all.filter { wanted.contains($0.source) }
        if let since = selection.since?.time {
            picked = picked.filter { parsed[$0.timestamp].flatMap { $0 }.map { $0 >= since } ?? false }
        }
        if let until = selection.until?.time {
            picked = picked.filter { parsed[$0.timestamp].flatMap { $0 }.map { $0 <= until } ?? false }
        }
        var stamps = Array(Set(picked.map(\.timestamp))).sorted(by: before)
        if let last = selection.last, stamps.count > last {
            stamps = Array(stamps.suffix(last))
            let keep = Set(stamps)
            picked = picked.filter { keep.contains($0.timestamp) }
        }
        if picked.isEmpty {
            let window = Array(Set(all.map(\.timestamp))).sorted(by: before)
            let range = [selection.since.map { "since \($0.text)" }, selection.until.map { "until \($0.text)" }]
                .compactMap { $0 }.joined(separator: " ")
            throw HTTPError(
                .notFound,
                message: "no interval of \(selectedSources.joined(separator: ", ")) in version \(version)"
                    + (range.isEmpty ? "" : " \(range)")
                    + (window.isEmpty ? " (the window is empty)" : " (the window spans \(window.first!) … \(window.last!))"))
        }
        records = picked.sorted { $0.source != $1.source ? $0.source < $1.source : before($0.timestamp, $1.timestamp) }
        timestamps = stamps.map { Interval(timestamp: $0, time: parsed[$0] ?? nil) }
    }

    var span: String {
        guard let first = timestamps.first, let last = timestamps.last else { return "" }
        return first.timestamp == last.timestamp ? first.timestamp : "\(first.timestamp) … \(last.timestamp)"
    }

    /// Per source: how many intervals, first and last.
    var perSource: [(source: String, count: Int, first: String, last: String)] {
        selectedSources.compactMap { src in
            let mine = records.filter { $0.source == src }
            guard let first = mine.first, let last = mine.last else { return nil }
            return (src, mine.count, first.timestamp, last.timestamp)
        }
    }

    private var index: [String: Int] {
        Dictionary(uniqueKeysWithValues: timestamps.enumerated().map { ($1.timestamp, $0) })
    }

    func x(_ timestamp: String) -> Double {
        if timeAxis, let t = timestamps[safe: index[timestamp] ?? -1]?.time { return Double(t.seconds) }
        return Double(index[timestamp] ?? 0)
    }

    func shortLabel(_ timestamp: String) -> String {
        if let t = UTCTime(iso8601: timestamp) {
            let first = timestamps.first?.time?.seconds ?? 0
            let last = timestamps.last?.time?.seconds ?? 0
            return first / 86400 != last / 86400 ? t.dayAndTime : t.timeOfDay
        }
        return timestamp
    }

    var metricKeys: [String] { Array(Set(records.flatMap { $0.metrics.map(\.key) })).sorted() }
    var aggregateKeys: [String] { Array(Set(records.flatMap { $0.aggregates.map(\.0) })).sorted() }

    func series(_ value: (SourceMetrics) -> Int64?) -> [(source: String, points: [(timestamp: String, value: Int64)])] {
        var out: [(source: String, points: [(timestamp: String, value: Int64)])] = []
        for src in selectedSources {
            var points: [(timestamp: String, value: Int64)] = []
            for r in records where r.source == src {
                if let v = value(r) { points.append((r.timestamp, v)) }
            }
            if !points.isEmpty { out.append((src, points)) }
        }
        return out
    }

    func metric(_ key: String) -> (name: String, unit: String) {
        let m = records.lazy.compactMap { $0.metrics.first { $0.key == key } }.first
        return (m.map { $0.name.isEmpty ? key : $0.name } ?? key, m?.unit ?? "")
    }

    /// Each source's newest interval holding metric `key`.
    func latest(_ key: String) -> [(source: String, timestamp: String, metric: MetricData)] {
        var out: [(source: String, timestamp: String, metric: MetricData)] = []
        for src in selectedSources {
            guard let r = records.last(where: { $0.source == src && $0.metrics.contains { $0.key == key } }),
                let m = r.metrics.first(where: { $0.key == key })
            else { continue }
            out.append((src, r.timestamp, m))
        }
        return out
    }

    /// The histogram of metric `key` over time, summed over the selected sources: rows are buckets (by bounds).
    func heatmap(_ key: String) -> (buckets: [(lower: Int64, upper: Int64)], counts: [[Int64]]) {
        var bounds = Set<[Int64]>()
        for r in records { for m in r.metrics where m.key == key { for b in m.buckets { bounds.insert([b.lower, b.upper]) } } }
        let rows = bounds.sorted { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] < $1[1] }
        let rowIndex = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        let columns = index
        var counts = [[Int64]](repeating: [Int64](repeating: 0, count: timestamps.count), count: rows.count)
        for r in records {
            guard let c = columns[r.timestamp] else { continue }
            for m in r.metrics where m.key == key {
                for b in m.buckets { if let row = rowIndex[[b.lower, b.upper]] { counts[row][c] &+= b.count } }
            }
        }
        return (rows.map { ($0[0], $0[1]) }, counts)
    }

    var json: JSONValue {
        func seriesJSON(_ series: [(source: String, points: [(timestamp: String, value: Int64)])], _ name: String) -> JSONValue {
            .array(series.map { s in
                [
                    "source": .string(s.source), "color": .string(colorOf[s.source] ?? ""),
                    "points": .array(s.points.map { ["timestamp": .string($0.timestamp), name: .int($0.value)] }),
                ]
            })
        }
        return [
            "timestamps": .array(timestamps.map { .string($0.timestamp) }),
            "metrics": .array(metricKeys.map { key in
                let (name, unit) = metric(key)
                let latency = Explorer.isLatency(name: name, unit: unit)
                var members: [(key: String, value: JSONValue)] = [
                    ("key", .string(key)), ("name", .string(name)), ("unit", .string(unit)), ("latency", .bool(latency)),
                    ("series", seriesJSON(series { r in r.metrics.first { $0.key == key }?.total }, "total")),
                    ("latest", .array(latest(key).map { l in
                        [
                            "source": .string(l.source), "timestamp": .string(l.timestamp),
                            "buckets": .array(l.metric.buckets.map { ["lower": .int($0.lower), "upper": .int($0.upper), "count": .int($0.count)] }),
                        ]
                    })),
                ]
                if latency {
                    let h = heatmap(key)
                    members.append(("heatmap", [
                        "timestamps": .array(timestamps.map { .string($0.timestamp) }),
                        "buckets": .array(zip(h.buckets, h.counts).map { b, c in
                            ["lower": .int(b.lower), "upper": .int(b.upper), "counts": .array(c.map { .int($0) })]
                        }),
                    ]))
                } else {
                    members.append(("heatmap", .null))
                }
                return .object(members)
            }),
            "aggregates": .array(aggregateKeys.map { key in
                ["key": .string(key), "series": seriesJSON(series { r in r.aggregates.first { $0.0 == key }?.1 }, "value")]
            }),
        ]
    }

    private func lineChart(_ title: String, yAxis: String, _ series: [(source: String, points: [(timestamp: String, value: Int64)])]) -> String {
        LineChart(
            title: title, subtitle: span, xAxisLabel: timeAxis ? "interval end (UTC)" : "interval", yAxisLabel: yAxis,
            series: series.map { s in
                LineChart.Series(
                    name: s.source, color: colorOf[s.source] ?? "#888",
                    points: s.points.map { LineChart.Point(x: x($0.timestamp), y: $0.value, label: $0.timestamp) })
            },
            xAxis: timeAxis ? .time : .numeric
        ).svg()
    }

    func metricViews() -> [MetricsView.Trend] {
        metricKeys.map { key in
            let (name, unit) = metric(key)
            let line = lineChart(
                "\(name) — total per interval", yAxis: unit.isEmpty ? "count" : "count of \(unit)",
                series { r in r.metrics.first { $0.key == key }?.total })
            let latest = latest(key).map { l in
                MetricsView.Chart(svg: BarChart.histogram(
                    title: "\(l.source) — latest", subtitle: "\(l.timestamp) · total \(l.metric.total)",
                    buckets: l.metric.buckets.map { HistogramBucket(lower: $0.lower, upper: $0.upper, count: $0.count) },
                    style: BarChart.Style(colors: [colorOf[l.source] ?? "#888"], cssClass: "histogram")
                ).svg())
            }
            var heat: MetricsView.Chart?
            if Explorer.isLatency(name: name, unit: unit) {
                let h = heatmap(key)
                heat = MetricsView.Chart(svg: HeatmapChart(
                    title: "\(name) — histogram over time", subtitle: "\(selectedSources.joined(separator: " + ")) · \(span)",
                    xAxisLabel: timeAxis ? "interval end (UTC)" : "interval", yAxisLabel: unit,
                    columns: timestamps.map { shortLabel($0.timestamp) },
                    rows: h.buckets.map { HistogramBucket(lower: $0.lower, upper: $0.upper, count: 0).label },
                    counts: h.counts, width: 720
                ).svg())
            }
            return MetricsView.Trend(key: key, name: name, unit: unit, line: .init(svg: line), latest: latest, heatmap: heat)
        }
    }

    func aggregateViews() -> [MetricsView.Chart] {
        aggregateKeys.map { key in
            MetricsView.Chart(svg: lineChart(key, yAxis: "value", series { r in r.aggregates.first { $0.0 == key }?.1 }))
        }
    }
}
