import HollowCore

// The large-movies fixture's model (Java Hollow's KitchenSinkModel, schemas in the fixture's blobs) twice:
// as Codable types for HollowObjectMapper and as HollowRecord types that write themselves. Both give the
// same schemas and byte-identical states (checked by ProducerBench on every run, and by HollowRecordTests).

// MARK: - Codable

struct CMovie: Codable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Movie"
    static let hollowPrimaryKey: [String]? = ["id"]
    static let hollowInlineFields: Set<String> = [
        "title", "sequelNumber", "budget", "userRating", "boxOfficeRatio", "awardWinning", "tagline",
    ]
    static let hollowHashKeys: [String: [String]] = ["genres": [], "releases": [], "awards": ["name"]]
    var id: Int32
    var revenue: Int64
    var rating: Float
    var score: Double
    var released: Bool
    var title: String?
    var originalTitle: String?
    var poster: [UInt8]?
    var sequelNumber: Int32?
    var budget: Int64?
    var userRating: Float?
    var boxOfficeRatio: Double?
    var awardWinning: Bool?
    var tagline: String?
    var viewCount: Int32?
    var studio: CStudio?
    var cast: [CActor]?
    var genres: HollowOrderedSet<CGenre>?
    var releases: HollowOrderedMap<CCountry, CReleaseInfo>?
    var awards: HollowOrderedSet<CAward>?
    var subtitles: HollowOrderedMap<CLanguage, String>?
}

struct CStudio: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Studio"
    static let hollowPrimaryKey: [String]? = ["studioId"]
    static let hollowInlineFields: Set<String> = ["name"]
    var studioId: Int32
    var name: String
    var country: CCountry
}

struct CCountry: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Country"
    static let hollowPrimaryKey: [String]? = ["code"]
    static let hollowInlineFields: Set<String> = ["code"]
    var code: String
    var name: String
}

struct CActor: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Actor"
    static let hollowPrimaryKey: [String]? = ["name", "birthYear"]
    static let hollowInlineFields: Set<String> = ["name"]
    var name: String
    var birthYear: Int32
}

struct CGenre: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Genre"
    static let hollowInlineFields: Set<String> = ["name"]
    var name: String
}

struct CAward: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Award"
    static let hollowInlineFields: Set<String> = ["name"]
    var name: String
    var year: Int32
}

struct CLanguage: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Language"
    static let hollowInlineFields: Set<String> = ["code"]
    var code: String
}

struct CReleaseInfo: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "ReleaseInfo"
    static let hollowInlineFields: Set<String> = ["format"]
    var releaseDate: Int64
    var format: String?
}

// MARK: - HollowRecord

struct DMovie: HollowRecord {
    var id: Int32
    var revenue: Int64
    var rating: Float
    var score: Double
    var released: Bool
    var title: String?
    var originalTitle: String?
    var poster: [UInt8]?
    var sequelNumber: Int32?
    var budget: Int64?
    var userRating: Float?
    var boxOfficeRatio: Double?
    var awardWinning: Bool?
    var tagline: String?
    var viewCount: Int32?
    var studio: DStudio?
    var cast: [DActor]?
    var genres: [DGenre]?
    var releases: [(key: DCountry, value: DReleaseInfo)]?
    var awards: [DAward]?
    var subtitles: [(key: DLanguage, value: String)]?

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Movie"
        s.primaryKey = ["id"]
        s.int("id")
        s.long("revenue")
        s.float("rating")
        s.double("score")
        s.boolean("released")
        s.string("title")
        s.reference("originalTitle", String.self)
        s.bytes("poster")
        s.int("sequelNumber")
        s.long("budget")
        s.float("userRating")
        s.double("boxOfficeRatio")
        s.boolean("awardWinning")
        s.string("tagline")
        s.reference("viewCount", Int32.self)
        s.reference("studio", DStudio.self)
        s.list("cast", of: DActor.self)
        s.set("genres", of: DGenre.self, hashKey: [])
        s.map("releases", key: DCountry.self, value: DReleaseInfo.self, hashKey: [])
        s.set("awards", of: DAward.self, hashKey: ["name"])
        s.map("subtitles", key: DLanguage.self, value: String.self)
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(id)
        try w.long(revenue)
        try w.float(rating)
        try w.double(score)
        try w.boolean(released)
        try w.string(title)
        try w.reference(originalTitle)
        try w.bytes(poster)
        try w.int(sequelNumber)
        try w.long(budget)
        try w.float(userRating)
        try w.double(boxOfficeRatio)
        try w.boolean(awardWinning)
        try w.string(tagline)
        try w.reference(viewCount)
        try w.reference(studio)
        try w.list(cast)
        try w.set(genres)
        try w.map(releases)
        try w.set(awards)
        try w.map(subtitles)
    }
}

struct DStudio: HollowRecord {
    var studioId: Int32
    var name: String
    var country: DCountry

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Studio"
        s.primaryKey = ["studioId"]
        s.int("studioId")
        s.string("name")
        s.reference("country", DCountry.self)
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(studioId)
        try w.string(name)
        try w.reference(country)
    }
}

struct DCountry: HollowRecord {
    var code: String
    var name: String

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Country"
        s.primaryKey = ["code"]
        s.string("code")
        s.reference("name", String.self)
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.string(code)
        try w.reference(name)
    }
}

struct DActor: HollowRecord {
    var name: String
    var birthYear: Int32

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Actor"
        s.primaryKey = ["name", "birthYear"]
        s.string("name")
        s.int("birthYear")
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.string(name)
        try w.int(birthYear)
    }
}

struct DGenre: HollowRecord {
    var name: String

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Genre"
        s.string("name")
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.string(name) }
}

struct DAward: HollowRecord {
    var name: String
    var year: Int32

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Award"
        s.string("name")
        s.int("year")
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.string(name)
        try w.int(year)
    }
}

struct DLanguage: HollowRecord {
    var code: String

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Language"
        s.string("code")
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.string(code) }
}

struct DReleaseInfo: HollowRecord {
    var releaseDate: Int64
    var format: String?

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "ReleaseInfo"
        s.long("releaseDate")
        s.string("format")
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.long(releaseDate)
        try w.string(format)
    }
}

extension DMovie {
    /// The same movie as a HollowRecord value.
    init(_ m: CMovie) {
        func country(_ c: CCountry) -> DCountry { DCountry(code: c.code, name: c.name) }
        self.init(
            id: m.id, revenue: m.revenue, rating: m.rating, score: m.score, released: m.released, title: m.title,
            originalTitle: m.originalTitle, poster: m.poster, sequelNumber: m.sequelNumber, budget: m.budget,
            userRating: m.userRating, boxOfficeRatio: m.boxOfficeRatio, awardWinning: m.awardWinning,
            tagline: m.tagline, viewCount: m.viewCount,
            studio: m.studio.map { DStudio(studioId: $0.studioId, name: $0.name, country: country($0.country)) },
            cast: m.cast?.map { DActor(name: $0.name, birthYear: $0.birthYear) },
            genres: m.genres?.elements.map { DGenre(name: $0.name) },
            releases: m.releases?.entries.map { (key: country($0.key), value: DReleaseInfo(releaseDate: $0.value.releaseDate, format: $0.value.format)) },
            awards: m.awards?.elements.map { DAward(name: $0.name, year: $0.year) },
            subtitles: m.subtitles?.entries.map { (key: DLanguage(code: $0.key.code), value: $0.value) })
    }
}

// Immutable benchmark data handed to the producer's populate closure (HollowOrderedSet/Map do not declare
// Sendable).
extension CMovie: @unchecked Sendable {}
