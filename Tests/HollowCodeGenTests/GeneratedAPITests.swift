import GeneratedKitchenSinkAPI
import GeneratedMetricsAPI
import GeneratedShardedAPI
import Glibc
import HollowCodeGen
import HollowCore
import HollowTestSupport
import Testing

/// Where the fixtures are, resolved from this file.
enum Paths {
    static let packageRoot: String = {
        var p = "\(#filePath)"
        for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }
        return p
    }()
    static let fixtures = packageRoot + "/Tests/HollowCoreTests/Fixtures/java-hollow"
    static let largeMovies = packageRoot + "/../shared/fixtures/java-hollow-large/large-movies"
    static let generatedAPIs = packageRoot + "/Tests/GeneratedAPIs"
}


func fixture(_ dataset: String, _ name: String) throws -> [UInt8] {
    try #require(readFile("\(Paths.fixtures)/\(dataset)/\(name)"), "missing fixture \(dataset)/\(name)")
}

/// The record lines of each type in a canonical dump.
func recordLines(_ dump: String) -> [String: [String]] {
    var out: [String: [String]] = [:]
    var current = ""
    for line in dump.split(separator: "\n") {
        if line.hasPrefix("{\"name\":\"") {
            let rest = line.dropFirst(9)
            current = String(rest[..<rest.firstIndex(of: "\"")!])
            out[current] = []
        } else if line.hasPrefix("{\"ordinal\":") {
            out[current, default: []].append(String(line.hasSuffix(",") ? line.dropLast() : line))
        }
    }
    return out
}

/// States 1, 2, 3 of a dataset: from each snapshot, and 2 and 3 also along the deltas from snapshot 1
/// (records then live in delta patch segments).
func states(_ dataset: String) throws -> [(version: Int, label: String, state: ReadState)] {
    var out: [(Int, String, ReadState)] = []
    for v in 1...3 { out.append((v, "snapshot-\(v)", try ReadState.load(snapshot: try fixture(dataset, "snapshot-\(v)")))) }
    var s = out[0].2
    for v in 2...3 {
        s = try s.applying(delta: try fixture(dataset, "delta-\(v - 1)-\(v)"))
        out.append((v, "deltas to \(v)", s))
    }
    return out
}

func expectSameRecords(
    _ dataset: String, _ version: Int, _ label: String, _ allRecords: (String) -> [any HollowGeneratedRecord]
) throws {
    let expected = recordLines(String(decoding: try fixture(dataset, "expected-\(version).json"), as: UTF8.self))
    #expect(!expected.isEmpty)
    for (type, lines) in expected {
        let got = allRecords(type).map(\.description)
        #expect(got.count == lines.count, "\(dataset) \(label) \(type): \(got.count) records, expected \(lines.count)")
        for (g, e) in zip(got, lines) where g != e {
            Issue.record("\(dataset) \(label) \(type):\n  got:  \(g)\n  want: \(e)")
            break
        }
    }
}

@Suite("Generated API")
struct GeneratedAPITests {
    @Test("generated views read every record of the kitchensink states equal to the canonical dump")
    func kitchenSinkDump() throws {
        for (v, label, state) in try states("kitchensink") {
            let api = KitchenSinkAPI(state)
            try expectSameRecords("kitchensink", v, label) { api.allRecords(ofType: $0) }
        }
    }

    @Test("generated views read every record of the metrics states equal to the canonical dump")
    func metricsDump() throws {
        for (v, label, state) in try states("metrics") {
            let api = MetricsAPI(state)
            try expectSameRecords("metrics", v, label) { api.allRecords(ofType: $0) }
        }
    }

    @Test("generated views read every record of the sharded states equal to the canonical dump")
    func shardedDump() throws {
        for (v, label, state) in try states("sharded") {
            let api = ShardedAPI(state)
            try expectSameRecords("sharded", v, label) { api.allRecords(ofType: $0) }
        }
    }

    @Test("typed properties, references, collections and primary-key lookups agree with the untyped read API")
    func typedAccessMatchesUntyped() throws {
        let state = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let api = KitchenSinkAPI(state)
        let movies = try #require(state.objectType("Movie"))
        let index = try MoviePrimaryKeyIndex(api: api)
        let untyped = try HollowPrimaryKeyIndex(state: state, type: "Movie")
        #expect(!api.allMovie.isEmpty)
        for movie in api.allMovie {
            #expect(movie.id == movies.readInt(movie.ordinal, "id"))
            #expect(movie.title == movies.readString(movie.ordinal, "title"))
            #expect(movie.revenue == movies.readLong(movie.ordinal, "revenue"))
            #expect(movie.poster == movies.readBytes(movie.ordinal, "poster"))
            #expect(movie.originalTitle?.ordinal == movies.readOrdinal(movie.ordinal, "originalTitle"))
            #expect(movie.cast.map { $0.map(\.ordinal) } == movies.readOrdinal(movie.ordinal, "cast").map { state.listType("ListOfActor")!.elementOrdinals($0) })
            if let id = movie.id {
                #expect(index.findMatch(id: id) == movie)
                #expect(untyped.matchingOrdinal([.int(id)]) == movie.ordinal)
            }
            // Hash-keyed set and map lookups by typed key.
            if let awards = movie.awards {
                for award in awards {
                    let name = try #require(award.name)
                    #expect(awards.findElement(name: name) == award)
                    #expect(awards.contains(award))
                }
            }
            if let subtitles = movie.subtitles {
                for (language, text) in subtitles {
                    let code = try #require(language.code)
                    #expect(subtitles.findValue(code: code) == text)
                    #expect(subtitles[language] == text)
                }
            }
            if let genres = movie.genres { #expect(genres.allSatisfy { genres.contains($0) }) }
        }
        #expect(index.findMatch(id: Int32.min) == nil)
        // Two-field and reference-following primary keys.
        let actors = try ActorPrimaryKeyIndex(api: api)
        let untypedActors = try HollowPrimaryKeyIndex(state: state, type: "Actor")
        #expect(!api.allActor.isEmpty)
        for actor in api.allActor {
            let name = try #require(actor.name)
            let year = try #require(actor.birthYear)
            let found = actors.findMatch(name: name, birthYear: year)
            #expect(found != nil)
            #expect(found?.ordinal == untypedActors.matchingOrdinal([.string(name), .int(year)]))
        }
        let countries = try CountryPrimaryKeyIndex(api: api)
        for country in api.allCountry { #expect(countries.findMatch(code: try #require(country.code)) == country) }
    }

    @Test("a view keeps reading the state it came from after the consumer moves on")
    func viewsKeepTheirState() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let old = KitchenSinkAPI(s1).allMovie
        let before = old.map(\.description)
        _ = KitchenSinkAPI(s2).allMovie
        #expect(old.map(\.description) == before)
        #expect(before != KitchenSinkAPI(s2).allMovie.map(\.description))
    }

    @Test("the generated API tolerates a state without some of its types")
    func missingTypes() throws {
        let state = try ReadState.load(snapshot: try fixture("metrics", "snapshot-1"))
        let api = KitchenSinkAPI(state)
        #expect(api.allMovie.isEmpty)
        #expect(api.movie(0).title == nil)
        #expect(api.movie(0).cast == nil)
    }
}
