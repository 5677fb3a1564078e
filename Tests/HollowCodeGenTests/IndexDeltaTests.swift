import GeneratedKitchenSinkAPI
import HollowCodeGen
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowTestSupport
import Testing

/// A failed precondition of the answer comparisons below (they run off the test's task, so they cannot `#require`).
struct ComparisonError: Error, CustomStringConvertible {
    let description: String
}

/// Every key of `type` in `state` found by `updated` and by a rebuilt index, compared.
func expectSameAnswers(_ updated: HollowUniqueKeyIndex, _ state: ReadState, _ label: String) throws {
    let problems = try sameAnswersProblems(updated, state, label)
    #expect(problems.isEmpty, "\(problems.count) differences, first: \(problems.prefix(10))")
}

/// What ``expectSameAnswers(_:_:_:)`` checks, as a list of differences (empty when the answers agree); it records no
/// issue, so it can run on a thread of its own (``onDedicatedThread(_:)``).
func sameAnswersProblems(_ updated: HollowUniqueKeyIndex, _ state: ReadState, _ label: String) throws -> [String] {
    var problems: [String] = []
    let rebuilt = try HollowUniqueKeyIndex(state: state, type: updated.type, fieldPaths: updated.fieldPaths)
    if updated.state !== state { problems.append("\(label): the updated index is not on the new state") }
    if updated.fieldPaths == (state.schema(named: updated.type).flatMap { if case .object(let o) = $0 { o.primaryKey } else { nil } }),
       updated.keyCount != rebuilt.keyCount {
        problems.append("\(label): key counts differ (\(updated.keyCount) vs \(rebuilt.keyCount))")
    }
    guard let t = state.objectType(updated.type) else { throw ComparisonError(description: "\(label): no type \(updated.type)") }
    let untyped = try HollowPrimaryKeyIndex(state: state, type: updated.type, fieldPaths: updated.fieldPaths)
    for o in t.populatedOrdinals {
        let key = updated.fieldPaths.map { t.fieldIndex($0).flatMap { f in t.value(o, f) } ?? .int(Int32.min) }
        let a = updated.matchingOrdinal(key)
        if a != rebuilt.matchingOrdinal(key) { problems.append("\(label): ordinal \(o) answered differently") }
        if a != untyped.matchingOrdinal(key) { problems.append("\(label): ordinal \(o) differs from HollowPrimaryKeyIndex") }
    }
    return problems
}

/// The value at the end of an object-field path from record `ordinal` of `type`, walked with the untyped API.
private func pathValue(_ state: ReadState, _ type: String, _ path: String, _ ordinal: Int) throws -> HollowValue? {
    var current = type
    var o = ordinal
    let parts = path.split(separator: ".").map(String.init)
    for (i, part) in parts.enumerated() {
        guard let t = state.objectType(current), let f = t.fieldIndex(part) else {
            throw ComparisonError(description: "\(path): no field \(part) in \(current)")
        }
        if i == parts.count - 1 { return t.value(o, f) }
        guard let next = t.readOrdinal(o, f) else { return nil }
        o = next
        guard let referenced = t.schema.fields[f].referencedType else {
            throw ComparisonError(description: "\(path): \(current).\(part) is not a reference")
        }
        current = referenced
    }
    return nil
}

/// `updated` (a hash index moved to `state`) answers every key of `state`'s and `previous`'s root records
/// as an index rebuilt for `state` does.
func expectSameHashAnswers(_ updated: HollowHashIndex, _ state: ReadState, previous: ReadState, _ label: String) throws {
    let problems = try sameHashAnswersProblems(updated, state, previous: previous, label)
    #expect(problems.isEmpty, "\(problems.count) differences, first: \(problems.prefix(10))")
}

/// What ``expectSameHashAnswers(_:_:previous:_:)`` checks, as a list of differences; records no issue.
func sameHashAnswersProblems(_ updated: HollowHashIndex, _ state: ReadState, previous: ReadState, _ label: String) throws -> [String] {
    var problems: [String] = []
    if updated.state !== state { problems.append("\(label): the updated index is not on the new state") }
    let rebuilt = try HollowHashIndex(
        state: state, type: updated.type, selectField: updated.selectField, matchFields: updated.matchFields)
    var keys: Set<[HollowValue]> = []
    for s in [state, previous] {
        for o in s.populatedOrdinals(of: updated.type) {
            let key = try updated.matchFields.map { try pathValue(s, updated.type, $0, o) }
            if key.allSatisfy({ $0 != nil }) { keys.insert(key.map { $0! }) }
        }
    }
    if keys.isEmpty { problems.append("\(label): no keys to compare") }
    for key in keys where updated.findMatches(key)?.ordinals != rebuilt.findMatches(key)?.ordinals {
        problems.append("\(label): \(key) answered differently")
    }
    return problems
}

@Suite("Indexes that follow deltas")
struct IndexDeltaTests {
    @Test("a unique-key index updated along the kitchensink deltas and reverse deltas answers as a rebuilt one")
    func kitchenSinkChain() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        let back = try s3.applying(reverseDelta: try fixture("kitchensink", "reversedelta-3-2"))
        for (type, paths) in [("Movie", ["id"]), ("Actor", ["name", "birthYear"]), ("Studio", ["studioId"]), ("Movie", ["title"])] {
            var index = try HollowUniqueKeyIndex(state: s1, type: type, fieldPaths: paths)
            for (label, next) in [("delta 1-2", s2), ("delta 2-3", s3), ("reverse delta 3-2", back)] {
                index = try index.updated(to: next)
                try expectSameAnswers(index, next, "\(type) \(paths) after \(label)")
            }
        }
        // The Movie index really was updated, not rebuilt.
        let m = try HollowUniqueKeyIndex(state: s1, type: "Movie").updated(to: s2)
        #expect(!m.wasRebuilt)
        #expect(m.matchingOrdinal(Int64(3)) == nil)  // movie 3 is removed in v2
        #expect(try HollowUniqueKeyIndex(state: s1, type: "Movie").matchingOrdinal(Int64(3)) != nil)
    }

    @Test("a hash index updated along the kitchensink deltas and reverse delta answers as a rebuilt one")
    func hashIndexKitchenSinkChain() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let s3 = try s2.applying(delta: try fixture("kitchensink", "delta-2-3"))
        let back = try s3.applying(reverseDelta: try fixture("kitchensink", "reversedelta-3-2"))
        for match in [["studio.studioId"], ["studio.country.code"], ["released", "title"], ["studio"]] {
            var index = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: match)
            var previous = s1
            for (label, next) in [("delta 1-2", s2), ("delta 2-3", s3), ("reverse delta 3-2", back)] {
                index = try index.updated(to: next)
                #expect(!index.wasRebuilt, "\(match) after \(label) was rebuilt")
                try expectSameHashAnswers(index, next, previous: previous, "\(match) after \(label)")
                previous = next
            }
        }
        // An index that selects through a reference is rebuilt, and still answers correctly.
        let byStudio = try HollowHashIndex(state: s1, type: "Movie", selectField: "studio", matchFields: ["studio.country.code"])
        let moved = try byStudio.updated(to: s2)
        #expect(moved.wasRebuilt)
        try expectSameHashAnswers(moved, s2, previous: s1, "select studio")
    }

    @Test("a following hash index is rebuilt on a snapshot and updated on each delta")
    func followingHashIndex() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let following = FollowingHashIndex(type: "Movie", selectField: "", matchFields: ["studio.studioId"])
        #expect(following.current == nil)
        following.snapshotLoaded(s1)
        following.deltaApplied(from: s1, to: s2)
        #expect(following.rebuildCount == 1)
        #expect(following.deltaUpdateCount == 1)
        try expectSameHashAnswers(try #require(following.current), s2, previous: s1, "following")
        following.deltaApplied(from: s1, to: s2)  // from a state it never saw: rebuilt
        #expect(following.rebuildCount == 2)
        following.deltaApplied(from: s2, to: s1)
        #expect(following.deltaUpdateCount == 2)
        #expect(following.current?.state === s1)
    }

    @Test("the typed primary-key index follows a delta")
    func typedIndexFollowsDelta() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let index = try MoviePrimaryKeyIndex(api: KitchenSinkAPI(s1)).updated(to: KitchenSinkAPI(s2))
        for movie in index.api.allMovie {
            #expect(index.findMatch(id: try #require(movie.id)) == movie)
        }
    }

    @Test("a following index is rebuilt on a snapshot and updated on each delta")
    func followingIndex() throws {
        let s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        let following = FollowingUniqueKeyIndex(type: "Movie")
        #expect(following.current == nil)
        following.snapshotLoaded(s1)
        following.deltaApplied(from: s1, to: s2)
        #expect(following.rebuildCount == 1)
        #expect(following.deltaUpdateCount == 1)
        try expectSameAnswers(try #require(following.current), s2, "following")
        // A delta from a state the index never saw makes it rebuild.
        following.deltaApplied(from: s1, to: s2)
        #expect(following.rebuildCount == 2)
        #expect(following.deltaUpdateCount == 1)
        following.deltaApplied(from: s2, to: s1)
        #expect(following.deltaUpdateCount == 2)
        #expect(following.current?.state === s1)
    }

    @Test(
        "after the 1% delta of the large-movies fixture the updated index answers as a rebuilt one",
        .enabled(if: readFile(Paths.largeMovies + "/snapshot-1") != nil, "the large-movies fixture is not on this machine"))
    func largeMovies() async throws {
        // Tens of seconds of synchronous work in a debug build: on a thread of its own, not the cooperative pool.
        let problems = try await onDedicatedThread { () throws -> [String] in
            guard let snapshot = readFile(Paths.largeMovies + "/snapshot-1"), let delta = readFile(Paths.largeMovies + "/delta-1-2")
            else { throw ComparisonError(description: "the large-movies fixture could not be read") }
            let s1 = try ReadState.load(snapshot: snapshot)
            let s2 = try s1.applying(delta: delta)
            var problems: [String] = []
            let updated = try HollowUniqueKeyIndex(state: s1, type: "Movie").updated(to: s2)
            if updated.wasRebuilt { problems.append("the unique-key index was rebuilt") }
            problems += try sameAnswersProblems(updated, s2, "large-movies Movie")
            let hash = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["studio.studioId"]).updated(to: s2)
            if hash.wasRebuilt { problems.append("the hash index by studio.studioId was rebuilt") }
            problems += try sameHashAnswersProblems(hash, s2, previous: s1, "large-movies Movie by studio.studioId")
            let byTitle = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["title"]).updated(to: s2)
            if byTitle.wasRebuilt { problems.append("the hash index by title was rebuilt") }
            problems += try sameHashAnswersProblems(byTitle, s2, previous: s1, "large-movies Movie by title")
            return problems
        }
        #expect(problems.isEmpty, "\(problems.count) differences, first: \(problems.prefix(10))")
    }
}

@Suite("Schema input to the generator")
struct GeneratorInputTests {
    @Test("a syntax error names the file, line and column")
    func syntaxError() {
        let text = "Movie {\n    int id;\n    string title\n}\n"
        let error = #expect(throws: HollowCodeGenError.self) {
            try HollowAPIGenerator.parseSchemas(text, fileName: "movies.hollow")
        }
        #expect(error?.description.hasPrefix("movies.hollow:4:1: expected ';'") == true, "\(String(describing: error))")
    }

    @Test("an undefined referenced type names the line of the type that references it")
    func undefinedReference() {
        let text = "// movies\n\nMovie {\n    int id;\n}\n\nActor {\n    Person person;\n}\n"
        let error = #expect(throws: HollowCodeGenError.self) {
            try HollowAPIGenerator.parseSchemas(text, fileName: "m.hollow")
        }
        #expect(error?.description == "m.hollow:7: type Actor references Person, which the file does not define")
    }

    @Test("the checked-in fixture schemas parse and generate one file per type plus the API root and key indexes")
    func filesPerType() throws {
        let schemas = try HollowAPIGenerator.readSchemas(file: Paths.generatedAPIs + "/KitchenSink/KitchenSink.hollow")
        let files = try HollowAPIGenerator(schemas: schemas, apiName: "KitchenSinkAPI").generate().map(\.name)
        #expect(files.contains("KitchenSinkAPI.swift"))
        #expect(files.contains("HString.swift"))
        #expect(files.contains("HInteger.swift"))
        #expect(files.contains("MoviePrimaryKeyIndex.swift"))
        #expect(files.contains("MovieUniqueKeyIndex.swift"))
        #expect(files.contains("KitchenSinkAPIHashIndex.swift"))
        // The API root and its hash index, one file per type, and two indexes for each of Actor, Country, Movie
        // and Studio, which declare primary keys.
        #expect(files.count == 2 + schemas.count + 2 * 4)
    }

    @Test("the fixture schemas match the schemas in the fixture blobs")
    func schemasMatchBlobs() throws {
        for (dataset, name) in [("kitchensink", "KitchenSink"), ("metrics", "Metrics"), ("sharded", "Sharded")] {
            let file = try HollowAPIGenerator.readSchemas(file: "\(Paths.generatedAPIs)/\(name)/\(name).hollow")
            let state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-1"))
            #expect(Set(file) == Set(state.schemas), "\(name).hollow differs from \(dataset)'s schemas")
        }
    }
}

@Suite("Consumer transition listeners")
struct ConsumerIndexTests {
    @Test("a FollowingUniqueKeyIndex registered with a consumer is built once, then updated from each delta")
    func consumerFollows() async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: Paths.fixtures + "/kitchensink"))
        let byId = FollowingUniqueKeyIndex(type: "Movie")
        await consumer.addTransitionListener(byId)
        #expect(byId.current == nil)
        for v: Int64 in [1, 2, 3] {
            try await consumer.triggerRefreshTo(v)
            let index = try #require(byId.current)
            #expect(index.state === consumer.readState)
            try expectSameAnswers(index, try #require(consumer.readState), "consumer at version \(v)")
        }
        #expect(byId.rebuildCount == 1)
        #expect(byId.deltaUpdateCount == 2)
        // Back to 1 (reverse deltas or a snapshot, as the planner chooses): still current and correct.
        try await consumer.triggerRefreshTo(1)
        let back = try #require(byId.current)
        #expect(back.state === consumer.readState)
        try expectSameAnswers(back, try #require(consumer.readState), "consumer back at version 1")
    }
}
