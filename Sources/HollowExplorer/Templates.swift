import HollowCore
import Mustache

/// The explorer's HTML: Mustache templates (swift-mustache) rendered over the view models of `Views.swift`.
///
/// The templates are Swift string literals registered in one `MustacheLibrary`, so the explorer needs no resource
/// bundle (a `hollow` binary copied anywhere still serves its pages). Every template starts with the content type
/// `HOLLOW_HTML`, which makes `{{ }}` escape with HollowCore's ``HTMLEscaping`` (the project's one escaper; the
/// charts use it too). Conventions:
/// - every value goes through `{{ }}`; the only triple mustaches are `{{{body}}}` in `document` (the page
///   template's own output) and `{{{.svg}}}` in `metrics` (HollowCharts' SVG: line charts, histograms, heatmaps, whose texts it escaped
///   itself);
/// - partials read their model with `{{.name}}` (the current object only): a plain `{{name}}` that is nil would
///   climb the context stack and find an outer object's field of the same name.
enum Templates {
    /// Mustache's content type for the explorer's pages: HollowCore's escaper.
    struct HTMLContent: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
    }

    static let contentType = "HOLLOW_HTML"

    /// Every template and partial, parsed once.
    static let library: MustacheLibrary = {
        MustacheContentTypes.register(HTMLContent(), named: contentType)
        var library = MustacheLibrary()
        for (name, text) in sources {
            do {
                try library.register("{{% CONTENT_TYPE: \(contentType) }}" + text, named: name)
            } catch {
                preconditionFailure("the explorer's template '\(name)' does not parse: \(error)")
            }
        }
        return library
    }()

    /// `view` rendered with the template `name`.
    static func render(_ view: Any, _ name: String) -> String {
        guard let html = library.render(view, withTemplate: name) else {
            preconditionFailure("the explorer has no template '\(name)'")
        }
        return html
    }

    /// A whole page: the page's template inside the document frame.
    static func document(_ page: Page) -> String {
        let refresh = page.followsVersion.map {
            DocumentView.Refresh(version: $0, milliseconds: max(1, page.refreshSeconds) * 1000)
        }
        let body = render(page.view, page.template)
        return render(DocumentView(title: page.title, body: body, footer: true, refresh: refresh), "document")
    }

    /// The page for an error.
    static func errorDocument(_ status: Int, reason: String, message: String) -> String {
        let body = render(ErrorView(code: status, reason: reason, message: message), "error")
        return render(DocumentView(title: String(status), body: body, footer: false, refresh: nil), "document")
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
        table.sbs{min-width:60%}table.sbs td{min-width:10em}tr.same td{color:#6b7585}tr.changed td{background:#fff6dc}
        tr.changed td:nth-child(2){background:#fbe9e9}tr.changed td:nth-child(3){background:#e6f6e9}
        tr.added td{background:#e6f6e9}tr.removed td{background:#fbe9e9}
        td.d1{padding-left:26px}td.d2{padding-left:44px}td.d3{padding-left:62px}td.d4{padding-left:80px}
        .diffrec{margin:.4em 0 1em}.diffrec h3{font-size:1em;margin:.6em 0 .2em;padding:2px 6px;border-radius:4px;display:inline-block}
        h3.changed{background:#fff6dc}h3.added{background:#e6f6e9}h3.removed{background:#fbe9e9}
        form.picker{display:flex;flex-wrap:wrap;gap:10px;align-items:center;background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:8px;margin:.5em 0}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px 0 2px;vertical-align:-1px}label.source{white-space:nowrap}
        section.trend{margin:.6em 0 1.2em}
        footer{padding:12px 24px;color:#6b7585;font-size:.85em}
        """

    static let sources: [(String, String)] = [
        // The frame of every page. `body` is the page template's output, escaped when it was rendered.
        ("document", """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>{{title}} · Hollow Explorer</title><style>
            \(style)
            </style></head>
            <body><header><span class="brand">Hollow Explorer</span>
            <a href="/">State</a><a href="/versions">Versions</a><a href="/diff">Diff</a>
            <a href="/metrics">Metrics</a><a href="/ops">Operations</a></header>
            <main>{{{body}}}</main>
            {{#footer}}<footer>Read-only view. Every page has a JSON twin under <code>/api</code>.</footer>{{/footer}}
            {{#refresh}}<script>
            (function(){var shown={{.version}};setInterval(function(){fetch('/api/status').then(function(r){return r.json()})
            .then(function(s){if(s.currentVersion!==undefined&&s.currentVersion!==shown){location.reload()}})
            .catch(function(){})},{{.milliseconds}})})();
            </script>{{/refresh}}
            </body></html>
            """),
        ("error", #"<h1>{{code}} {{reason}}</h1><p class="err" id="error">{{message}}</p>"#),

        // Partials: inline parts, tables, records, references, the version picker, the lookup forms.
        ("part", #"""
            {{#.lineBreak}}<br>{{/.lineBreak}}{{#.ref}}{{>ref}}{{/.ref}}{{#.code}}<code>{{/.code}}{{#.style}}<span class="{{.}}">{{/.style}}{{#.href}}<a href="{{.}}">{{/.href}}{{.text}}{{#.href}}</a>{{/.href}}{{#.style}}</span>{{/.style}}{{#.code}}</code>{{/.code}}
            """#),
        ("table", #"""
            <table{{#.id}} id="{{.}}"{{/.id}}><thead><tr>{{#.headers}}<th>{{.}}</th>{{/.headers}}</tr></thead><tbody>
            {{#.rows}}<tr>{{#.cells}}<td>{{#.parts}}{{>part}}{{/.parts}}</td>{{/.cells}}</tr>
            {{/.rows}}</tbody></table>
            """#),
        ("ref", #"""
            <a href="{{.href}}">{{.label}}</a>{{#.display}} <span class="mono">{{.}}</span>{{/.display}}{{#.record}}<div class="rec">{{>record}}</div>{{/.record}}
            """#),
        ("record", #"""
            {{#.unpopulated}}<span class="muted">(ordinal not populated)</span>{{/.unpopulated}}{{#.fields}}{{>table}}{{/.fields}}{{#.collection}}<div class="muted">{{.kind}} of {{.elementType}}, {{.size}} element(s)</div><ol start="0">{{#.elements}}<li>{{>ref}}</li>{{/.elements}}</ol>{{#.shownOf}}<div class="muted">(first {{.}} shown)</div>{{/.shownOf}}{{/.collection}}{{#.map}}<div class="muted">MAP {{.keyType}} → {{.valueType}}, {{.size}} entr(ies)</div>{{#.entries}}{{>table}}{{/.entries}}{{/.map}}{{#.other}}<span class="muted">{{.}}</span>{{/.other}}
            """#),
        ("versionPicker", #"""
            <form class="inline" method="get" action="{{.action}}">version <select name="version" onchange="this.form.submit()">{{#.options}}<option value="{{.value}}"{{#.selected}} selected{{/.selected}}>{{.value}}</option>{{/.options}}</select><noscript><button>show</button></noscript></form>
            """#),
        ("lookupForms", #"""
            <h2>Find</h2>
            {{#.hasKey}}<form class="inline" method="get" action="/types/{{.typePath}}/key">{{#.version}}<input type="hidden" name="version" value="{{.}}">{{/.version}}By primary key {{#.keyFields}}<input name="key" placeholder="{{.}}" required>{{/.keyFields}}<button>look up</button></form><br>
            <form class="inline" method="get" action="/types/{{.typePath}}/history">History of key {{#.keyFields}}<input name="key" placeholder="{{.}}" required>{{/.keyFields}}<button>history</button></form><br>
            {{/.hasKey}}<form class="inline" method="get" action="/types/{{.typePath}}/search">{{#.version}}<input type="hidden" name="version" value="{{.}}">{{/.version}}Field <select name="field">{{#.fields}}<option>{{.}}</option>{{/.fields}}</select><select name="match"><option>exact</option><option>contains</option><option>prefix</option></select><input name="value" placeholder="value"><button>search</button></form>
            """#),

        // Pages.
        ("status", "<pre>{{json}}</pre>"),
        ("overview", #"""
            <h1>State <span class="mono">{{version}}</span> {{#picker}}{{>versionPicker}}{{/picker}}</h1>
            <p>Store <code>{{store}}</code>, namespace <code>{{namespace}}</code>. {{typeCount}} types, about {{memory}} in memory. <a href="{{jsonHref}}">JSON</a></p>
            {{#types}}{{>table}}{{/types}}
            <h2>Header tags</h2>{{#tags}}{{>table}}{{/tags}}
            """#),
        ("type", #"""
            <h1>Type <span class="mono">{{type}}</span> <span class="badge">{{kind}}</span></h1>
            <p>Version {{version}}: <b id="count">{{count}}</b> records, max ordinal {{maxOrdinal}}, memory {{memory}}. <a href="{{recordsHref}}">Browse records</a> · <a href="{{jsonHref}}">JSON</a></p><h2>Schema</h2>
            {{#object}}<p>Primary key: {{#.primaryKey}}<code>{{.}}</code>{{/.primaryKey}}{{^.primaryKey}}<span class="muted">none</span>{{/.primaryKey}}</p>{{#.fields}}{{>table}}{{/.fields}}{{/object}}
            {{#collection}}<p>{{.heading}} {{#.types}}{{>part}}{{/.types}}{{#.hasHashKey}}, hash key {{#.hashKey}}<code>{{.}}</code>{{/.hashKey}}{{^.hashKey}}none{{/.hashKey}}{{/.hasHashKey}}</p>{{/collection}}
            {{#find}}{{>lookupForms}}{{/find}}
            """#),
        ("records", #"""
            <h1><a href="{{typeHref}}">{{type}}</a> records</h1>
            <p>Version {{version}}: records <b id="range">{{first}}–{{last}}</b> of <b id="total">{{total}}</b>. {{#nav}}{{>part}}{{/nav}} · <a href="{{jsonHref}}">JSON</a></p>
            {{#records}}{{>table}}{{/records}}
            """#),
        ("recordPage", #"""
            <h1><a href="{{typeHref}}">{{type}}</a> <span class="mono">#{{ordinal}}</span></h1>
            <p>Version {{version}}. {{#historyHref}}<a href="{{.}}">History of this key</a> · {{/historyHref}}<a href="{{jsonHref}}">JSON</a></p>
            <div id="record">{{#record}}{{>record}}{{/record}}</div>
            """#),
        ("search", #"""
            <h1><a href="{{typeHref}}">{{type}}</a>: <code>{{field}}</code> {{match}} “{{value}}”</h1>
            <p>Version {{version}}: <b id="total">{{total}}</b> match(es){{#shown}}, first {{.}} shown{{/shown}}. <a href="{{jsonHref}}">JSON</a></p>
            {{#records}}{{>table}}{{/records}}
            {{#find}}{{>lookupForms}}{{/find}}
            """#),
        ("versions", #"""
            <h1>Versions</h1><p>{{count}} version(s) in <code>{{store}}</code>{{#announced}}, announced <b>{{.}}</b>{{/announced}}. The delta column is the delta to the next version. <a href="/api/versions">JSON</a></p>
            {{#versions}}{{>table}}{{/versions}}
            <h2>Compare two versions</h2><form class="inline" action="/diff">from <input name="from" size="8"> to <input name="to" size="8"><button>diff</button></form>
            """#),
        ("diffForm", #"""
            <h1>Diff</h1><form class="inline" action="/diff">from <select name="from">{{#from}}<option{{#.selected}} selected{{/.selected}}>{{.value}}</option>{{/from}}</select> to <select name="to">{{#to}}<option>{{.value}}</option>{{/to}}</select><button>diff</button></form>
            """#),
        ("diff", #"""
            <h1>Diff <span class="mono">{{from}}</span> → <span class="mono">{{to}}</span></h1>
            <form class="inline" action="/diff">from <input name="from" size="6" value="{{from}}"> to <input name="to" size="6" value="{{to}}"> records per kind <input name="limit" size="4" placeholder="20"><button>diff</button></form>
            <p>Showing {{range}}. <a href="{{jsonHref}}">JSON</a></p>
            <details id="how"><summary>How records were matched</summary><ul>
            <li>A type with a <b>primary key</b>: records with the same key are the same record; it is <i>changed</i> when its deep content differs (a field, or the content of a record it references).</li>
            <li>A type without one and with a single field (<code>String</code>, <code>Integer</code>…): matched by <b>value</b>, as Java's HollowDiff does.</li>
            <li>Any other type without a primary key: matched by <b>content</b> (a hash of the fields, each reference replaced by the hash of its target); a changed record shows as removed + added, and the records that reference it show the change side by side.</li>
            <li>Side by side, a changed reference is followed into the two records it points to (indented rows, three levels deep); list and set elements are matched by content, map entries by their keys.</li>
            </ul></details>
            {{#summary}}{{>table}}{{/summary}}{{^summary}}<p id="nodiff">No differences.</p>{{/summary}}
            {{#details}}<h2 id="t-{{.type}}">{{.type}}</h2><p>{{.changed}} changed, {{.added}} added, {{.removed}} removed, {{.unchanged}} unchanged; matched by {{.matchedBy}}. {{#.nav}}{{>part}}{{/.nav}}</p><p class="muted">{{.explanation}}.</p>
            {{#.changedRecords}}<div class="diffrec"><h3 class="changed">{{.label}}</h3><table class="sbs"><thead><tr><th>field</th><th>from <a href="{{.fromHref}}">{{.fromLabel}}</a></th><th>to <a href="{{.toHref}}">{{.toLabel}}</a></th></tr></thead><tbody>
            {{#.rows}}<tr class="{{.status}}"><td class="{{.indent}}"><code>{{.path}}</code></td><td>{{#.from}}{{>part}}{{/.from}}</td><td>{{#.to}}{{>part}}{{/.to}}</td></tr>
            {{/.rows}}</tbody></table>{{#.truncated}}<div class="muted">(rows cut)</div>{{/.truncated}}</div>
            {{/.changedRecords}}
            {{#.addedRecords}}<div class="diffrec"><h3 class="{{.style}}">added: <a href="{{.href}}">{{.label}}</a> <span class="muted">{{.ordinalLabel}}</span></h3>{{#.record}}{{>record}}{{/.record}}</div>
            {{/.addedRecords}}
            {{#.removedRecords}}<div class="diffrec"><h3 class="{{.style}}">removed: <a href="{{.href}}">{{.label}}</a> <span class="muted">{{.ordinalLabel}}</span></h3>{{#.record}}{{>record}}{{/.record}}</div>
            {{/.removedRecords}}
            {{/details}}
            """#),
        ("history", #"""
            <h1>History of {{type}} <span class="mono">{{key}}</span></h1>
            <p>Across the last {{count}} version(s). <a href="{{jsonHref}}">JSON</a></p>
            {{#history}}{{>table}}{{/history}}
            """#),
        ("metrics", #"""
            <h1>Metrics <span class="mono">{{version}}</span></h1>
            <form class="picker" id="picker" method="get" action="/metrics">
            <label>version <select name="version"><option value=""{{#follows}} selected{{/follows}}>current (follow new versions)</option>{{#versions}}<option value="{{.value}}"{{#.selected}} selected{{/.selected}}>{{.value}}</option>{{/versions}}</select></label>
            <span class="sources">sources {{#sources}}<label class="source"><input type="checkbox" name="source" value="{{.name}}"{{#.checked}} checked{{/.checked}}><span class="swatch" style="background:{{.color}}"></span>{{.name}}</label> {{/sources}}</span>
            <label>since <input name="since" size="21" value="{{since}}" placeholder="2026-11-22T12:00:00Z"></label>
            <label>until <input name="until" size="21" value="{{until}}" placeholder="2026-11-22T13:00:00Z"></label>
            <label>last <input name="last" size="5" value="{{last}}" placeholder="all"> intervals</label>
            <button>show</button></form>
            <p id="window">{{window}}. <a href="{{jsonHref}}">JSON</a>{{#follows}} · follows the current version (reloads when a new one arrives){{/follows}}{{^follows}} · <a href="/metrics">follow the current version</a>{{/follows}}</p>
            {{#intervals}}{{>table}}{{/intervals}}
            {{! svg: HollowCharts' output, a trusted fragment (it escapes every text it draws). }}
            <h2>Metric trends</h2>{{^metrics}}<p class="muted">No histogram metrics in these intervals.</p>{{/metrics}}
            {{#metrics}}<section class="trend" id="m-{{.key}}"><div class="charts">{{#.line}}<div class="chart">{{{.svg}}}</div>{{/.line}}{{#.latest}}<div class="chart">{{{.svg}}}</div>{{/.latest}}</div>
            {{#.heatmap}}<div class="charts"><div class="chart">{{{.svg}}}</div></div>{{/.heatmap}}</section>
            {{/metrics}}
            <h2>Aggregate trends</h2>{{^aggregates}}<p class="muted">No aggregates in these intervals.</p>{{/aggregates}}
            <div class="charts" id="aggregates">{{#aggregates}}<div class="chart">{{{.svg}}}</div>{{/aggregates}}</div>
            """#),
        ("ops", #"""
            <h1>Operations <span class="mono">{{namespace}}</span></h1>
            <p>Announced version: <b id="announced">{{announced}}</b>. <a href="/api/ops">JSON</a></p>
            <h2>Pins</h2>{{#pins}}{{>table}}{{/pins}}{{^pins}}<p id="pins">No pins.</p>{{/pins}}
            <h2>Fleet ({{fleetCount}})</h2>{{#fleet}}{{>table}}{{/fleet}}
            {{#canPin}}<h2>Pin / unpin</h2><p class="muted">Needs the operator credentials (the browser asks for them).</p>
            <form class="inline" method="post" action="/ops/pin" data-action="pin" onsubmit="return confirm('Really ' + this.dataset.action + '? Consumers will move.')">
            version <input name="version" size="8" required> group <input name="group" size="10" placeholder="(namespace)">
            reason <input name="reason" size="30" required>
            <label><input type="checkbox" name="confirm" value="yes" required> I confirm</label><button>pin</button></form><br>
            <form class="inline" method="post" action="/ops/unpin" data-action="unpin" onsubmit="return confirm('Really ' + this.dataset.action + '? Consumers will move.')">
            group <input name="group" size="10" placeholder="(namespace)"> reason <input name="reason" size="30" required>
            <label><input type="checkbox" name="confirm" value="yes" required> I confirm</label><button>unpin</button></form>
            {{/canPin}}{{^canPin}}<p class="muted" id="readonly">Pinning is disabled: the explorer runs without operator credentials.</p>{{/canPin}}
            """#),
    ]
}
