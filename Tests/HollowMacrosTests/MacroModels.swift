import HollowMacros

// A model with every kind of field, three times over: `@HollowRecord` types that are also Codable (so the same
// type goes through the macro-derived writer and through the Codable mapper), and hand-written HollowRecord
// conformances of the same schema.

@HollowRecord(typeName: "Show", primaryKey: ["id"])
struct MacroShow: Codable, Equatable {
    var id: Int64
    @HollowInline var title: String
    var note: String?
    var score: Float
    @HollowInline var rating: Double?
    var flag: Bool
    var poster: [UInt8]
    var seasons: [Int32]
    var tags: HollowOrderedSet<String>?
    var cast: HollowOrderedMap<String, MacroCast>
    var genres: Set<MacroGenre>
    var ranks: [String: Int16]
    var studio: MacroStudio?
    var year: UInt16?
    @HollowInline var views: Int?
    var episodes: Set<Int32>

    /// State `version`: v2 modifies, removes and adds shows; v3 again (re-using freed ordinals).
    static func state(_ version: Int64) -> [MacroShow] {
        let ids: [Int64] = version == 1 ? Array(0..<20) : version == 2 ? Array(1..<23) : Array(3..<25)
        return ids.map { id in
            let changed = version > 1 && id % 4 == 0
            return MacroShow(
                id: id, title: "Show \(id)" + (changed ? " (v\(version))" : "") + (id % 7 == 0 ? " – ünïcödé 🎬" : ""),
                note: id % 3 == 0 ? nil : "note \(id % 5)", score: id % 6 == 0 ? .nan : Float(id) / 4,
                rating: id % 5 == 0 ? nil : (id % 9 == 0 ? .nan : Double(id) * 1.5), flag: id % 2 == 0,
                poster: id % 8 == 0 ? [] : [UInt8(id & 0xFF), 0, 0x80, 0xFF], seasons: (0..<(id % 4)).map { Int32($0) * 3 - 1 },
                tags: id % 6 == 1 ? nil : HollowOrderedSet(["tag\(id % 3)", "tag\(id % 4)", "all"]),
                cast: HollowOrderedMap(
                    (0..<(id % 3)).map { k in (key: "role\(k)", value: MacroCast(name: "Actor \((id + k) % 6)", age: Int32(30 + k))) }),
                genres: Set(MacroGenre.allCases.enumerated().filter { (id >> $0.offset) & 1 == 1 }.map(\.element)),
                ranks: Dictionary(uniqueKeysWithValues: (0..<(id % 4)).map { ("r\($0 * 7 % 5)", Int16($0) - 1) }),
                studio: id % 5 == 4 ? nil : MacroStudio(studioId: Int32(id % 3), name: changed ? "Studio \(id % 3) v\(version)" : "Studio \(id % 3)"),
                year: id % 4 == 3 ? nil : UInt16(1990 + id), views: id % 3 == 1 ? nil : Int(id) * 1000,
                episodes: Set((0..<Int32(id % 5)).map { $0 * 11 % 7 }))
        }
    }
}

@HollowRecord(typeName: "Cast")
struct MacroCast: Codable, Hashable {
    var name: String
    var age: Int32
}

@HollowRecord(typeName: "Studio", primaryKey: ["studioId"])
struct MacroStudio: Codable, Hashable {
    var studioId: Int32
    @HollowInline var name: String
}

@HollowRecord
enum MacroGenre: String, Codable, CaseIterable {
    case drama, comedy, documentary, thriller
}

// MARK: - The same schema, hand-written

struct HandShow: HollowRecord {
    var show: MacroShow

    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Show"
        s.primaryKey = ["id"]
        s.long("id")
        s.string("title")
        s.reference("note", String.self)
        s.float("score")
        s.double("rating")
        s.boolean("flag")
        s.bytes("poster")
        s.list("seasons", of: Int32.self)
        s.set("tags", of: String.self)
        s.map("cast", key: String.self, value: HandCast.self)
        s.set("genres", of: HandGenre.self)
        s.map("ranks", key: String.self, value: Int32.self)
        s.reference("studio", HandStudio.self)
        s.reference("year", Int32.self)
        s.long("views")
        s.set("episodes", of: Int32.self)
    }

    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.long(show.id)
        try w.string(show.title)
        try w.reference(show.note)
        try w.float(show.score)
        try w.double(show.rating)
        try w.boolean(show.flag)
        try w.bytes(show.poster)
        try w.list(show.seasons)
        try w.set(show.tags?.elements)
        try w.map(show.cast.entries.map { (key: $0.key, value: HandCast(cast: $0.value)) })
        try w.set(Array(show.genres).map(HandGenre.init))
        try w.map(show.ranks.sorted { $0.key < $1.key }.map { (key: $0.key, value: Int32($0.value)) })
        try w.reference(show.studio.map(HandStudio.init))
        try w.reference(show.year.map { Int32($0) })
        try w.long(show.views.map { Int64($0) })
        try w.set(show.episodes.sorted())
    }
}

struct HandCast: HollowRecord {
    var cast: MacroCast
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Cast"
        s.reference("name", String.self)
        s.int("age")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.reference(cast.name)
        try w.int(cast.age)
    }
}

struct HandStudio: HollowRecord {
    var studio: MacroStudio
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "Studio"
        s.primaryKey = ["studioId"]
        s.int("studioId")
        s.string("name")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws {
        try w.int(studio.studioId)
        try w.string(studio.name)
    }
}

struct HandGenre: HollowRecord {
    var genre: MacroGenre
    static func hollowSchema(_ s: inout HollowRecordSchema) {
        s.typeName = "MacroGenre"
        s.string("_name")
    }
    func hollowWrite(to w: inout HollowRecordWriter) throws { try w.string(genre.rawValue) }
}
