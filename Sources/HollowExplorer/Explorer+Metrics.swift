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
            throw HTTPError(.notFound, message: "version \(v) has no \(Self.metricsType) type: no metrics to chart")
        }
        let onlySource = request.query("source").flatMap { $0.isEmpty ? nil : $0 }
        var sources = Self.readMetrics(s)
        if let onlySource {
            sources = sources.filter { $0.source == onlySource }
            if sources.isEmpty { throw HTTPError(.notFound, message: "no source '\(onlySource)' in version \(v)") }
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
        let sourceViews = sources.map { src in
            var charts = src.metrics.map { m in
                MetricsView.Chart(svg: BarChart.histogram(
                    title: "\(m.name.isEmpty ? m.key : m.name) — total \(m.total)\(m.unit.isEmpty ? "" : " \(m.unit)")",
                    buckets: m.buckets.map { HistogramBucket(lower: $0.lower, upper: $0.upper, count: $0.count) }
                ).svg())
            }
            if !src.aggregates.isEmpty {
                charts.append(.init(svg: BarChart(
                    title: "aggregates", bars: src.aggregates.map { BarChart.Bar(label: $0.0, value: $0.1) }).svg()))
            }
            return MetricsView.Source(source: src.source, timestamp: src.timestamp, charts: charts)
        }
        let view = MetricsView(
            picker: VersionPickerView("/metrics", current: v, versions: await loadableVersions(inv)),
            sourceCount: sources.count, jsonHref: "/api/metrics" + Self.vq(s, explicit), follows: !explicit,
            totals: totals.sorted { $0.key < $1.key }.map { key, values in
                .init(svg: BarChart(title: key, bars: values.map { BarChart.Bar(label: $0.0, value: $0.1) }).svg())
            },
            sources: sourceViews)
        return Page(title: "Metrics", json: json, template: "metrics", view: view, followsVersion: explicit ? nil : v,
                    refreshSeconds: configuration.refreshSeconds)
    }
}
