import HollowCore
import Testing

// Swift models of the fixtures' Java models (schemas in expected-1.json), named with a prefix so they do
// not collide with other test files; `hollowTypeName` gives them Java's names.

struct WMMetricsState: Codable, Equatable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "MetricsState"
    var timestamp: String
    var source: String
    var metrics: HollowOrderedMap<String, WMMetric>
    var aggregates: HollowOrderedMap<String, Int32>
}

struct WMMetric: Codable, Equatable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Metric"
    var name: String
    var total: Int32
    var unit: String
    var buckets: [WMMetricBucket]
}

struct WMMetricBucket: Codable, Equatable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "MetricBucket"
    var lower: Int32
    var upper: Int32
    var count: Int32
}

struct KSMovie: Codable, HollowTypeConfiguration {
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
    var studio: KSStudio?
    var cast: [KSActor]?
    var genres: HollowOrderedSet<KSGenre>?
    var releases: HollowOrderedMap<KSCountry, KSReleaseInfo>?
    var awards: HollowOrderedSet<KSAward>?
    var subtitles: HollowOrderedMap<KSLanguage, String>?
}

struct KSStudio: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Studio"
    static let hollowPrimaryKey: [String]? = ["studioId"]
    static let hollowInlineFields: Set<String> = ["name"]
    var studioId: Int32
    var name: String
    var country: KSCountry
}

struct KSCountry: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Country"
    static let hollowPrimaryKey: [String]? = ["code"]
    static let hollowInlineFields: Set<String> = ["code"]
    var code: String
    var name: String
}

struct KSActor: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Actor"
    static let hollowPrimaryKey: [String]? = ["name", "birthYear"]
    static let hollowInlineFields: Set<String> = ["name"]
    var name: String
    var birthYear: Int32
}

struct KSGenre: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Genre"
    static let hollowInlineFields: Set<String> = ["name"]
    var name: String
}

struct KSAward: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Award"
    static let hollowInlineFields: Set<String> = ["name"]
    var name: String
    var year: Int32
}

struct KSLanguage: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Language"
    static let hollowInlineFields: Set<String> = ["code"]
    var code: String
}

struct KSReleaseInfo: Codable, Hashable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "ReleaseInfo"
    static let hollowInlineFields: Set<String> = ["format"]
    var releaseDate: Int64
    var format: String?
}

struct KSEmptyType: Codable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "EmptyType"
    static let hollowInlineFields: Set<String> = ["b"]
    var a: Int32
    var b: String?
    var c: Double
}

/// Writing the fixtures' records through the Codable mapper gives Java's schemas and first-state type
/// sections byte for byte. The records are read back from Java's snapshot with the mapper's typed reader;
/// sets and maps are put in Java's insertion order (the order that produced its ordinals).
@Suite struct MapperJavaIdentityTests {
    /// Set elements in ascending ordinal order (Java added them in that order).
    static func javaSet<E: Codable & Hashable>(_ state: ReadState, _ type: String, _ ordinal: Int?, _ m: HollowObjectMapper) throws -> HollowOrderedSet<E>? {
        guard let ordinal, let st = state.setType(type) else { return nil }
        return HollowOrderedSet(try st.elementOrdinals(ordinal).sorted().map { try m.read(E.self, ordinal: $0, from: state) })
    }

    /// Map entries by ascending value ordinal, then key ordinal (the order whose records got those ordinals).
    static func javaMap<K: Codable & Hashable, V: Codable>(_ state: ReadState, _ type: String, _ ordinal: Int?, _ m: HollowObjectMapper) throws -> HollowOrderedMap<K, V>? {
        guard let ordinal, let mt = state.mapType(type) else { return nil }
        let entries = mt.entries(ordinal).sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        return HollowOrderedMap(try entries.map { (key: try m.read(K.self, ordinal: $0.key, from: state), value: try m.read(V.self, ordinal: $0.value, from: state)) })
    }

    static func compareBodies(_ ours: [UInt8], _ java: [UInt8], _ what: String) throws {
        let a = try writeTestParseHeader(ours), b = try writeTestParseHeader(java)
        #expect(a.schemas == b.schemas, "\(what): schemas")
        let x = Array(ours[a.bodyOffset...]), y = Array(java[b.bodyOffset...])
        if x != y {
            let first = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count)
            Issue.record("\(what): type sections differ at body byte \(first) (ours \(x.count), Java \(y.count))")
        }
    }

    @Test func metricsThroughMapperMatchJava() throws {
        let java = try WriteFixtures.bytes("metrics", "snapshot-1")
        let state = try ReadState.load(snapshot: java)
        let reader = HollowObjectMapper()
        let objects = try #require(state.objectType("MetricsState"))
        var values: [WMMetricsState] = []
        for o in objects.populatedOrdinals {
            var v = try reader.read(WMMetricsState.self, ordinal: o, from: state)
            v.metrics = try #require(try Self.javaMap(state, "MapOfStringToMetric", objects.readOrdinal(o, "metrics"), reader))
            v.aggregates = try #require(try Self.javaMap(state, "MapOfStringToInteger", objects.readOrdinal(o, "aggregates"), reader))
            values.append(v)
        }
        #expect(values.count == 3)
        #expect(values[0].metrics.entries.first?.value.buckets.count == 4)

        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
        let mapper = HollowObjectMapper(engine: engine)
        for (i, v) in values.enumerated() { #expect(try mapper.add(v) == i) }
        try Self.compareBodies(engine.writeSnapshot(), java, "metrics")

        // Typed reading of what we wrote gives the same values back.
        let ours = try ReadState.load(snapshot: engine.writeSnapshot())
        let back = try HollowObjectMapper().readAll(WMMetricsState.self, from: ours)
        #expect(back.map(\.source) == values.map(\.source))
        #expect(back.map { Dictionary(uniqueKeysWithValues: $0.aggregates.entries.map { ($0.key, $0.value) }) }
            == values.map { Dictionary(uniqueKeysWithValues: $0.aggregates.entries.map { ($0.key, $0.value) }) })
    }

    @Test func kitchensinkThroughMapperMatchesJava() throws {
        let java = try WriteFixtures.bytes("kitchensink", "snapshot-1")
        let state = try ReadState.load(snapshot: java)
        let reader = HollowObjectMapper()
        let movies = try #require(state.objectType("Movie"))
        var values: [KSMovie] = []
        for o in movies.populatedOrdinals {
            var m = try reader.read(KSMovie.self, ordinal: o, from: state)
            m.genres = try Self.javaSet(state, "SetOfGenre", movies.readOrdinal(o, "genres"), reader)
            m.awards = try Self.javaSet(state, "SetOfAward", movies.readOrdinal(o, "awards"), reader)
            m.releases = try Self.javaMap(state, "MapOfCountryToReleaseInfo", movies.readOrdinal(o, "releases"), reader)
            m.subtitles = try Self.javaMap(state, "MapOfLanguageToString", movies.readOrdinal(o, "subtitles"), reader)
            values.append(m)
        }
        #expect(values.count == 4)

        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
        let mapper = HollowObjectMapper(engine: engine)
        for (i, v) in values.enumerated() { #expect(try mapper.add(v) == i) }
        try mapper.initializeTypeState(for: KSEmptyType.self)
        try Self.compareBodies(engine.writeSnapshot(), java, "kitchensink")

        // Primary-key lookup on the state we wrote.
        let ours = try ReadState.load(snapshot: engine.writeSnapshot())
        let index = try HollowObjectMapper().primaryKeyIndex(KSMovie.self, in: ours)
        #expect(index.count == 4)
        let amelie = try #require(try index.find([2]))
        #expect(amelie.tagline == "🎬")
        #expect(try index.find([99]) == nil)
        let actor = try HollowObjectMapper().find(KSActor.self, in: ours, primaryKey: "Haku", 1000)
        #expect(actor?.birthYear == 1000)
    }
}
