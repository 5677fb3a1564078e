/// A JSON document that does not describe a `MetricsState`.
public struct MetricsJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where in the document (a path such as `metrics.cpu_usage.buckets[2].count`) and what was expected.
    public var message: String
    /// The message.
    public var description: String { message }
}

extension MetricsState {
    /// The JSON value of this state (exact `Int64` numbers).
    public var jsonValue: JSONValue {
        .object([
            "timestamp": .string(timestamp),
            "source": .string(source),
            "metrics": .object(metrics.mapValues { $0.jsonValue }),
            "aggregates": .object(aggregates.mapValues { .int($0) }),
        ])
    }

    /// Stable pretty JSON: sorted keys, two-space indentation, no trailing newline
    /// (the same bytes as Python's `json.dumps(state, indent=2, sort_keys=True)`).
    public func prettyJSON() -> String { jsonValue.prettyPrinted() }

    /// Decodes a state from its JSON form.
    /// - Throws: ``MetricsJSONError`` naming the path of the first bad member, or ``JSONSyntaxError``.
    public init(json text: String) throws {
        try self.init(json: try JSONValue.parse(text))
    }

    /// Decodes a state from a parsed JSON value.
    /// - Throws: ``MetricsJSONError`` naming the path of the first bad member.
    public init(json: JSONValue) throws(MetricsJSONError) {
        guard let root = json.object else { throw MetricsJSONError(message: "expected a JSON object at the top level") }
        func str(_ o: [String: JSONValue], _ key: String, _ path: String) throws(MetricsJSONError) -> String {
            guard let s = o[key]?.string else { throw MetricsJSONError(message: "\(path)\(key): expected a string") }
            return s
        }
        func int(_ o: [String: JSONValue], _ key: String, _ path: String) throws(MetricsJSONError) -> Int64 {
            guard let i = o[key]?.int64 else { throw MetricsJSONError(message: "\(path)\(key): expected an integer") }
            return i
        }
        let timestamp = try str(root, "timestamp", "")
        let source = try str(root, "source", "")
        var metrics: [String: Metric] = [:]
        guard let m = (root["metrics"] ?? .object([:])).object else {
            throw MetricsJSONError(message: "metrics: expected an object")
        }
        for (key, value) in m {
            let path = "metrics.\(key)."
            guard let o = value.object else { throw MetricsJSONError(message: "metrics.\(key): expected an object") }
            guard let rawBuckets = (o["buckets"] ?? .array([])).array else {
                throw MetricsJSONError(message: "\(path)buckets: expected an array")
            }
            var buckets: [MetricBucket] = []
            for (i, b) in rawBuckets.enumerated() {
                let bp = "\(path)buckets[\(i)]."
                guard let bo = b.object else { throw MetricsJSONError(message: "\(path)buckets[\(i)]: expected an object") }
                buckets.append(
                    MetricBucket(lower: try int(bo, "lower", bp), upper: try int(bo, "upper", bp), count: try int(bo, "count", bp))
                )
            }
            metrics[key] = Metric(
                name: try str(o, "name", path),
                unit: try str(o, "unit", path),
                buckets: buckets,
                total: try int(o, "total", path)
            )
        }
        var aggregates: [String: Int64] = [:]
        guard let a = (root["aggregates"] ?? .object([:])).object else {
            throw MetricsJSONError(message: "aggregates: expected an object")
        }
        for (key, value) in a {
            guard let i = value.int64 else { throw MetricsJSONError(message: "aggregates.\(key): expected an integer") }
            aggregates[key] = i
        }
        self.init(timestamp: timestamp, source: source, metrics: metrics, aggregates: aggregates)
    }
}

extension Metric {
    /// The JSON value of this metric.
    public var jsonValue: JSONValue {
        .object([
            "name": .string(name),
            "total": .int(total),
            "unit": .string(unit),
            "buckets": .array(buckets.map { .object(["lower": .int($0.lower), "upper": .int($0.upper), "count": .int($0.count)]) }),
        ])
    }
}
