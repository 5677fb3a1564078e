import HollowMacros

// The large-movies model a third time: `@HollowRecord` types, whose schema and writer the macro derives from the
// stored properties (the "generated/macro path"). Same schemas and byte-identical states as the Codable and the
// hand-written HollowRecord models (checked by ProducerBench on every run).

@HollowRecord(typeName: "Movie", primaryKey: ["id"])
struct MMovie {
    var id: Int32
    var revenue: Int64
    var rating: Float
    var score: Double
    var released: Bool
    @HollowInline var title: String?
    var originalTitle: String?
    var poster: [UInt8]?
    @HollowInline var sequelNumber: Int32?
    @HollowInline var budget: Int64?
    @HollowInline var userRating: Float?
    @HollowInline var boxOfficeRatio: Double?
    @HollowInline var awardWinning: Bool?
    @HollowInline var tagline: String?
    var viewCount: Int32?
    var studio: MStudio?
    var cast: [MActor]?
    @HollowHashKey() var genres: HollowOrderedSet<MGenre>?
    @HollowHashKey() var releases: HollowOrderedMap<MCountry, MReleaseInfo>?
    @HollowHashKey("name") var awards: HollowOrderedSet<MAward>?
    var subtitles: HollowOrderedMap<MLanguage, String>?
}

@HollowRecord(typeName: "Studio", primaryKey: ["studioId"])
struct MStudio: Codable, Hashable {
    var studioId: Int32
    @HollowInline var name: String
    var country: MCountry
}

@HollowRecord(typeName: "Country", primaryKey: ["code"])
struct MCountry: Codable, Hashable {
    @HollowInline var code: String
    var name: String
}

@HollowRecord(typeName: "Actor", primaryKey: ["name", "birthYear"])
struct MActor: Codable, Hashable {
    @HollowInline var name: String
    var birthYear: Int32
}

@HollowRecord(typeName: "Genre")
struct MGenre: Codable, Hashable {
    @HollowInline var name: String
}

@HollowRecord(typeName: "Award")
struct MAward: Codable, Hashable {
    @HollowInline var name: String
    var year: Int32
}

@HollowRecord(typeName: "Language")
struct MLanguage: Codable, Hashable {
    @HollowInline var code: String
}

@HollowRecord(typeName: "ReleaseInfo")
struct MReleaseInfo: Codable, Hashable {
    var releaseDate: Int64
    @HollowInline var format: String?
}

extension MMovie {
    /// The same movie as a `@HollowRecord` value.
    init(_ m: CMovie) {
        func country(_ c: CCountry) -> MCountry { MCountry(code: c.code, name: c.name) }
        self.init(
            id: m.id, revenue: m.revenue, rating: m.rating, score: m.score, released: m.released, title: m.title,
            originalTitle: m.originalTitle, poster: m.poster, sequelNumber: m.sequelNumber, budget: m.budget,
            userRating: m.userRating, boxOfficeRatio: m.boxOfficeRatio, awardWinning: m.awardWinning,
            tagline: m.tagline, viewCount: m.viewCount,
            studio: m.studio.map { MStudio(studioId: $0.studioId, name: $0.name, country: country($0.country)) },
            cast: m.cast?.map { MActor(name: $0.name, birthYear: $0.birthYear) },
            genres: m.genres.map { HollowOrderedSet($0.elements.map { MGenre(name: $0.name) }) },
            releases: m.releases.map {
                HollowOrderedMap($0.entries.map { (key: country($0.key), value: MReleaseInfo(releaseDate: $0.value.releaseDate, format: $0.value.format)) })
            },
            awards: m.awards.map { HollowOrderedSet($0.elements.map { MAward(name: $0.name, year: $0.year) }) },
            subtitles: m.subtitles.map { HollowOrderedMap($0.entries.map { (key: MLanguage(code: $0.key.code), value: $0.value) }) })
    }
}

// Immutable benchmark data handed to the producer's populate closure (HollowOrderedSet/Map do not declare Sendable).
extension MMovie: @unchecked Sendable {}
