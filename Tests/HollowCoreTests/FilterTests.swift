import HollowCore
import HollowTestSupport
import Testing

/// Consumer filters (`HollowFilterConfig`, Java's filter config): the expected dumps in `Fixtures/filtered` were
/// made by Java Hollow's `HollowBlobReader` with the same filter (`FilteredDump.java` next to them).
@Suite struct FilterTests {
    static let dir = Paths.testsDir + "/Fixtures/filtered"
    static let kitchensinkFilter = "exclude:SetOfAward,Award,Movie.awards,Movie.poster,Movie.tagline"
    static let shardedFilter = "include:Item.id,Item.name,Item.value,Part"

    /// The filter of a spec as FilteredDump.java reads it.
    static func filter(_ spec: String) -> HollowFilterConfig {
        let parts = spec.split(separator: ":", maxSplits: 1)
        var filter = HollowFilterConfig(excluding: parts[0] == "exclude")
        for item in parts[1].split(separator: ",") {
            if let dot = item.lastIndex(of: ".") {
                filter.addField(String(item[item.index(after: dot)...]), of: String(item[..<dot]))
            } else {
                filter.addType(String(item))
            }
        }
        return filter
    }

    func expected(_ name: String) throws -> String {
        String(decoding: try #require(readFile(Self.dir + "/" + name), "missing \(name)"), as: UTF8.self)
    }

    /// Loads `blobs` (a snapshot, then deltas or reverse deltas) of `dataset` with `filter`.
    func load(_ dataset: String, _ filter: HollowFilterConfig, _ blobs: [String]) throws -> ReadState {
        var state = try ReadState.load(snapshot: try fixture(dataset, blobs[0]), filter: filter)
        for name in blobs.dropFirst() {
            let bytes = try fixture(dataset, name)
            state = name.hasPrefix("reverse") ? try state.applying(reverseDelta: bytes) : try state.applying(delta: bytes)
        }
        return state
    }

    @Test(
        "filtered snapshots and deltas dump as Java's filtered reader dumps them",
        arguments: [
            ("kitchensink", kitchensinkFilter, ["snapshot-1"], "kitchensink-1.json"),
            ("kitchensink", kitchensinkFilter, ["snapshot-1", "delta-1-2", "delta-2-3"], "kitchensink-3.json"),
            ("kitchensink", kitchensinkFilter, ["snapshot-3", "reversedelta-3-2"], "kitchensink-2.json"),
            ("sharded", shardedFilter, ["snapshot-1"], "sharded-1.json"),
            ("sharded", shardedFilter, ["snapshot-1", "delta-1-2", "delta-2-3"], "sharded-3.json"),
        ])
    func matchesJava(dataset: String, spec: String, blobs: [String], expected: String) throws {
        let state = try load(dataset, Self.filter(spec), blobs)
        expectSameDump(state.canonicalJSON(), try self.expected(expected), "\(dataset) \(blobs) with \(spec)")
        #expect(state.ignoredSchemaChanges.isEmpty, "\(state.ignoredSchemaChanges)")
        #expect(state.filter == Self.filter(spec))
    }

    @Test("a filtered state holds only what it keeps, reported per type")
    func footprint() throws {
        let full = try ReadState.load(snapshot: try fixture("sharded", "snapshot-1"))
        let filtered = try load("sharded", Self.filter(Self.shardedFilter), ["snapshot-1"])
        #expect(filtered.typeNames == ["Item", "Part"])
        #expect(filtered.footprintByType.map(\.type) == ["Item", "Part"])
        #expect(filtered.loadedByteCount(ofType: "String") == nil)
        let fullItem = try #require(full.loadedByteCount(ofType: "Item"))
        let keptItem = try #require(filtered.loadedByteCount(ofType: "Item"))
        #expect(keptItem < fullItem, "Item without 4 of its 7 fields: \(keptItem) of \(fullItem) bytes")
        #expect(filtered.loadedByteCount(ofType: "Part") == full.loadedByteCount(ofType: "Part"))
        #expect(filtered.loadedByteCount == keptItem + (full.loadedByteCount(ofType: "Part") ?? -1))
        #expect(filtered.loadedByteCount < full.loadedByteCount, "\(filtered.loadedByteCount) of \(full.loadedByteCount)")
        #expect(filtered.footprintByType.reduce(0) { $0 + $1.bytes } == filtered.loadedByteCount)
        // A schema check against the filtered state ignores the types it filtered out.
        let header = try HollowBlobHeader.read(try fixture("sharded", "delta-1-2"))
        #expect(filtered.schemaChanges(in: header).isEmpty)
    }

    @Test("a filter that drops a type a kept type refers to is refused, naming both")
    func refusesDanglingReferences() throws {
        let snapshot = try fixture("kitchensink", "snapshot-1")
        let cases: [(HollowFilterConfig, String)] = [
            (.excluding(["String"]), "the filter drops type String, which "),
            (.including(["ListOfActor"]), "the filter drops type Actor, which the elements of list ListOfActor refers to; include Actor too"),
            (.excluding(["Award"]), "the filter drops type Award, which the elements of set SetOfAward refers to"),
            (.excluding(["ReleaseInfo"]), "the filter drops type ReleaseInfo, which the values of map MapOfCountryToReleaseInfo refers to"),
        ]
        for (filter, message) in cases {
            let error = #expect(throws: HollowFilterError.self, "\(filter)") { try ReadState.load(snapshot: snapshot, filter: filter) }
            #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no error")")
        }
        // Excluding the referring field as well makes the filter whole.
        var filter = HollowFilterConfig.excluding(["Award", "SetOfAward"])
        filter.addField("awards", of: "Movie")
        #expect(throws: Never.self) { try ReadState.load(snapshot: snapshot, filter: filter) }
    }

    @Test(
        "Java's filtered reader still gives the committed dumps",
        .enabled(if: JavaHollow.isAvailable, "needs java and HOLLOW_JAVA_CLASSPATH (Java Hollow's jar and the java-dump classes)"))
    func javaAgrees() async throws {
        let temp = try TemporaryDirectory()
        let store = Paths.fixtures + "/sharded"
        try await JavaHollow.run([
            Self.dir + "/FilteredDump.java", temp.path + "/out.json", Self.shardedFilter, store + "/snapshot-1",
            store + "/delta-1-2", store + "/delta-2-3",
        ])
        let java = String(decoding: try #require(readFile(temp.path + "/out.json")), as: UTF8.self)
        let ours = try load("sharded", Self.filter(Self.shardedFilter), ["snapshot-1", "delta-1-2", "delta-2-3"])
        expectSameDump(ours.canonicalJSON(), java, "sharded 1→3 filtered, against a fresh Java run")
    }
}
