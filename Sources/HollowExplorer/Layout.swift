/// HTML helpers: escaping and the page frame shared by every page.
enum Layout {
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if c.value < 0x20 && c != "\n" && c != "\t" {
                    out += "&#\(c.value);"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }

    static func link(_ href: String, _ text: String) -> String {
        "<a href=\"\(esc(href))\">\(esc(text))</a>"
    }

    /// A query string from non-nil pairs (`?a=1&b=2`), or "".
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { k, v in v.map { FormData.encode(k) + "=" + FormData.encode($0) } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static func table(_ headers: [String], _ rows: [[String]], id: String? = nil) -> String {
        var out = "<table\(id.map { " id=\"\(esc($0))\"" } ?? "")><thead><tr>"
        for h in headers { out += "<th>\(esc(h))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for cell in row { out += "<td>\(cell)</td>" }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
        header{background:#1d2430;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
        header a{color:#cfe3ff;text-decoration:none;font-weight:600}header .brand{color:#fff;font-size:1.1em}
        main{padding:16px 24px;max-width:1400px}h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.15em;margin-top:1.4em}
        table{border-collapse:collapse;background:#fff;margin:.5em 0;font-size:.92em}
        th,td{border:1px solid #d8dde6;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef1f6}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
        .muted{color:#6b7585}.added{background:#e6f6e9}.removed{background:#fbe9e9}.changed{background:#fff6dc}
        .badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:.8em;background:#dde5f3;margin-left:4px}
        .badge.ann{background:#cdeccf}.badge.pin{background:#ffe2b8}
        .err{background:#fbe9e9;border:1px solid #e3a5a5;padding:12px;border-radius:6px}
        form.inline{display:inline-flex;gap:6px;align-items:center;margin:.3em 0}
        input,select,button{font:inherit;padding:3px 6px}
        details{margin:2px 0}summary{cursor:pointer}.rec{margin-left:1em;border-left:2px solid #d8dde6;padding-left:8px}
        .charts{display:flex;flex-wrap:wrap;gap:14px}.chart{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:6px}
        footer{padding:12px 24px;color:#6b7585;font-size:.85em}
        """

    static func document(page: Page) -> String {
        var refresh = ""
        if let v = page.followsVersion {
            // Reload when the store's current version moves on.
            refresh = """
                <script>
                (function(){var shown=\(v);setInterval(function(){fetch('/api/status').then(function(r){return r.json()})
                .then(function(s){if(s.currentVersion!==undefined&&s.currentVersion!==shown){location.reload()}})
                .catch(function(){})},\(max(1, page.refreshSeconds)) * 1000)})();
                </script>
                """
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(esc(page.title)) · Hollow Explorer</title><style>\(style)</style></head>
            <body><header><span class="brand">Hollow Explorer</span>
            <a href="/">State</a><a href="/versions">Versions</a><a href="/diff">Diff</a>
            <a href="/metrics">Metrics</a><a href="/ops">Operations</a></header>
            <main>\(page.body)</main>
            <footer>Read-only view. Every page has a JSON twin under <code>/api</code>.</footer>
            \(refresh)</body></html>
            """
    }

    static func errorDocument(_ e: ExplorerError) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e.status.code) · Hollow Explorer</title>
        <style>\(style)</style></head><body><header><span class="brand">Hollow Explorer</span>
        <a href="/">State</a><a href="/versions">Versions</a><a href="/diff">Diff</a>
        <a href="/metrics">Metrics</a><a href="/ops">Operations</a></header>
        <main><h1>\(e.status.code) \(esc(e.status.reasonPhrase))</h1><p class="err" id="error">\(esc(e.message))</p></main>
        </body></html>
        """
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
