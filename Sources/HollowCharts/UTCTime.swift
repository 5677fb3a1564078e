/// A UTC time of day and date, to the second: what a time axis labels and what ISO 8601 timestamps parse into.
///
/// Civil dates come from days since 1970 with Howard Hinnant's algorithms (proleptic Gregorian calendar), so no
/// Foundation and no time zone database is needed.
///
/// ```swift
/// let t = UTCTime(iso8601: "2026-11-22T12:00:00Z")   // seconds 1795435200
/// t?.text                                              // "2026-11-22 12:00:00"
/// ```
public struct UTCTime: Sendable, Hashable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64

    /// The time `seconds` after 1970-01-01T00:00:00Z.
    public init(seconds: Int64) { self.seconds = seconds }

    /// Parses an ISO 8601 UTC timestamp: `YYYY-MM-DDTHH:MM:SSZ`, with optional fractional seconds (dropped), a
    /// space instead of `T`, `+00:00` instead of `Z`, or no zone (read as UTC); a date alone (`YYYY-MM-DD`) is its
    /// midnight. Nil for anything else, including a month 13 or a minute 60.
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[from..<from + count] {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(c - UInt8(ascii: "0"))
            }
            return v
        }
        guard b.count >= 10, let y = number(0, 4), b[4] == UInt8(ascii: "-"), let m = number(5, 2),
            b[7] == UInt8(ascii: "-"), let d = number(8, 2), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        var h: Int64 = 0, mi: Int64 = 0, s: Int64 = 0
        var i = 10
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " "), let hh = number(11, 2), b.count > 13,
                b[13] == UInt8(ascii: ":"), let mm = number(14, 2), hh < 24, mm < 60
            else { return nil }
            h = hh
            mi = mm
            i = 16
            if i < b.count, b[i] == UInt8(ascii: ":") {
                guard let ss = number(17, 2), ss < 61 else { return nil }
                s = ss
                i = 19
                if i < b.count, b[i] == UInt8(ascii: ".") {
                    i += 1
                    let start = i
                    while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
                    guard i > start else { return nil }
                }
            }
            let zone = b[i...]
            guard zone.isEmpty || zone.elementsEqual("Z".utf8) || zone.elementsEqual("+00:00".utf8) else { return nil }
        }
        seconds = Self.days(year: y, month: m, day: d) * 86400 + h * 3600 + mi * 60 + s
    }

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date and time: year, month (1…12), day (1…31), hour, minute, second.
    public var components: (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let rem = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    /// `2026-11-22 12:00:00`.
    public var text: String {
        let c = components
        return "\(c.year)-\(Self.two(c.month))-\(Self.two(c.day)) \(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second))"
    }

    /// `2026-11-22T12:00:00Z`.
    public var iso8601: String {
        let c = components
        return "\(c.year)-\(Self.two(c.month))-\(Self.two(c.day))T\(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second))Z"
    }

    /// `12:00:00`, or `12:00` when the seconds are 0.
    public var timeOfDay: String {
        let c = components
        return c.second == 0 ? "\(Self.two(c.hour)):\(Self.two(c.minute))" : "\(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second))"
    }

    /// `11-22 12:00`.
    public var dayAndTime: String {
        let c = components
        return "\(Self.two(c.month))-\(Self.two(c.day)) \(Self.two(c.hour)):\(Self.two(c.minute))"
    }

    public static func < (a: UTCTime, b: UTCTime) -> Bool { a.seconds < b.seconds }

    static func two(_ x: Int64) -> String { x < 10 && x >= 0 ? "0\(x)" : "\(x)" }
}
