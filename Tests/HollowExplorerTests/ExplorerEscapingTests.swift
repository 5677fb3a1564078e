import Foundation
import HollowCore
import HollowExplorer
import Hummingbird
import NIOCore
import Testing

/// A state whose type name, record values, header tags and metrics source are markup: every page must show them as
/// text (escaped by the templates), never as HTML.
struct MarkupState: ExplorerStateView {
    static let evil = #"<script>alert("x&y")</script>'"#
    static let escaped = "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
    static let typeName = #"Movie<script>&"'"#
    static let escapedTypeName = "Movie&lt;script&gt;&amp;&quot;&#39;"

    let version: Int64
    var headerTags: [String: String] { [Self.evil: Self.evil] }
    var typeNames: [String] { ["MetricsState", "Note", "Notes", Self.typeName] }

    func schema(of type: String) -> HollowSchema? {
        switch type {
        case Self.typeName:
            .object(HollowObjectSchema(name: type, fields: [
                .init(name: "id", type: .string), .init(name: "note", type: .string),
                .init(name: "notes", type: .reference, referencedType: "Notes"),
            ], primaryKey: ["id"]))
        case "Note": .object(HollowObjectSchema(name: type, fields: [.init(name: "text", type: .string)]))
        case "Notes": .list(HollowListSchema(name: type, elementType: "Note"))
        case "MetricsState":
            .object(HollowObjectSchema(name: type, fields: [
                .init(name: "source", type: .string), .init(name: "timestamp", type: .string),
            ]))
        default: nil
        }
    }

    func populatedOrdinals(of type: String) -> [Int] {
        type == Self.typeName && version >= 2 ? [0, 1] : (schema(of: type) == nil ? [] : [0])
    }
    func maxOrdinal(of type: String) -> Int { populatedOrdinals(of: type).last ?? -1 }
    func footprint(of type: String) -> Int? { nil }

    func record(of type: String, ordinal: Int) -> ExplorerRecord? {
        guard populatedOrdinals(of: type).contains(ordinal) else { return nil }
        switch type {
        case Self.typeName:
            return ordinal == 0
                ? .object([.string(Self.evil), .string(Self.evil + " v\(version)"), .reference(0)])
                : .object([.string("k2"), .string(Self.evil), .reference(0)])
        case "Note": return .object([.string(Self.evil)])
        case "Notes": return .list([0])
        case "MetricsState": return .object([.string(Self.evil), .string(Self.evil)])
        default: return nil
        }
    }
}

struct MarkupLoader: ExplorerStateLoader {
    func state(at version: Int64, from store: any BlobStore) async throws -> any ExplorerStateView {
        MarkupState(version: version)
    }
}

@Suite("Every page escapes what it shows (record values, type names, query parameters)")
struct ExplorerEscapingTests {
    static func explorer() -> Explorer {
        let evil = MarkupState.evil
        let ops = InMemoryOperations(OperationsSnapshot(
            namespace: evil, announced: 3, pins: [PinStatus(group: evil, version: 2, reason: evil)],
            fleet: [FleetConsumer(id: evil, version: 3, pinned: true, group: evil, ageSeconds: 1)]))
        return Explorer(configuration: .init(
            store: DirectoryStore(directory: Fixtures.store("kitchensink")), loader: MarkupLoader(), namespace: evil,
            operations: ops, operatorCredentials: "op:secret"))
    }

    static let t = FormData(MarkupState.typeName)
    static let v = FormData(MarkupState.evil)

    /// Pages, the status they answer with, and whether they show the whole record value (else the type name or
    /// the parameter).
    @Test(arguments: [
        ("/", 200, true), ("/types/\(t)", 200, false), ("/types/\(t)/records", 200, true),
        ("/types/\(t)/records/0?depth=3", 200, true), ("/types/\(t)/key?key=\(v)", 200, true),
        ("/types/\(t)/search?field=note&match=contains&value=\(v)", 200, true),
        ("/types/\(t)/history?key=\(v)", 200, true), ("/diff?from=1&to=2", 200, true), ("/versions", 200, true),
        ("/metrics?version=2", 200, true), ("/ops", 200, true), ("/api/status", 200, true),
        ("/types/\(v)", 404, true), ("/types/\(t)/search?field=note&match=\(v)", 400, true),
        ("/types/\(t)?version=\(v)", 400, true), ("/types/\(t)/records?limit=\(v)", 400, true),
    ])
    func pageEscapes(uri: String, status: Int, showsValue: Bool) async throws {
        try await Harness.app(Self.explorer()).test(.router) { client in
            let r = try await Harness.get(client, uri)
            #expect(r.status == status, "\(uri): \(r.text.prefix(300))")
            if uri.hasPrefix("/api/") {
                // JSON: HollowCore's escaper writes < > & as \u003c \u003e \u0026.
                #expect(!r.text.contains("<script>"), "\(uri)")
                #expect(r.text.contains("\\u003cscript\\u003e"), "\(uri)")
                return
            }
            #expect(r.text.hasPrefix("<!DOCTYPE html>"), "\(uri)")
            #expect(!r.text.contains("<script>alert"), "\(uri)")
            #expect(!r.text.contains(MarkupState.typeName), "\(uri)")
            if showsValue {
                #expect(r.text.contains(MarkupState.escaped), "\(uri)")
            } else {
                #expect(r.text.contains(MarkupState.escapedTypeName), "\(uri)")
            }
        }
    }

    @Test func typeNamesInLinksAreEncodedAndEscaped() async throws {
        try await Harness.app(Self.explorer()).test(.router) { client in
            let r = try await Harness.get(client, "/")
            #expect(r.text.contains("href=\"/types/\(Self.t)\""))
            #expect(r.text.contains(">\(MarkupState.escapedTypeName)</a>"))
        }
    }
}

/// Form-encodes a query or path value (RFC 3986 unreserved characters stay).
func FormData(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? s
}
