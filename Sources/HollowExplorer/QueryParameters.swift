// The explorer's query-string parsing, kept free of Hummingbird so it can be fuzzed on its own (scripts/fuzz.sh,
// target `query`): every page reads its query parameters through `QueryParameters`.

/// A request's query parameters (`a=1&b=x+y&b=%C3%A9`), form-decoded, in order.
struct QueryParameters: Sendable {
    /// Every name/value pair, in order (a name without `=` has the value "").
    let pairs: [(name: String, value: String)]

    /// Parses the query string (without `?`); nil or "" gives no parameters.
    init(_ query: String?) {
        pairs = FormData.parse(query ?? "").map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name`, or nil.
    func value(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of `name`, in order.
    func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The integer `name` within `range`, `defaultValue` when absent or empty.
    /// - Throws: ``QueryParameterError`` naming the parameter, its value and the range.
    func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(QueryParameterError) -> Int {
        guard let text = value(name), !text.isEmpty else { return defaultValue }
        guard let v = Int(text), range.contains(v) else {
            throw QueryParameterError(
                "bad \(name) '\(text)': expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// The names listed in every value of `name`, comma-separated (`?source=a,b&source=c`): trimmed of spaces,
    /// empty ones skipped, each once, in order of first mention.
    func list(_ name: String) -> [String] {
        var names: [String] = []
        for value in values(name) {
            for item in value.split(separator: ",") {
                let item = item.trimmingSpaces
                if !item.isEmpty, !names.contains(item) { names.append(item) }
            }
        }
        return names
    }
}

/// A query parameter the page cannot use; the explorer answers 400 Bad Request with `message`.
struct QueryParameterError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// `application/x-www-form-urlencoded` decoding (query strings and form bodies).
enum FormData {
    static func parse(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// Percent-decodes `s`; `+` is a space in form data (`plusIsSpace`), itself in a path.
    static func decode(_ s: Substring, plusIsSpace: Bool = true) -> String {
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if plusIsSpace, b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let h = String(b, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
