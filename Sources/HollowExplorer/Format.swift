/// Text formats the pages share: query strings, byte sizes, fixed-point numbers.
enum Format {
    /// A query string from non-nil pairs (`?a=1&b=2`), or "".
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { k, v in v.map { FormData.encode(k) + "=" + FormData.encode($0) } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static func bytes(_ n: Int?) -> String {
        guard let n else { return "n/a" }
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return fixed(Double(n) / 1024, 1) + " KiB" }
        return fixed(Double(n) / 1024 / 1024, 1) + " MiB"
    }

    static func fixed(_ d: Double, _ digits: Int) -> String {
        guard d.isFinite else { return String(d) }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (abs(d) * scale).rounded()
        let whole = Int64(r / scale)
        let frac = Int64(r) - whole * Int64(scale)
        let sign = d < 0 && r != 0 ? "-" : ""
        if digits == 0 { return sign + String(whole) }
        let f = String(frac)
        return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
    }
}
