public import HollowCore

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
        [
            "aggregates": JSONValue(sortingKeys: aggregates.mapValues { .int($0) }),
            "metrics": JSONValue(sortingKeys: metrics.mapValues { $0.jsonValue }),
            "source": .string(source),
            "timestamp": .string(timestamp),
        ]
    }

    /// Stable pretty JSON: sorted keys, two-space indentation, no trailing newline (the layout of Python's
    /// `json.dumps(state, indent=2, sort_keys=True)`; strings are escaped by `JSONValue.escape(_:into:)`).
    public func prettyJSON() -> String { jsonValue.prettyPrinted() }

    /// Decodes a state from its JSON form.
    /// - Throws: ``MetricsJSONError`` naming the path of the first bad member, or ``JSONSyntaxError``.
    public init(json text: String) throws {
        try self.init(json: try JSONValue.parse(text))
    }

    /// Decodes a state from a parsed JSON value.
    /// - Throws: ``MetricsJSONError`` naming the path of the first bad member.
    public init(json: JSONValue) throws(MetricsJSONError) {
        guard json.members != nil else { throw MetricsJSONError(message: "expected a JSON object at the top level") }
        let root = json
        func str(_ o: JSONValue, _ key: String, _ path: String) throws(MetricsJSONError) -> String {
            guard let s = o[key]?.string else { throw MetricsJSONError(message: "\(path)\(key): expected a string") }
            return s
        }
        func int(_ o: JSONValue, _ key: String, _ path: String) throws(MetricsJSONError) -> Int64 {
            guard let i = o[key]?.int64 else { throw MetricsJSONError(message: "\(path)\(key): expected an integer") }
            return i
        }
        let timestamp = try str(root, "timestamp", "")
        let source = try str(root, "source", "")
        var metrics: [String: Metric] = [:]
        guard let m = (root["metrics"] ?? .object([])).members else {
            throw MetricsJSONError(message: "metrics: expected an object")
        }
        for (key, value) in m {
            let path = "metrics.\(key)."
            guard value.members != nil else { throw MetricsJSONError(message: "metrics.\(key): expected an object") }
            let o = value
            guard let rawBuckets = (o["buckets"] ?? .array([])).array else {
                throw MetricsJSONError(message: "\(path)buckets: expected an array")
            }
            var buckets: [MetricBucket] = []
            for (i, b) in rawBuckets.enumerated() {
                let bp = "\(path)buckets[\(i)]."
                guard b.members != nil else { throw MetricsJSONError(message: "\(path)buckets[\(i)]: expected an object") }
                buckets.append(
                    MetricBucket(lower: try int(b, "lower", bp), upper: try int(b, "upper", bp), count: try int(b, "count", bp))
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
        guard let a = (root["aggregates"] ?? .object([])).members else {
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
        [
            "buckets": .array(buckets.map { ["count": .int($0.count), "lower": .int($0.lower), "upper": .int($0.upper)] }),
            "name": .string(name),
            "total": .int(total),
            "unit": .string(unit),
        ]
    }
}
