import HollowMacrosImplementation
import SwiftSyntax
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacros
import SwiftSyntaxMacrosGenericTestSupport
import Testing

/// The source `@HollowRecord` expands to, and its diagnostics on what it cannot map.
@Suite struct HollowRecordMacroExpansionTests {
    static let macros: [String: MacroSpec] = [
        "HollowRecord": MacroSpec(
            type: HollowRecordMacro.self,
            conformances: ["HollowRecord", "HollowTypeConfiguration"].map { TypeSyntax(IdentifierTypeSyntax(name: .identifier($0))) }),
        "HollowInline": MacroSpec(type: HollowFieldMarkerMacro.self),
        "HollowHashKey": MacroSpec(type: HollowFieldMarkerMacro.self),
        "HollowTypeName": MacroSpec(type: HollowFieldMarkerMacro.self),
        "HollowTransient": MacroSpec(type: HollowFieldMarkerMacro.self),
    ]

    func expect(
        _ source: String, expands expanded: String, diagnostics: [DiagnosticSpec] = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        assertMacroExpansion(
            source, expandedSource: expanded, diagnostics: diagnostics, macroSpecs: Self.macros,
            failureHandler: { Issue.record(Comment(rawValue: $0.message), sourceLocation: sourceLocation) })
    }

    @Test func aMovieExpandsToItsSchemaWriterAndCodableConfiguration() {
        expect(
            """
            @HollowRecord(typeName: "Movie", primaryKey: ["id"])
            public struct MovieRecord {
                var id: Int32
                @HollowInline var title: String
                var originalTitle: String?
                var year: Int
                var rank: Int16?
                var rating: Float
                @HollowInline var budget: Int64?
                var poster: [UInt8]?
                var tags: [String]
                var studio: Studio?
                @HollowTypeName("MovieCast") var cast: [Actor]
                @HollowHashKey() var genres: Set<Genre>
                @HollowHashKey("name") var awards: HollowOrderedSet<Award>?
                var releases: [Country: Int64]
                var seasons: [UInt16]
                @HollowTransient var cache: [String: String] = [:]
                static let version = 1
                var display: String { title }
            }
            """,
            expands: """
                public struct MovieRecord {
                    var id: Int32
                    var title: String
                    var originalTitle: String?
                    var year: Int
                    var rank: Int16?
                    var rating: Float
                    var budget: Int64?
                    var poster: [UInt8]?
                    var tags: [String]
                    var studio: Studio?
                    var cast: [Actor]
                    var genres: Set<Genre>
                    var awards: HollowOrderedSet<Award>?
                    var releases: [Country: Int64]
                    var seasons: [UInt16]
                    var cache: [String: String] = [:]
                    static let version = 1
                    var display: String { title }
                }

                extension MovieRecord: HollowCore.HollowRecord {
                    /// The Hollow schema derived by `@HollowRecord` from the stored properties, in declaration order.
                    public static func hollowSchema(_ schema: inout HollowCore.HollowRecordSchema) {
                        schema.typeName = "Movie"
                        schema.primaryKey = ["id"]
                        schema.int("id")
                        schema.string("title")
                        schema.reference("originalTitle", String.self)
                        schema.long("year")
                        schema.reference("rank", Int32.self)
                        schema.float("rating")
                        schema.long("budget")
                        schema.bytes("poster")
                        schema.list("tags", of: String.self)
                        schema.reference("studio", Studio.self)
                        schema.list("cast", of: Actor.self, typeName: "MovieCast")
                        schema.set("genres", of: Genre.self, hashKey: [])
                        schema.set("awards", of: Award.self, hashKey: ["name"])
                        schema.map("releases", key: Country.self, value: Int64.self)
                        schema.list("seasons", of: Int32.self)
                    }
                    /// Writes every stored property straight into the record's encoding (derived by `@HollowRecord`).
                    public func hollowWrite(to writer: inout HollowCore.HollowRecordWriter) throws {
                        try writer.int(self.id)
                        try writer.string(self.title)
                        try writer.reference(self.originalTitle)
                        try writer.long(Int64(self.year))
                        try writer.reference(self.rank.map {
                                Int32($0)
                            })
                        try writer.float(self.rating)
                        try writer.long(self.budget)
                        try writer.bytes(self.poster)
                        try writer.list(self.tags)
                        try writer.reference(self.studio)
                        try writer.list(self.cast)
                        try writer.set(HollowMacros.HollowRecordOrder.elements(self.genres))
                        try writer.set(self.awards?.elements)
                        try writer.map(HollowMacros.HollowRecordOrder.entries(self.releases))
                        try writer.list(self.seasons.map {
                                Int32($0)
                            })
                    }
                }

                extension MovieRecord: HollowCore.HollowTypeConfiguration {
                    public static var hollowTypeName: String? {
                        "Movie"
                    }
                    public static var hollowPrimaryKey: [String]? {
                        ["id"]
                    }
                    public static var hollowInlineFields: Set<String> {
                        ["title", "budget"]
                    }
                    public static var hollowHashKeys: [String: [String]] {
                        ["genres": [], "awards": ["name"]]
                    }
                    public static var hollowFieldTypeNames: [String: String] {
                        ["cast": "MovieCast"]
                    }
                }
                """)
    }

    @Test func aStringEnumIsWrittenAsItsName() {
        expect(
            """
            @HollowRecord enum Genre: String, CaseIterable {
                case drama, comedy
            }
            """,
            expands: """
                enum Genre: String, CaseIterable {
                    case drama, comedy
                }

                extension Genre: HollowCore.HollowRecord {
                    /// The Hollow schema derived by `@HollowRecord` from the stored properties, in declaration order.
                    static func hollowSchema(_ schema: inout HollowCore.HollowRecordSchema) {
                        schema.string("_name")
                    }
                    /// Writes every stored property straight into the record's encoding (derived by `@HollowRecord`).
                    func hollowWrite(to writer: inout HollowCore.HollowRecordWriter) throws {
                        try writer.string(self.rawValue)
                    }
                }

                extension Genre: HollowCore.HollowTypeConfiguration {
                }
                """)
    }

    @Test func unsupportedMemberTypesNameTheMemberAndTheType() {
        expect(
            """
            @HollowRecord struct Event {
                var when: Date
                var pair: (Int32, Int32)
                var grid: [[String]]
                var maybe: [String?]
                var id = 4
            }
            """,
            expands: """
                struct Event {
                    var when: Date
                    var pair: (Int32, Int32)
                    var grid: [[String]]
                    var maybe: [String?]
                    var id = 4
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@HollowRecord cannot map member 'when' of type 'Date': Date has no Hollow field type; store it as a scalar (e.g. Int64 milliseconds, String) or a @HollowRecord",
                    line: 2, column: 15),
                DiagnosticSpec(
                    message: "@HollowRecord cannot map member 'pair' of type '(Int32, Int32)': a tuple has no Hollow type; declare a @HollowRecord struct for it",
                    line: 3, column: 15),
                DiagnosticSpec(
                    message: "@HollowRecord cannot map member 'grid' of type '[[String]]': nested collection '[String]' is not supported; wrap the inner collection in a @HollowRecord struct",
                    line: 4, column: 15),
                DiagnosticSpec(
                    message: "@HollowRecord cannot map member 'maybe' of type '[String?]': collections cannot hold nil in Hollow; make the element type 'String?' non-optional",
                    line: 5, column: 16),
                DiagnosticSpec(
                    message: "member 'id' needs an explicit type annotation for @HollowRecord to derive its Hollow field",
                    line: 6, column: 9),
            ])
    }

    @Test func misplacedMarkersAndABadPrimaryKeyAreErrors() {
        expect(
            """
            @HollowRecord(primaryKey: ["idd"])
            struct Show {
                var id: Int64
                @HollowHashKey("x") var tags: [String]
                @HollowInline var studio: Studio
            }
            """,
            expands: """
                struct Show {
                    var id: Int64
                    var tags: [String]
                    var studio: Studio
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@HollowHashKey on member 'tags' of type '[String]': a hash key applies to a Set or a Dictionary",
                    line: 4, column: 35),
                DiagnosticSpec(
                    message: "@HollowInline on member 'studio' of type 'Studio': only String and optional numbers or Bool can be inline",
                    line: 5, column: 31),
                DiagnosticSpec(
                    message: "primary key field 'idd' does not name a stored property (fields: id)",
                    line: 1, column: 27),
            ])
    }

    @Test func genericTypesAndNonStringEnumsAreRejected() {
        expect(
            """
            @HollowRecord struct Box<T> {
                var value: T
            }
            @HollowRecord enum Level: Int {
                case low
            }
            """,
            expands: """
                struct Box<T> {
                    var value: T
                }
                enum Level: Int {
                    case low
                }
                """,
            diagnostics: [
                DiagnosticSpec(
                    message: "@HollowRecord cannot be applied to a generic type: a Hollow type has one schema", line: 1, column: 25),
                DiagnosticSpec(
                    message: "@HollowRecord enum 'Level' needs String raw values: Hollow stores an enum as its name (field _name)",
                    line: 4, column: 20),
            ])
    }
}
