import GeneratedKitchenSinkAPI
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowTestSupport
import Testing

/// The keys of `path` (a match path of `Movie` in the kitchensink model) found on every movie of `api`, read
/// through the generated views.
private func movieKeys(_ api: KitchenSinkAPI, _ path: String) -> Set<HollowValue> {
    var out: Set<HollowValue> = []
    for m in api.allMovie {
        switch path {
        case "studio.studioId": if let v = m.studio?.studioId { out.insert(.int(v)) }
        case "cast.element.name": for a in m.cast.map(Array.init) ?? [] { if let v = a.name { out.insert(.string(v)) } }
        case "genres.element.name": for g in m.genres.map(Array.init) ?? [] { if let v = g.name { out.insert(.string(v)) } }
        case "releases.key.code": for e in m.releases.map(Array.init) ?? [] { if let v = e.key.code { out.insert(.string(v)) } }
        case "awards.element.year": for a in m.awards.map(Array.init) ?? [] { if let v = a.year { out.insert(.int(v)) } }
        default: Issue.record("no key reader for \(path)")
        }
    }
    return out
}

/// `typed` answers every key found in `api`'s and `previous`'s movies as an untyped index rebuilt for `api`'s
/// state does, with views of `api`.
private func expectSameMovieMatches(
    _ typed: KitchenSinkAPIHashIndex, _ api: KitchenSinkAPI, previous: KitchenSinkAPI, _ path: String, _ label: String
) throws {
    #expect(typed.state === api.state)
    let rebuilt = try HollowHashIndex(state: api.state, type: "Movie", selectField: "", matchFields: [path])
    let keys = movieKeys(api, path).union(movieKeys(previous, path))
    #expect(!keys.isEmpty, "\(label): no keys")
    for key in keys {
        let got = typed.findMovieMatches(key)
        #expect(got.map(\.ordinal) == (rebuilt.findMatches(key)?.ordinals ?? []), "\(label): \(key) answered differently")
        #expect(got.allSatisfy { $0.api === typed.api })
    }
}

@Suite("Generated typed indexes")
struct TypedIndexTests {
    static func chain() throws -> [(label: String, state: ReadState)] {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        let back = try s3.applying(reverseDelta: try fixture("kitchensink", "reversedelta-3-2"))
        return [("snapshot 1", s1), ("delta 1-2", s2), ("delta 2-3", s3), ("reverse delta 3-2", back)]
    }

    @Test(
        "a typed hash index selecting movies follows the kitchensink deltas without rebuilding, also through collections",
        arguments: ["studio.studioId", "cast.element.name", "genres.element.name", "releases.key.code", "awards.element.year"])
    func hashIndexAlongTheChain(path: String) throws {
        let chain = try Self.chain()
        var previous = KitchenSinkAPI(chain[0].state)
        var index = try KitchenSinkAPIHashIndex(api: previous, queryType: "Movie", selectFieldPath: "", matchFieldPaths: path)
        #expect(index.selectedType == "Movie")
        try expectSameMovieMatches(index, previous, previous: previous, path, "\(path) at snapshot 1")
        for (label, state) in chain.dropFirst() {
            let api = KitchenSinkAPI(state)
            index = try index.updated(to: api)
            #expect(!index.wasRebuilt, "\(path) after \(label) was rebuilt")
            try expectSameMovieMatches(index, api, previous: previous, path, "\(path) after \(label)")
            previous = api
        }
    }

    @Test("typed hash-index queries return views of the selected type only")
    func hashIndexTypes() throws {
        let api = KitchenSinkAPI(try Self.chain()[0].state)
        let actors = try KitchenSinkAPIHashIndex(
            api: api, queryType: "Movie", selectFieldPath: "cast.element", matchFieldPaths: "cast.element.name")
        #expect(actors.selectedType == "Actor")
        let name = try #require(api.allActor.first { $0.name != nil }?.name)
        let found = actors.findActorMatches(.string(name))
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { $0.name == name })
        #expect(actors.findMovieMatches(.string(name)).isEmpty, "the index selects actors, not movies")
        #expect(actors.findActorMatches(.string("no such actor")).isEmpty)
    }

    @Test("the typed primary-key and unique-key indexes follow the deltas and answer with views of the new state")
    func keyIndexesAlongTheChain() throws {
        let chain = try Self.chain()
        var pk = try MoviePrimaryKeyIndex(api: KitchenSinkAPI(chain[0].state))
        var byTitle = try MovieUniqueKeyIndex(api: pk.api, fieldPaths: ["title"])
        var byName = try ActorUniqueKeyIndex(api: pk.api)  // the declared key: name, birthYear
        for (label, state) in chain.dropFirst() {
            pk = try pk.updated(to: state)
            byTitle = try byTitle.updated(to: pk.api)
            byName = try byName.updated(to: pk.api)
            #expect(!pk.wasRebuilt && !byTitle.wasRebuilt && !byName.wasRebuilt, "\(label)")
            let api = pk.api
            #expect(byTitle.api === api)
            var checked = 0
            for movie in api.allMovie {
                #expect(pk.findMatch(id: try #require(movie.id)) == movie, "\(label)")
                if let title = movie.title { #expect(byTitle.findMatch(.string(title))?.title == title, "\(label)") }
                checked += 1
            }
            #expect(checked > 0)
            for actor in api.allActor {
                let (name, year) = (try #require(actor.name), try #require(actor.birthYear))
                #expect(byName.findMatch(.string(name), .int(year)) == actor, "\(label)")
            }
            #expect(pk.findMatch(id: Int32.max) == nil)
        }
        // Movie 3 is removed in version 2: the index of version 1 finds it, the updated one does not.
        #expect(try MoviePrimaryKeyIndex(api: KitchenSinkAPI(chain[0].state)).findMatch(id: 3) != nil)
        #expect(try MoviePrimaryKeyIndex(api: KitchenSinkAPI(chain[0].state)).updated(to: chain[1].state).findMatch(id: 3) == nil)
    }

    @Test("typed indexes registered with a consumer are built once and updated from each delta of the store")
    func consumerFollows() async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: Paths.fixtures + "/kitchensink"))
        let byId = MoviePrimaryKeyIndex.following()
        let byStudio = KitchenSinkAPIHashIndex.following(queryType: "Movie", selectFieldPath: "", matchFieldPaths: "studio.studioId")
        let byCast = KitchenSinkAPIHashIndex.following(queryType: "Movie", selectFieldPath: "", matchFieldPaths: "cast.element.name")
        await consumer.addTransitionListener(byId)
        await consumer.addTransitionListener(byStudio)
        await consumer.addTransitionListener(byCast)
        var previous: KitchenSinkAPI?
        for v: Int64 in [1, 2, 3] {
            try await consumer.triggerRefreshTo(v)
            let state = try #require(consumer.readState)
            let index = try #require(byId.current)
            #expect(index.state === state)
            for movie in index.api.allMovie { #expect(index.findMatch(id: try #require(movie.id)) == movie) }
            let studio = try #require(byStudio.current)
            let cast = try #require(byCast.current)
            try expectSameMovieMatches(studio, studio.api, previous: previous ?? studio.api, "studio.studioId", "consumer at \(v)")
            try expectSameMovieMatches(cast, cast.api, previous: previous ?? cast.api, "cast.element.name", "consumer at \(v)")
            previous = index.api
        }
        #expect(byId.rebuildCount == 1 && byId.deltaUpdateCount == 2)
        #expect(byStudio.rebuildCount == 1 && byStudio.deltaUpdateCount == 2)
        #expect(byCast.rebuildCount == 1 && byCast.deltaUpdateCount == 2)
        #expect(byCast.lastError == nil)
    }

    @Test(
        "after the 1% delta of large-movies a typed hash index through a collection is updated, not rebuilt, and answers as a rebuilt one",
        .enabled(if: readFile(Paths.largeMovies + "/snapshot-1") != nil, "the large-movies fixture is not on this machine"))
    func largeMovies() throws {
        let s1 = try ReadState.load(snapshot: try #require(readFile(Paths.largeMovies + "/snapshot-1")))
        let s2 = try s1.applying(delta: try #require(readFile(Paths.largeMovies + "/delta-1-2")))
        // The kitchensink model is the large-movies model, so its generated API reads the large fixture too.
        let (a1, a2) = (KitchenSinkAPI(s1), KitchenSinkAPI(s2))
        let index = try KitchenSinkAPIHashIndex(api: a1, queryType: "Movie", selectFieldPath: "", matchFieldPaths: "cast.element.name")
            .updated(to: a2)
        #expect(!index.wasRebuilt)
        let rebuilt = try HollowHashIndex(state: s2, type: "Movie", selectField: "", matchFields: ["cast.element.name"])
        // Every actor name of the movies the delta added or removed, plus a sample of the others.
        var keys: Set<HollowValue> = []
        let before = Set(s1.populatedOrdinals(of: "Movie"))
        let after = Set(s2.populatedOrdinals(of: "Movie"))
        for (api, changed) in [(a1, before.subtracting(after)), (a2, after.subtracting(before))] {
            #expect(!changed.isEmpty)
            for o in changed { for actor in api.movie(o).cast.map(Array.init) ?? [] { if let n = actor.name { keys.insert(.string(n)) } } }
        }
        for m in a2.allMovie.prefix(500) { for actor in m.cast.map(Array.init) ?? [] { if let n = actor.name { keys.insert(.string(n)) } } }
        for key in keys {
            #expect(index.findMovieMatches(key).map(\.ordinal) == (rebuilt.findMatches(key)?.ordinals ?? []), "\(key)")
        }
    }
}
