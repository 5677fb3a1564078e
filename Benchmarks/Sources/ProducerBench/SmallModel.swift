import HollowCore

// The model and data of `hollow bench cycle` (200k small movies, 3 actors each; v2: 1% removed, 1% modified,
// 1% added), to compare the Codable path with the measurement that motivated issue 12.

struct SmallActor: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "BenchActor"
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int32
    var name: String
}

struct SmallMovie: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "BenchMovie"
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var title: String
    var year: Int32
    var rating: Double
    var tags: [String]
    var cast: [SmallActor]

    static func movie(_ id: Int64, variant: Int = 0) -> SmallMovie {
        SmallMovie(
            id: id, title: "Movie \(id)" + (variant == 0 ? "" : " (v\(variant))"), year: Int32(1950 + id % 75),
            rating: Double(id % 100) / 10, tags: ["genre-\(id % 17)", "decade-\(id % 8)"],
            cast: (0..<3).map { k in let a = Int32((id * 7 + Int64(k) * 13) % 5000); return SmallActor(id: a, name: "Actor \(a)") })
    }

    /// The two states of `hollow bench cycle`.
    static func states(records: Int = 200_000, churn: Double = 0.01) -> ([SmallMovie], [SmallMovie]) {
        let n = Int64(records)
        let changed = Int64(Double(records) * churn)
        let first = (1...n).map { movie($0) }
        var second = Array(first.dropFirst(Int(changed)))
        for i in 0..<Int(changed) { second[i] = movie(second[i].id, variant: 1) }
        second.append(contentsOf: (n + 1...n + changed).map { movie($0) })
        return (first, second)
    }
}
