import Mustache

/// The view models the templates (`Templates.swift`) render: plain values, no HTML. Each page builds one from the
/// same data as its JSON twin.

/// A piece of inline content in a table cell: text, optionally linked, in `<code>` or a `<span class>`; or a
/// reference to a record; or a line break.
struct Part: Sendable {
    var text = ""
    var href: String? = nil
    var style: String? = nil
    var code = false
    var ref: RefView? = nil
    var lineBreak = false

    static func text(_ text: String) -> Part { Part(text: text) }
    static func link(_ href: String, _ text: String) -> Part { Part(text: text, href: href) }
    static func code(_ text: String) -> Part { Part(text: text, code: true) }
    static func span(_ style: String, _ text: String) -> Part { Part(text: text, style: style) }
    static func styledLink(_ style: String, _ href: String, _ text: String) -> Part {
        Part(text: text, href: href, style: style)
    }
    static func ref(_ ref: RefView) -> Part { Part(ref: ref) }
    static let lineBreak = Part(lineBreak: true)
}

struct CellView: Sendable {
    var parts: [Part]
}

struct RowView: Sendable {
    var cells: [CellView]
    init(_ cells: [[Part]]) { self.cells = cells.map(CellView.init) }
}

struct TableView: Sendable {
    var id: String? = nil
    var headers: [String]
    var rows: [RowView]
    init(_ headers: [String], _ rows: [[[Part]]], id: String? = nil) {
        self.id = id
        self.headers = headers
        self.rows = rows.map(RowView.init)
    }
}

/// A link to a record, its short text, and (when expanded) the record itself.
struct RefView: Sendable {
    var href: String
    var label: String
    var display: String?
    /// The expanded record: empty or one element (an array, so the recursive struct stays finite).
    var record: [RecordView]
}

/// One record: a field table (OBJECT), an element list (LIST, SET), an entry table (MAP).
struct RecordView: Sendable {
    struct Collection: Sendable {
        var kind: String
        var elementType: String
        var size: Int64
        var elements: [RefView]
        /// How many elements are shown, when the collection was cut.
        var shownOf: Int?
    }
    struct Map: Sendable {
        var keyType: String
        var valueType: String
        var size: Int64
        var entries: TableView
    }
    var unpopulated = false
    var fields: TableView? = nil
    var collection: Collection? = nil
    var map: Map? = nil
    var other: String? = nil
}

struct VersionPickerView: Sendable {
    struct Option: Sendable {
        var value: Int64
        var selected: Bool
    }
    var action: String
    var options: [Option]
    init(_ action: String, current: Int64, versions: [Int64]) {
        self.action = action
        options = versions.reversed().map { Option(value: $0, selected: $0 == current) }
    }
}

struct LookupFormsView: Sendable {
    /// The type, URL-encoded for the form actions.
    var typePath: String
    /// The version to keep (a hidden field), when the page shows an explicit one.
    var version: Int64?
    var hasKey: Bool
    var keyFields: [String]
    var fields: [String]
}

struct DocumentView: Sendable {
    struct Refresh: Sendable {
        var version: Int64
        var milliseconds: Int
    }
    var title: String
    /// The page template's output (already escaped).
    var body: String
    var footer: Bool
    var refresh: Refresh?
}

struct ErrorView: Sendable {
    var code: Int
    var reason: String
    var message: String
}

struct StatusView: Sendable {
    var json: String
}

struct OverviewView: Sendable {
    var version: Int64
    var picker: VersionPickerView
    var store: String
    var namespace: String
    var typeCount: Int
    var memory: String
    var jsonHref: String
    var types: TableView
    var tags: TableView
}

struct TypeView: Sendable {
    struct Object: Sendable {
        var primaryKey: String?
        var fields: TableView
    }
    struct Collection: Sendable {
        /// `LIST of`, `SET of` or `MAP`.
        var heading: String
        var types: [Part]
        var hasHashKey: Bool
        var hashKey: String?
    }
    var type: String
    var kind: String
    var version: Int64
    var count: Int
    var maxOrdinal: Int
    var memory: String
    var recordsHref: String
    var jsonHref: String
    var object: Object?
    var collection: Collection?
    var find: LookupFormsView?
}

struct RecordsView: Sendable {
    var type: String
    var typeHref: String
    var version: Int64
    var first: Int
    var last: Int
    var total: Int
    var nav: [Part]
    var jsonHref: String
    var records: TableView
}

struct RecordPageView: Sendable {
    var type: String
    var typeHref: String
    var ordinal: Int
    var version: Int64
    var historyHref: String?
    var jsonHref: String
    var record: RecordView
}

struct SearchView: Sendable {
    var type: String
    var typeHref: String
    var field: String
    var match: String
    var value: String
    var version: Int64
    var total: Int
    var shown: Int?
    var jsonHref: String
    var records: TableView
    var find: LookupFormsView?
}

struct VersionsView: Sendable {
    var count: Int
    var store: String
    var announced: Int64?
    var versions: TableView
}

struct DiffFormView: Sendable {
    struct Option: Sendable {
        var value: Int64
        var selected: Bool
    }
    var from: [Option]
    var to: [Option]
}

struct DiffView: Sendable {
    /// One row of a side-by-side table: a field (or element, entry) and its value in each version.
    struct Row: Sendable {
        /// `same`, `changed`, `added` or `removed` (the row's CSS class).
        var status: String
        /// `d0`…`d4`: how deep under the record (references followed).
        var indent: String
        var path: String
        var from: [Part]
        var to: [Part]
    }
    struct ChangedRecord: Sendable {
        var label: String
        var fromHref: String
        var toHref: String
        var fromLabel: String
        var toLabel: String
        var fromVersion: Int64
        var toVersion: Int64
        var rows: [Row]
        var truncated: Bool
    }
    struct SingleRecord: Sendable {
        /// `added` or `removed`.
        var style: String
        var label: String
        var href: String
        var ordinalLabel: String
        var record: RecordView
    }
    struct TypeDetails: Sendable {
        var type: String
        var matchedBy: String
        var explanation: String
        var added: Int
        var removed: Int
        var changed: Int
        var unchanged: Int
        var nav: [Part]
        var changedRecords: [ChangedRecord]
        var addedRecords: [SingleRecord]
        var removedRecords: [SingleRecord]
    }
    struct Option: Sendable {
        var value: Int64
        var selected: Bool
    }
    var from: Int64
    var to: Int64
    var jsonHref: String
    /// Which records of each type the page shows.
    var range: String
    var versions: [Option]
    var summary: TableView?
    var details: [TypeDetails]
}

struct HistoryView: Sendable {
    var type: String
    var key: String
    var count: Int
    var jsonHref: String
    var history: TableView
}

struct MetricsView: Sendable {
    struct Chart: Sendable {
        /// HollowCharts' SVG: inserted unescaped (it escaped its own texts).
        var svg: String
    }
    /// One metric: its time series per source, each source's newest histogram, and (latency) a heatmap.
    struct Trend: Sendable {
        var key: String
        var name: String
        var unit: String
        var line: Chart
        var latest: [Chart]
        var heatmap: Chart?
    }
    struct Option: Sendable {
        var value: Int64
        var selected: Bool
    }
    struct SourceOption: Sendable {
        var name: String
        var color: String
        var checked: Bool
    }
    var versions: [Option]
    var version: Int64
    var follows: Bool
    var sources: [SourceOption]
    var since: String
    var until: String
    var last: String
    /// The time span and the number of intervals shown.
    var window: String
    var jsonHref: String
    var intervals: TableView
    var metrics: [Trend]
    var aggregates: [Chart]
}

struct OperationsView: Sendable {
    var namespace: String
    var announced: String
    var pins: TableView?
    var fleetCount: Int
    var fleet: TableView
    var canPin: Bool
}

// MARK: Fast lookups for the models of every table cell

// Mustache looks names up with `Mirror` unless a model answers them itself; the models repeated for every cell
// (a records page has thousands) answer directly, which makes pages about ten times faster to render.

extension Part: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "href": href
        case "style": style
        case "code": code
        case "ref": ref
        case "lineBreak": lineBreak
        default: nil
        }
    }
}

extension CellView: MustacheParent {
    func child(named name: String) -> Any? { name == "parts" ? parts : nil }
}

extension RowView: MustacheParent {
    func child(named name: String) -> Any? { name == "cells" ? cells : nil }
}

extension TableView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "headers": headers
        case "rows": rows
        default: nil
        }
    }
}

extension RefView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "href": href
        case "label": label
        case "display": display
        case "record": record
        default: nil
        }
    }
}

extension DiffView.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "status": status
        case "indent": indent
        case "path": path
        case "from": from
        case "to": to
        default: nil
        }
    }
}

extension RecordView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "unpopulated": unpopulated
        case "fields": fields
        case "collection": collection
        case "map": map
        case "other": other
        default: nil
        }
    }
}
