/// Metric families in Prometheus' text exposition format (version 0.0.4), for what swift-metrics cannot express:
/// values that are set rather than incremented (Kea's own counters, which restart with Kea), `untyped` families, and
/// histograms whose buckets the kernel already counted (the BPF programs' log2 slots).
public struct PrometheusFamily: Sendable, Hashable {
    /// The family's type line.
    public enum Kind: String, Sendable, Hashable { case counter, gauge, histogram, untyped }

    /// One line: the family name plus `suffix` (`_bucket`, `_sum`, `_count` for histograms), labels, value.
    public struct Sample: Sendable, Hashable {
        /// Appended to the family name.
        public var suffix: String
        /// Label names and values, in output order.
        public var labels: [(String, String)]
        /// The value, already formatted.
        public var value: String

        /// Creates a sample.
        public init(suffix: String = "", labels: [(String, String)], value: String) {
            (self.suffix, self.labels, self.value) = (suffix, labels, value)
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.suffix == b.suffix && a.value == b.value && a.labels.elementsEqual(b.labels) { $0 == $1 }
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(suffix)
            hasher.combine(value)
            for (k, v) in labels { hasher.combine(k); hasher.combine(v) }
        }
    }

    /// The metric name.
    public var name: String
    /// The `# HELP` text.
    public var help: String
    /// The `# TYPE`.
    public var kind: Kind
    /// The samples, in output order.
    public var samples: [Sample]

    /// Creates a family.
    public init(name: String, help: String, kind: Kind, samples: [Sample] = []) {
        (self.name, self.help, self.kind, self.samples) = (name, help, kind, samples)
    }

    /// The family as exposition text (`# HELP`, `# TYPE`, one line per sample), ending with a newline.
    public var text: String {
        var out = "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            out += name + sample.suffix
            if !sample.labels.isEmpty {
                out += "{" + sample.labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
            }
            out += " \(sample.value)\n"
        }
        return out
    }

    /// Renders several families, skipping those without samples.
    public static func render(_ families: [PrometheusFamily]) -> String {
        families.filter { !$0.samples.isEmpty }.map(\.text).joined()
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    /// A whole number of nanoseconds as decimal seconds without exponent: 1023 → `0.000001023`, 2^30 → `1.073741824`.
    public static func seconds(nanoseconds: UInt64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }

    /// The samples of a Prometheus histogram in seconds built from BCC-layout log2 slots of nanoseconds (slot *i*
    /// counts values in `[2^(i-1), 2^i − 1]`, slot 1 also 0): bucket `le` = `(2^i − 1)` ns for
    /// `i` in `bucketSlots`, cumulative, plus `+Inf`, `_sum` (exact, from the kernel) and `_count`.
    /// - Parameters:
    ///   - labels: the labels of every sample (`le` is appended).
    ///   - slots: counts by slot index (index 0 unused).
    ///   - sumNanoseconds: the sum of the observed values.
    ///   - bucketSlots: the slots that become buckets: by default 10…35, i.e. ≈1 µs … ≈34 s.
    public static func log2HistogramSamples(
        labels: [(String, String)], slots: [UInt64], sumNanoseconds: UInt64, bucketSlots: ClosedRange<Int> = 10...35
    ) -> [Sample] {
        var samples: [Sample] = []
        var cumulative: UInt64 = 0
        var next = 0
        for i in bucketSlots {
            while next <= i && next < slots.count {
                cumulative &+= slots[next]
                next += 1
            }
            let upper: UInt64 = i >= 64 ? UInt64.max : (UInt64(1) << UInt64(i)) - 1
            samples.append(Sample(suffix: "_bucket", labels: labels + [("le", seconds(nanoseconds: upper))], value: "\(cumulative)"))
        }
        let total = slots.reduce(0, &+)
        samples.append(Sample(suffix: "_bucket", labels: labels + [("le", "+Inf")], value: "\(total)"))
        samples.append(Sample(suffix: "_sum", labels: labels, value: seconds(nanoseconds: sumNanoseconds)))
        samples.append(Sample(suffix: "_count", labels: labels, value: "\(total)"))
        return samples
    }
}
