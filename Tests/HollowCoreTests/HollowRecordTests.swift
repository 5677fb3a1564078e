import HollowCore
import Testing

// The fixtures' models as HollowRecord types (no Codable): the same schemas as the KS*/WM* Codable models
// of MapperJavaIdentityTests, written field by field.

struct RMovie: HollowRecord {
    var m: KSMovie

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
        s.reference("studio", RStudio.self)
        s.list("cast", of: RActor.self)
        s.set("genres", of: RGenre.self, hashKey: [])
        s.map("releases", key: RCountry.self, value: RReleaseInfo.self, hashKey: [])
        s.set("awards", of: RAward.self, hashKey: ["name"])
        s.map("subtitles", key: RLanguage.self, value: String.self)
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(m.id)
        try w.long(m.revenue)
        try w.float(m.rating)
        try w.double(m.score)
        try w.boolean(m.released)
        try w.string(m.title)
        try w.reference(m.originalTitle)
        try w.bytes(m.poster)
        try w.int(m.sequelNumber)
        try w.long(m.budget)
        try w.float(m.userRating)
        try w.double(m.boxOfficeRatio)
        try w.boolean(m.awardWinning)
        try w.string(m.tagline)
        try w.reference(m.viewCount)
        try w.reference(m.studio.map(RStudio.init))
        try w.list(m.cast?.map(RActor.init))
        try w.set(m.genres?.elements.map(RGenre.init))
        try w.map(m.releases?.entries.map { (key: RCountry($0.key), value: RReleaseInfo($0.value)) })
        try w.set(m.awards?.elements.map(RAward.init))
        try w.map(m.subtitles?.entries.map { (key: RLanguage($0.key), value: $0.value) })
    }
}

struct RStudio: HollowRecord {
    var v: KSStudio
    init(_ v: KSStudio) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Studio"
        s.primaryKey = ["studioId"]
        s.int("studioId")
        s.string("name")
        s.reference("country", RCountry.self)
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(v.studioId)
        try w.string(v.name)
        try w.reference(RCountry(v.country))
    }
}

struct RCountry: HollowRecord {
    var v: KSCountry
    init(_ v: KSCountry) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Country"
        s.primaryKey = ["code"]
        s.string("code")
        s.reference("name", String.self)
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.string(v.code)
        try w.reference(v.name)
    }
}

struct RActor: HollowRecord {
    var v: KSActor
    init(_ v: KSActor) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Actor"
        s.primaryKey = ["name", "birthYear"]
        s.string("name")
        s.int("birthYear")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.string(v.name)
        try w.int(v.birthYear)
    }
}

struct RGenre: HollowRecord {
    var v: KSGenre
    init(_ v: KSGenre) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Genre"
        s.string("name")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.string(v.name) }
}

struct RAward: HollowRecord {
    var v: KSAward
    init(_ v: KSAward) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Award"
        s.string("name")
        s.int("year")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.string(v.name)
        try w.int(v.year)
    }
}

struct RLanguage: HollowRecord {
    var v: KSLanguage
    init(_ v: KSLanguage) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Language"
        s.string("code")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.string(v.code) }
}

struct RReleaseInfo: HollowRecord {
    var v: KSReleaseInfo
    init(_ v: KSReleaseInfo) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "ReleaseInfo"
        s.long("releaseDate")
        s.string("format")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.long(v.releaseDate)
        try w.string(v.format)
    }
}

struct REmptyType: HollowRecord {
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "EmptyType"
        s.int("a")
        s.string("b")
        s.double("c")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(0)
        try w.string(nil)
        try w.double(0)
    }
}

struct RMetricsState: HollowRecord {
    var v: WMMetricsState
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "MetricsState"
        s.reference("timestamp", String.self)
        s.reference("source", String.self)
        s.map("metrics", key: String.self, value: RMetric.self)
        s.map("aggregates", key: String.self, value: Int32.self)
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.reference(v.timestamp)
        try w.reference(v.source)
        try w.map(v.metrics.entries.map { (key: $0.key, value: RMetric(v: $0.value)) })
        try w.map(v.aggregates.entries)
    }
}

struct RMetric: HollowRecord {
    var v: WMMetric
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Metric"
        s.reference("name", String.self)
        s.int("total")
        s.reference("unit", String.self)
        s.list("buckets", of: RMetricBucket.self)
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.reference(v.name)
        try w.int(v.total)
        try w.reference(v.unit)
        try w.list(v.buckets.map(RMetricBucket.init))
    }
}

struct RMetricBucket: HollowRecord {
    var v: WMMetricBucket
    init(_ v: WMMetricBucket) { self.v = v }
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "MetricBucket"
        s.int("lower")
        s.int("upper")
        s.int("count")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(v.lower)
        try w.int(v.upper)
        try w.int(v.count)
    }
}

/// A Codable type whose `encode(to:)` visits fields out of declaration order (the mapper's general path).
struct ReversedEncoding: Codable, Equatable {
    var a: Int32
    var b: String
    var c: [String]
    enum CodingKeys: String, CodingKey { case a, b, c }
    func encode(to encoder: any Encoder) throws {
        var k = encoder.container(keyedBy: CodingKeys.self)
        try k.encode(c, forKey: .c)
        try k.encode(b, forKey: .b)
        try k.encode(a, forKey: .a)
    }
}

/// Writes one field fewer than it declares.
struct ShortRecord: HollowRecord {
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.int("a")
        s.long("b")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.int(1) }
}

/// Writes a STRING where it declared a LONG.
struct WrongKindRecord: HollowRecord {
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.int("a")
        s.long("b")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(1)
        try w.string("x")
    }
}

/// Both Codable and HollowRecord: the mapper writes it through its HollowRecord conformance.
struct BothWays: Codable, HollowRecord {
    var id: Int32
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "BothWays"
        s.long("id")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.long(Int64(id)) }
}

@Suite struct HollowRecordTests {
    static func kitchensinkMovies() throws -> [KSMovie] {
        let state = try ReadState.load(snapshot: try WriteFixtures.bytes("kitchensink", "snapshot-1"))
        let reader = HollowObjectMapper()
        let movies = try #require(state.objectType("Movie"))
        var values: [KSMovie] = []
        for o in movies.populatedOrdinals {
            var m = try reader.read(KSMovie.self, ordinal: o, from: state)
            m.genres = try MapperJavaIdentityTests.javaSet(state, "SetOfGenre", movies.readOrdinal(o, "genres"), reader)
            m.awards = try MapperJavaIdentityTests.javaSet(state, "SetOfAward", movies.readOrdinal(o, "awards"), reader)
            m.releases = try MapperJavaIdentityTests.javaMap(state, "MapOfCountryToReleaseInfo", movies.readOrdinal(o, "releases"), reader)
            m.subtitles = try MapperJavaIdentityTests.javaMap(state, "MapOfLanguageToString", movies.readOrdinal(o, "subtitles"), reader)
            values.append(m)
        }
        return values
    }

    @Test func kitchensinkRecordsMatchJavaAndTheCodablePath() throws {
        let values = try Self.kitchensinkMovies()
        #expect(values.count == 4)
        let java = try WriteFixtures.bytes("kitchensink", "snapshot-1")

        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
        let mapper = HollowObjectMapper(engine: engine)
        for (i, v) in values.enumerated() { #expect(try mapper.add(RMovie(m: v)) == i) }
        try mapper.initializeTypeState(for: REmptyType.self)
        try MapperJavaIdentityTests.compareBodies(engine.writeSnapshot(), java, "kitchensink via HollowRecord")

        let codableEngine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
        let codable = HollowObjectMapper(engine: codableEngine)
        for v in values { try codable.add(v) }
        try codable.initializeTypeState(for: KSEmptyType.self)
        codableEngine.overrideNextRandomizedTag(7)
        engine.overrideNextRandomizedTag(7)
        #expect(engine.writeSnapshot() == codableEngine.writeSnapshot())
    }

    @Test func metricsRecordsMatchJava() throws {
        let java = try WriteFixtures.bytes("metrics", "snapshot-1")
        let state = try ReadState.load(snapshot: java)
        let reader = HollowObjectMapper()
        let objects = try #require(state.objectType("MetricsState"))
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
        let mapper = HollowObjectMapper(engine: engine)
        for (i, o) in objects.populatedOrdinals.enumerated() {
            var v = try reader.read(WMMetricsState.self, ordinal: o, from: state)
            v.metrics = try #require(try MapperJavaIdentityTests.javaMap(state, "MapOfStringToMetric", objects.readOrdinal(o, "metrics"), reader))
            v.aggregates = try #require(try MapperJavaIdentityTests.javaMap(state, "MapOfStringToInteger", objects.readOrdinal(o, "aggregates"), reader))
            #expect(try mapper.add(RMetricsState(v: v)) == i)
        }
        try MapperJavaIdentityTests.compareBodies(engine.writeSnapshot(), java, "metrics via HollowRecord")
    }

    @Test func recordsThatDoNotFollowTheirSchemaAreRejected() throws {
        let mapper = HollowObjectMapper(engine: HollowWriteStateEngine())
        let short = #expect(throws: HollowWriteError.self) { try mapper.add(ShortRecord()) }
        #expect(short?.code == .schemaMismatch)
        #expect(short?.message.contains("wrote 1 of the 2 fields of ShortRecord") == true)
        let wrong = #expect(throws: HollowWriteError.self) { try mapper.add(WrongKindRecord()) }
        #expect(wrong?.code == .schemaMismatch)
        #expect(wrong?.message.contains("field WrongKindRecord.b is LONG") == true)
        // A failed record leaves no record behind; a good one still goes in.
        #expect(mapper.engine.populatedOrdinals(of: "WrongKindRecord").isEmpty)
    }

    @Test func aTypeThatIsBothCodableAndHollowRecordIsWrittenAsARecord() throws {
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        try mapper.add(BothWays(id: 5))
        guard case .object(let s)? = engine.schema(named: "BothWays") else {
            Issue.record("BothWays is not registered as an OBJECT")
            return
        }
        #expect(s.fields.map(\.type) == [.long])
    }

    @Test func codableFieldsEncodedOutOfOrderAreWrittenCorrectly() throws {
        let values = (0..<20).map { i in ReversedEncoding(a: Int32(i % 7), b: "b\(i % 5)", c: ["x\(i % 3)", "é\(i)"]) }
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        for (i, v) in values.enumerated() { #expect(try mapper.add(v) == i) }
        let state = try ReadState.load(snapshot: engine.writeSnapshot())
        let back = try HollowObjectMapper().readAll(ReversedEncoding.self, from: state)
        #expect(back == values)
        // The schema is the declaration order, whatever order encode(to:) uses.
        guard case .object(let s)? = engine.schema(named: "ReversedEncoding") else {
            Issue.record("ReversedEncoding is not registered as an OBJECT")
            return
        }
        #expect(s.fields.map(\.name) == ["a", "b", "c"])
    }
}
