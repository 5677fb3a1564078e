// Typed reads on the large-movies fixture: generated views (MoviesAPI, generated at build time from
// Movies.hollow by HollowGeneratePlugin) vs Codable (HollowObjectMapper) vs the untyped read API.
// Times are CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID), medians over --runs repetitions;
// Benchmarks/java/TypedReadBench.java measures Java Hollow's generated API the same way.
//
//   swift run -c release --package-path Benchmarks TypedReadBench [FIXTURE_DIR] [RUNS]

import Glibc
import HollowCore

struct MovieFive: Codable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Movie"
    static let hollowPrimaryKey: [String]? = ["id"]
    static let hollowInlineFields: Set<String> = ["title", "revenue", "rating", "released"]
    var id: Int32
    var title: String?
    var revenue: Int64?
    var rating: Float?
    var released: Bool?
}

func cpuNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func readAll(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
    }
    return out
}

@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

let args = CommandLine.arguments
let dir = args.count > 1 ? args[1] : "../shared/fixtures/java-hollow-large/large-movies"
let runs = args.count > 2 ? Int(args[2]) ?? 7 : 7
let snapshot = readAll(dir + "/snapshot-1")
let delta = readAll(dir + "/delta-1-2")

var samples: [String: [Double]] = [:]
var order: [String] = []
var perOp: [String: Int] = [:]
@MainActor func measure(_ name: String, ops: Int = 1, _ body: () throws -> Void) rethrows {
    let t0 = cpuNanos()
    try body()
    let t = Double(cpuNanos() - t0) / 1e6
    if samples[name] == nil { order.append(name) }
    samples[name, default: []].append(t)
    perOp[name] = ops
}

var checksum = 0
for _ in 0..<runs {
    var s1: ReadState!
    var s2: ReadState!
    try measure("load snapshot-1") { s1 = try ReadState.load(snapshot: snapshot) }
    try measure("apply delta-1-2") { s2 = try s1.applying(delta: delta) }
    let api = MoviesAPI(s1)
    let api2 = MoviesAPI(s2)

    // Iterate all movies reading five fields.
    for (label, a) in [("state 1", api), ("state 2", api2)] {
        measure("iterate 5 fields, generated (\(label))") {
            var sum = 0
            for m in a.allMovie {
                sum &+= Int(m.id ?? 0)
                sum &+= m.title?.utf8.count ?? 0
                sum &+= Int(truncatingIfNeeded: m.revenue ?? 0)
                sum &+= Int(m.rating?.bitPattern ?? 0)
                sum &+= (m.released ?? false) ? 1 : 0
            }
            checksum &+= sum
        }
    }
    let mapper = HollowObjectMapper()
    try measure("iterate 5 fields, Codable readAll (state 1)") {
        var sum = 0
        for m in try mapper.readAll(MovieFive.self, from: s1) {
            sum &+= Int(m.id)
            sum &+= m.title?.utf8.count ?? 0
            sum &+= Int(truncatingIfNeeded: m.revenue ?? 0)
            sum &+= Int(m.rating?.bitPattern ?? 0)
            sum &+= (m.released ?? false) ? 1 : 0
        }
        checksum &+= sum
    }

    // 100k random primary-key lookups of existing ids.
    let ids = api.allMovie.compactMap(\.id)
    var x: UInt64 = 42
    let queries = (0..<100_000).map { _ -> Int32 in
        x = x &* 6364136223846793005 &+ 1442695040888963407
        return ids[Int((x >> 33) % UInt64(ids.count))]
    }
    var pk: MoviePrimaryKeyIndex!
    try measure("build Movie primary-key index (state 1)") { pk = try MoviePrimaryKeyIndex(api: api) }
    measure("100k PK lookups, generated findMatch + read title", ops: 100_000) {
        var sum = 0
        for q in queries { sum &+= pk.findMatch(id: q)?.title?.utf8.count ?? 0 }
        checksum &+= sum
    }
    let untyped = try HollowPrimaryKeyIndex(state: s1, type: "Movie")
    measure("100k PK lookups, untyped HollowPrimaryKeyIndex (ordinal only)", ops: 100_000) {
        var sum = 0
        for q in queries { sum &+= untyped.matchingOrdinal([.int(q)]) ?? 0 }
        checksum &+= sum
    }
    let codableIndex = try mapper.primaryKeyIndex(MovieFive.self, in: s1)
    try measure("100k PK lookups, Codable UniqueKeyIndex.find + title", ops: 100_000) {
        var sum = 0
        for q in queries { sum &+= try codableIndex.find([.int(q)])?.title?.utf8.count ?? 0 }
        checksum &+= sum
    }

    // Hash-index queries: movies by studio id.
    let studios = api.allStudio.compactMap(\.studioId)
    var hash: HollowHashIndex!
    try measure("build hash index Movie by studio.studioId") {
        hash = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["studio.studioId"])
    }
    measure("10k hash-index queries + read each match's id", ops: 10_000) {
        var sum = 0
        for i in 0..<10_000 {
            guard let matches = hash.findMatches(.int(studios[i % studios.count])) else { continue }
            for o in matches { sum &+= Int(api.movie(o).id ?? 0) }
        }
        checksum &+= sum
    }

    // The generated typed hash index (Java: the generated MovieAPIHashIndex), and a hash index through a collection.
    var typedHash: MoviesAPIHashIndex!
    try measure("typed: build MoviesAPIHashIndex Movie by studio.studioId") {
        typedHash = try MoviesAPIHashIndex(api: api, queryType: "Movie", selectFieldPath: "", matchFieldPaths: "studio.studioId")
    }
    measure("typed: 10k findMovieMatches(studioId) + read each id", ops: 10_000) {
        var sum = 0
        for i in 0..<10_000 {
            for m in typedHash.findMovieMatches(.int(studios[i % studios.count])) { sum &+= Int(m.id ?? 0) }
        }
        checksum &+= sum
    }
    var byCast: HollowHashIndex!
    try measure("build hash index Movie by cast.element.name") {
        byCast = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["cast.element.name"])
    }

    // Index update after the 1% delta vs a rebuild.
    try measure("typed: MoviePrimaryKeyIndex.updated(to:) after delta-1-2 (new API included)") {
        blackHole(try pk.updated(to: s2))
    }
    try measure("typed: MoviePrimaryKeyIndex rebuilt for state 2") { blackHole(try MoviePrimaryKeyIndex(api: api2)) }
    try measure("hash index by cast.element.name: update after delta-1-2") { blackHole(try byCast.updated(to: s2)) }
    try measure("hash index by cast.element.name: rebuild for state 2") {
        blackHole(try HollowHashIndex(state: s2, type: "Movie", selectField: "", matchFields: ["cast.element.name"]))
    }
    let unique = try HollowUniqueKeyIndex(state: s1, type: "Movie")
    try measure("unique-key index: update after delta-1-2") { blackHole(try unique.updated(to: s2)) }
    try measure("unique-key index: rebuild for state 2") { blackHole(try HollowUniqueKeyIndex(state: s2, type: "Movie")) }
    try measure("hash index: update after delta-1-2") { blackHole(try hash.updated(to: s2)) }
    try measure("hash index: rebuild for state 2") {
        blackHole(try HollowHashIndex(state: s2, type: "Movie", selectField: "", matchFields: ["studio.studioId"]))
    }
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
func fmt(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    let whole = Int(r)
    let frac = Int(((r - Double(whole)) * 100).rounded())
    return "\(whole).\(frac < 10 ? "0" : "")\(frac)"
}
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
print("swift typed-read benchmark, \(runs) runs, thread CPU time, median (min-max) ms; checksum \(checksum)")
for name in order {
    let v = samples[name]!
    let ops = perOp[name] ?? 1
    let perOpNs = ops > 1 ? "  \(Int((median(v) * 1e6 / Double(ops)).rounded())) ns/op" : ""
    print(pad(name, 66) + pad(fmt(median(v)), 10) + "(\(fmt(v.min()!))-\(fmt(v.max()!)))" + perOpNs)
}
