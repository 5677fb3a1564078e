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

extension Explorer {
    static let metricsType = "MetricsState"

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

    func metricsPage(_ request: Request) async throws -> Page {
        let inv = try await inventory()
        let v = try await resolveVersion(request.query("version"), inv)
        let s = try await state(v, inv)
        let explicit = request.query("version") != nil
        guard s.schema(Self.metricsType) != nil else {
            throw ExplorerError(.notFound, "version \(v) has no \(Self.metricsType) type: no metrics to chart")
        }
        let onlySource = request.query("source").flatMap { $0.isEmpty ? nil : $0 }
        var sources = Self.readMetrics(s)
        if let onlySource {
            sources = sources.filter { $0.source == onlySource }
            if sources.isEmpty { throw ExplorerError(.notFound, "no source '\(onlySource)' in version \(v)") }
        }
        // Aggregates over the window: totals of each metric across sources.
        var totals: [String: [(String, Int64)]] = [:]
        for src in sources { for m in src.metrics { totals[m.key, default: []].append((src.source, m.total)) } }
        let json: JSONValue = [
            "version": .int(v),
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
                (k, ["sum": .int(v.reduce(0) { $0 + $1.1 }), "bySource": .object(v.map { ($0.0, .int($0.1)) })])
            }),
        ]
        var body = "<h1>Metrics "
        let pickable = await loadableVersions(inv)
        body += Self.versionPicker("/metrics", current: v, versions: pickable) + "</h1>"
        body += "<p>\(sources.count) source(s). \(Layout.link("/api/metrics" + Self.vq(s, explicit), "JSON"))"
        body += explicit ? "" : " · follows the current version (reloads when a new one arrives)"
        body += "</p><h2>Totals across sources</h2><div class=\"charts\" id=\"totals\">"
        for (key, values) in totals.sorted(by: { $0.key < $1.key }) {
            body += "<div class=\"chart\">" + SVGChart.bars(title: key, labels: values.map(\.0), values: values.map(\.1)) + "</div>"
        }
        body += "</div>"
        for src in sources {
            body += "<h2 id=\"src-\(Layout.esc(src.source))\">Source <span class=\"mono\">\(Layout.esc(src.source))</span> <span class=\"muted\">\(Layout.esc(src.timestamp))</span></h2>"
            body += "<div class=\"charts\">"
            for m in src.metrics {
                body += "<div class=\"chart\">" + SVGChart.histogram(
                    title: "\(m.name.isEmpty ? m.key : m.name) — total \(m.total)\(m.unit.isEmpty ? "" : " \(m.unit)")",
                    buckets: m.buckets) + "</div>"
            }
            if !src.aggregates.isEmpty {
                body += "<div class=\"chart\">" + SVGChart.bars(title: "aggregates", labels: src.aggregates.map(\.0), values: src.aggregates.map(\.1)) + "</div>"
            }
            body += "</div>"
        }
        return Page(title: "Metrics", json: json, body: body, followsVersion: explicit ? nil : v, refreshSeconds: configuration.refreshSeconds)
    }
}

/// Server-rendered SVG charts.
enum SVGChart {
    static let palette = ["#3b6fd8", "#e0803a", "#3aa76d", "#c2457a", "#7a5bd0", "#2a9bb0", "#b59a2b"]

    /// A histogram: one bar per bucket, labelled `lower–upper`.
    static func histogram(title: String, buckets: [(lower: Int64, upper: Int64, count: Int64)]) -> String {
        bars(title: title, labels: buckets.map { "\($0.lower)–\($0.upper)" }, values: buckets.map(\.count), color: palette[0])
    }

    /// Vertical bars with value labels.
    static func bars(title: String, labels: [String], values: [Int64], color: String? = nil) -> String {
        let width = max(260, 70 + labels.count * 72)
        let height = 200
        let top = 30, bottom = 40, left = 64
        let plotH = height - top - bottom
        let maxV = max(1, values.max() ?? 1)
        let minV = min(0, values.min() ?? 0)
        let span = Double(maxV - minV)
        let slot = Double(width - left - 10) / Double(max(1, labels.count))
        func y(_ v: Int64) -> Double { Double(top) + Double(plotH) * (1 - Double(v - minV) / span) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" class=\"histogram\">"
        svg += "<title>\(Layout.esc(title))</title>"
        svg += "<text x=\"6\" y=\"18\" font-size=\"13\" font-weight=\"600\">\(Layout.esc(title))</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(Layout.fixed(y(0), 1))\" x2=\"\(width - 6)\" y2=\"\(Layout.fixed(y(0), 1))\" stroke=\"#888\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 4)\" font-size=\"10\" text-anchor=\"end\" fill=\"#666\">\(maxV)</text>"
        for (i, v) in values.enumerated() {
            let x = Double(left) + slot * Double(i) + slot * 0.12
            let w = slot * 0.76
            let y0 = y(max(0, v)), y1 = y(min(0, v))
            let c = color ?? palette[i % palette.count]
            svg += "<rect x=\"\(Layout.fixed(x, 1))\" y=\"\(Layout.fixed(y0, 1))\" width=\"\(Layout.fixed(w, 1))\" height=\"\(Layout.fixed(max(0.5, y1 - y0), 1))\" fill=\"\(c)\"><title>\(Layout.esc(labels[i])): \(v)</title></rect>"
            svg += "<text x=\"\(Layout.fixed(x + w / 2, 1))\" y=\"\(Layout.fixed(y0 - 3, 1))\" font-size=\"10\" text-anchor=\"middle\">\(v)</text>"
            svg += "<text x=\"\(Layout.fixed(x + w / 2, 1))\" y=\"\(height - bottom + 14)\" font-size=\"10\" text-anchor=\"middle\" fill=\"#444\">\(Layout.esc(labels[i].count > 14 ? labels[i].prefix(13) + "…" : labels[i]))</text>"
        }
        if values.isEmpty {
            svg += "<text x=\"\(width / 2)\" y=\"\(top + plotH / 2)\" font-size=\"12\" text-anchor=\"middle\" fill=\"#888\">no buckets</text>"
        }
        return svg + "</svg>"
    }
}
