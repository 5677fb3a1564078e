import HollowCore

/// A synthetic, movies-shaped data set: movies with tags and a cast of actors shared between movies.
public enum Movies {
    /// An actor (shared by many movies).
    public struct Actor: Codable, Hashable, Sendable, HollowTypeConfiguration {
        public static let hollowPrimaryKey: [String]? = ["id"]
        public var id: Int32
        public var name: String
    }

    /// A movie.
    public struct Movie: Codable, Hashable, Sendable, HollowTypeConfiguration {
        public static let hollowPrimaryKey: [String]? = ["id"]
        public var id: Int64
        public var title: String
        public var year: Int32
        public var rating: Double
        public var tags: [String]
        public var cast: [Actor]
    }

    /// Movie `id`; `variant` > 0 changes its title (a modified record).
    public static func movie(_ id: Int64, variant: Int = 0) -> Movie {
        Movie(
            id: id, title: "Movie \(id)" + (variant == 0 ? "" : " (v\(variant))"), year: Int32(1950 + id % 75),
            rating: Double(id % 100) / 10, tags: ["genre-\(id % 17)", "decade-\(id % 8)"],
            cast: (0..<3).map { k in
                let a = Int32((id * 7 + Int64(k) * 13) % 5000)
                return Actor(id: a, name: "Actor \(a)")
            })
    }

    /// Movies `1...count`.
    public static func first(count: Int) -> [Movie] { (1...Int64(count)).map { movie($0) } }

    /// The next state: `churn` of the movies removed, as many modified and as many added.
    public static func next(after first: [Movie], churn: Double = 0.01) -> [Movie] {
        let changed = Int(Double(first.count) * churn)
        var second = Array(first.dropFirst(changed))
        for i in 0..<changed { second[i] = movie(second[i].id, variant: 1) }
        let last = first.last?.id ?? 0
        if changed > 0 { second.append(contentsOf: (last + 1...last + Int64(changed)).map { movie($0) }) }
        return second
    }
}

/// Blobs of two consecutive states of the movies data set, written by HollowCore's write engine.
public struct MovieBlobs: Sendable {
    /// The movies of state 1 and state 2.
    public let first: [Movies.Movie]
    public let second: [Movies.Movie]
    /// Snapshot of state 1, delta and reverse delta 1→2, snapshot of state 2.
    public let snapshot1: [UInt8]
    public let delta: [UInt8]
    public let reverseDelta: [UInt8]
    public let snapshot2: [UInt8]

    /// Writes `count` movies as state 1 and a `churn` change of them as state 2.
    public init(count: Int, churn: Double = 0.01) throws {
        first = Movies.first(count: count)
        second = Movies.next(after: first, churn: churn)
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        _ = try mapper.initializeTypeState(for: Movies.Movie.self)
        for m in first { _ = try mapper.add(m) }
        snapshot1 = engine.writeSnapshot()
        engine.prepareForNextCycle()
        for m in second { _ = try mapper.add(m) }
        delta = engine.writeDelta()
        reverseDelta = engine.writeReverseDelta()
        snapshot2 = engine.writeSnapshot()
    }

    /// A fresh engine holding `movies`, and the mapper bound to it (for write benchmarks).
    public static func engine(with movies: [Movies.Movie]) throws -> (HollowWriteStateEngine, HollowObjectMapper) {
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        _ = try mapper.initializeTypeState(for: Movies.Movie.self)
        for m in movies { _ = try mapper.add(m) }
        return (engine, mapper)
    }
}
