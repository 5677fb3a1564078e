/// The project's one HTML / XML text escaper: the explorer's templates (as their Mustache content type) and the
/// SVG charts (HollowCharts) both call it.
///
/// The policy, safe in element content and in quoted attribute values of HTML and of XML (SVG files):
/// - `&`, `<`, `>`, `"` and `'` become `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&#39;`;
/// - the control characters that XML 1.0 forbids (U+0000–U+001F except tab, newline and carriage return) and
///   DEL (U+007F) become U+FFFD (a character reference to them would make an SVG file malformed);
/// - everything else, non-ASCII included, stays as it is (UTF-8 pages).
public enum HTMLEscaping {
    /// `text` escaped for HTML or XML text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        escape(text, into: &out)
        return out
    }

    /// Appends `text`, escaped for HTML or XML text and attribute values, to `out`.
    public static func escape(_ text: String, into out: inout String) {
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(c)
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
    }
}
