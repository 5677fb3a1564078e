import Foundation
import HollowCore
import HollowFilesystem
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Java Hollow's own consumer (`HollowConsumer` + `HollowFilesystemBlobRetriever`) reads a store written by our
/// publisher and announcer. Needs `java` and Java Hollow: `HOLLOW_JAVA_CLASSPATH` (the `hollow` jar plus the
/// compiled `shared/tools/java-dump`); without it the test is skipped with that reason.
@Suite struct JavaInteropTests {
    static let classpath = ProcessInfo.processInfo.environment["HOLLOW_JAVA_CLASSPATH"] ?? ""
    static let java = ["/usr/bin/java", "/usr/local/bin/java"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let available: Bool =
        java != nil && !classpath.isEmpty
        && classpath.split(separator: ":").allSatisfy { FileManager.default.fileExists(atPath: String($0)) }

    @Test(.enabled(if: available, "needs java and HOLLOW_JAVA_CLASSPATH naming Java Hollow's jar and the java-dump classes"), arguments: JavaFixtures.datasets)
    func javaConsumerReadsAStoreWePublished(dataset: String) async throws {
        let source = JavaFixtures.root + "/" + dataset
        let dir = try TempDirectory("hollow-fs-java")
        // Re-publish the Java blobs through our publisher (temp file + rename), and leave a stray temp file
        // that Java's prefix-matching retriever must not pick up.
        let publisher = try FilesystemPublisher(path: dir.path)
        for name in try listNames(source) {
            guard let parsed = BlobFileName.parse(name) else { continue }
            let blob = Blob(type: parsed.type, fromVersion: parsed.fromVersion, toVersion: parsed.toVersion, bytes: [])
            try publisher.publish(blob, bytes: try readRaw(source + "/" + name))
        }
        try await FilesystemAnnouncer(path: dir.path).announce(version: 3)
        try writeRaw(dir.file(".delta-1-2.tmp-1-abc"), [0xFF])
        #expect(try readRaw(dir.file("announced.version")) == readRaw(source + "/announced.version"))

        for (path, expected) in [("1,2,3", 3), ("3,2,1", 1)] {
            let out = dir.file("dump-\(expected).json")
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.classpath, "hollowgen.Dump", "consumer", dir.path, path, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            #expect(try readRaw(out) == readRaw("\(source)/expected-\(expected).json"), "\(dataset) via \(path)")
        }
    }

    /// Java's consumer reads a chain that our write paths produced: 3 versions written through
    /// `HollowRecord` types (no Codable) or the Codable mapper, walked 1→2→3 and back 3→2→1, give the
    /// canonical dumps of our own states.
    @Test(.enabled(if: available, "needs java and Java Hollow (HOLLOW_JAVA_CLASSPATH)"), arguments: ["record", "codable"])
    func javaConsumerReadsAChainWrittenByTheMapper(path: String) async throws {
        let dir = try TempDirectory("hollow-fs-java-mapper")
        let publisher = try FilesystemPublisher(path: dir.path)
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        var dumps: [Int64: String] = [:]
        for version in Int64(1)...3 {
            for show in InteropShow.state(version) {
                if path == "record" { try mapper.add(InteropShowRecord(show)) } else { try mapper.add(show) }
            }
            engine.prepareForWrite()
            if version > 1 {
                try publisher.publish(Blob(type: .delta, fromVersion: version - 1, toVersion: version, bytes: []), bytes: engine.writeDelta())
                try publisher.publish(
                    Blob(type: .reverseDelta, fromVersion: version, toVersion: version - 1, bytes: []), bytes: engine.writeReverseDelta())
            }
            let snapshot = engine.writeSnapshot()
            try publisher.publish(Blob(type: .snapshot, toVersion: version, bytes: []), bytes: snapshot)
            try publisher.publish(Blob(type: .header, toVersion: version, bytes: []), bytes: engine.writeHeader())
            dumps[version] = try ReadState.load(snapshot: snapshot).canonicalJSON()
            engine.prepareForNextCycle()
        }
        try await FilesystemAnnouncer(path: dir.path).announce(version: 3)

        for (walk, expected) in [("1,2,3", Int64(3)), ("3,2,1", Int64(1))] {
            let out = dir.file("dump-\(expected).json")
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.classpath, "hollowgen.Dump", "consumer", dir.path, walk, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            let javaDump = String(decoding: try readRaw(out), as: UTF8.self)
            #expect(javaDump == dumps[expected], "\(path) path, walk \(walk)")
        }
    }

    /// Java's consumer follows a compaction state (``HollowCompactor``): v1 → v2 removes 30% of the shows,
    /// v3 moves the high-end records into the holes. Java walks 1→2→3 and back 3→2→1 and dumps our states.
    @Test(.enabled(if: available, "needs java and Java Hollow (HOLLOW_JAVA_CLASSPATH)"))
    func javaConsumerFollowsACompactionState() async throws {
        let dir = try TempDirectory("hollow-fs-java-compaction")
        let publisher = try FilesystemPublisher(path: dir.path)
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        var dumps: [Int64: String] = [:]
        var previous: ReadState?
        let all = InteropShow.state(1) + InteropShow.state(3).map { show in
            var s = show
            s.id += 100
            return s
        }
        for version in Int64(1)...3 {
            switch version {
            case 1: for show in all { try mapper.add(show) }
            case 2: for show in all where show.id % 10 >= 3 { try mapper.add(show) }
            default:
                let compactor = HollowCompactor(
                    readState: try #require(previous), config: .init(minCandidateHoleCostInBytes: 0, minCandidateHolePercentage: 10))
                #expect(compactor.needsCompaction)
                let summary = try compactor.compact(engine)
                #expect(!summary.relocated.isEmpty)
            }
            engine.prepareForWrite()
            if version > 1 {
                try publisher.publish(Blob(type: .delta, fromVersion: version - 1, toVersion: version, bytes: []), bytes: engine.writeDelta())
                try publisher.publish(
                    Blob(type: .reverseDelta, fromVersion: version, toVersion: version - 1, bytes: []), bytes: engine.writeReverseDelta())
            }
            let snapshot = engine.writeSnapshot()
            try publisher.publish(Blob(type: .snapshot, toVersion: version, bytes: []), bytes: snapshot)
            try publisher.publish(Blob(type: .header, toVersion: version, bytes: []), bytes: engine.writeHeader())
            let state = try ReadState.load(snapshot: snapshot)
            dumps[version] = state.canonicalJSON()
            previous = state
            engine.prepareForNextCycle()
        }
        #expect(dumps[2] != dumps[3], "the compaction moved records")
        try await FilesystemAnnouncer(path: dir.path).announce(version: 3)

        for (walk, expected) in [("1,2,3", Int64(3)), ("3,2,1", Int64(1))] {
            let out = dir.file("dump-\(expected).json")
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.classpath, "hollowgen.Dump", "consumer", dir.path, walk, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            let javaDump = String(decoding: try readRaw(out), as: UTF8.self)
            #expect(javaDump == dumps[expected], "walk \(walk)")
        }
    }

    /// Java's consumer follows a chain whose shard counts change (``HollowWriteStateEngine/allowTypeResharding``):
    /// `Show` grows from 1 shard to 32 and shrinks back; Java walks it forward and back and dumps our states.
    @Test(.enabled(if: available, "needs java and Java Hollow (HOLLOW_JAVA_CLASSPATH)"))
    func javaConsumerFollowsAReshardedChain() async throws {
        let dir = try TempDirectory("hollow-fs-java-reshard")
        let publisher = try FilesystemPublisher(path: dir.path)
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 1024)
        engine.allowTypeResharding = true
        let mapper = HollowObjectMapper(engine: engine)
        let sizes = [20, 200, 800, 1600, 800, 200, 20]
        var dumps: [Int64: String] = [:]
        var shards: [Int] = []
        let base = InteropShow.state(1)
        for (i, size) in sizes.enumerated() {
            let version = Int64(i + 1)
            for n in 0..<size {
                var show = base[n % base.count]
                show.id = Int64(n)
                show.note = "note \(n % (50 + i))"
                try mapper.add(show)
            }
            engine.prepareForWrite()
            if version > 1 {
                try publisher.publish(Blob(type: .delta, fromVersion: version - 1, toVersion: version, bytes: []), bytes: engine.writeDelta())
                try publisher.publish(
                    Blob(type: .reverseDelta, fromVersion: version, toVersion: version - 1, bytes: []), bytes: engine.writeReverseDelta())
            }
            let snapshot = engine.writeSnapshot()
            try publisher.publish(Blob(type: .snapshot, toVersion: version, bytes: []), bytes: snapshot)
            try publisher.publish(Blob(type: .header, toVersion: version, bytes: []), bytes: engine.writeHeader())
            let state = try ReadState.load(snapshot: snapshot)
            dumps[version] = state.canonicalJSON()
            shards.append(try #require(state.objectType("Show")).shardCount)
            engine.prepareForNextCycle()
        }
        // Up, then down: at most doubling or halving per version.
        #expect(shards.first == 1 && shards.max()! >= 4 && shards.last! < shards.max()!, "\(shards)")
        for (a, b) in zip(shards, shards.dropFirst()) { #expect(b == a || b == a * 2 || b * 2 == a, "\(shards)") }
        try await FilesystemAnnouncer(path: dir.path).announce(version: Int64(sizes.count))

        let all = (1...sizes.count).map(String.init)
        for (walk, expected) in [(all.joined(separator: ","), Int64(sizes.count)), (all.reversed().joined(separator: ","), Int64(1))] {
            let out = dir.file("dump-\(expected).json")
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.classpath, "hollowgen.Dump", "consumer", dir.path, walk, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            let javaDump = String(decoding: try readRaw(out), as: UTF8.self)
            #expect(javaDump == dumps[expected], "walk \(walk), shards \(shards)")
        }
    }
}

/// A small model with every kind of field, for the mapper interop test (Codable).
struct InteropShow: Codable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Show"
    static let hollowPrimaryKey: [String]? = ["id"]
    static let hollowInlineFields: Set<String> = ["title", "rating"]
    var id: Int64
    var title: String
    var note: String?
    var score: Float
    var rating: Double?
    var flag: Bool
    var poster: [UInt8]
    var seasons: [Int32]
    var tags: HollowOrderedSet<String>?
    var cast: HollowOrderedMap<String, InteropCast>

    /// State `version`: v2 modifies, removes and adds shows; v3 again (re-using freed ordinals).
    static func state(_ version: Int64) -> [InteropShow] {
        let ids: [Int64] = version == 1 ? Array(0..<20) : version == 2 ? Array(1..<23) : Array(3..<25)
        return ids.map { id in
            let changed = version > 1 && id % 4 == 0
            return InteropShow(
                id: id, title: "Show \(id)" + (changed ? " (v\(version))" : "") + (id % 7 == 0 ? " – ünïcödé 🎬" : ""),
                note: id % 3 == 0 ? nil : "note \(id % 5)", score: id % 6 == 0 ? .nan : Float(id) / 4,
                rating: id % 5 == 0 ? nil : (id % 9 == 0 ? .nan : Double(id) * 1.5), flag: id % 2 == 0,
                poster: id % 8 == 0 ? [] : [UInt8(id & 0xFF), 0, 0x80, 0xFF], seasons: (0..<(id % 4)).map { Int32($0) * 3 - 1 },
                tags: id % 6 == 1 ? nil : HollowOrderedSet(["tag\(id % 3)", "tag\(id % 4)", "all"]),
                cast: HollowOrderedMap((0..<(id % 3)).map { k in (key: "role\(k)", value: InteropCast(name: "Actor \((id + k) % 6)", age: Int32(30 + k))) }))
        }
    }
}

struct InteropCast: Codable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Cast"
    var name: String
    var age: Int32
}

/// The same model as ``InteropShow`` written as a `HollowRecord` (no Codable).
struct InteropShowRecord: HollowRecord {
    var show: InteropShow
    init(_ show: InteropShow) { self.show = show }

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
        s.map("cast", key: String.self, value: InteropCastRecord.self)
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
        try w.map(show.cast.entries.map { (key: $0.key, value: InteropCastRecord(cast: $0.value)) })
    }
}

struct InteropCastRecord: HollowRecord {
    var cast: InteropCast
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
