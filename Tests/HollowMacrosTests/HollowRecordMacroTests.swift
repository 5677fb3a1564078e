import Foundation
import HollowCore
import HollowFilesystem
import HollowMacros
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The writer `@HollowRecord` derives, a hand-written `HollowRecord` conformance and the Codable mapper write the
/// same states, byte for byte, for the same records; Java Hollow's consumer reads them.
@Suite struct HollowRecordMacroTests {
    enum Path: String, CaseIterable { case macro, hand, codable }

    /// The same type through the Codable mapper (the generic `Encodable` overload, not its HollowRecord conformance).
    static func addCodable<T: Encodable>(_ value: T, to mapper: HollowObjectMapper) throws { try mapper.add(value) }

    struct Chain {
        var snapshots: [[UInt8]] = []
        var deltas: [[UInt8]] = []
        var reverseDeltas: [[UInt8]] = []
        var dumps: [String] = []
    }

    /// Versions 1...3 of ``MacroShow/state(_:)`` written through `path`.
    static func chain(_ path: Path) throws -> Chain {
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        var chain = Chain()
        for version in Int64(1)...3 {
            engine.overrideNextRandomizedTag(version * 1000)
            for show in MacroShow.state(version) {
                switch path {
                case .macro: try mapper.add(show)
                case .hand: try mapper.add(HandShow(show: show))
                case .codable: try addCodable(show, to: mapper)
                }
            }
            engine.prepareForWrite()
            if version > 1 {
                chain.deltas.append(engine.writeDelta())
                chain.reverseDeltas.append(engine.writeReverseDelta())
            }
            let snapshot = engine.writeSnapshot()
            chain.snapshots.append(snapshot)
            chain.dumps.append(try ReadState.load(snapshot: snapshot).canonicalJSON())
            engine.prepareForNextCycle()
        }
        return chain
    }

    @Test func macroHandWrittenAndCodablePathsWriteIdenticalStates() throws {
        let macro = try Self.chain(.macro)
        for other in [Path.hand, .codable] {
            let c = try Self.chain(other)
            #expect(c.dumps == macro.dumps, "canonical dumps, macro vs \(other)")
            #expect(c.snapshots == macro.snapshots, "snapshot blobs, macro vs \(other)")
            #expect(c.deltas == macro.deltas, "delta blobs, macro vs \(other)")
            #expect(c.reverseDeltas == macro.reverseDeltas, "reverse delta blobs, macro vs \(other)")
        }
        // The schema is the one the macro declares: names, inline fields, boxed references, collections, keys.
        let state = try ReadState.load(snapshot: macro.snapshots[0])
        guard case .object(let schema) = try #require(state.schema(named: "Show")) else {
            Issue.record("Show is not an OBJECT type")
            return
        }
        #expect(schema.primaryKey == ["id"])
        #expect(schema.fields.map(\.name) == [
            "id", "title", "note", "score", "rating", "flag", "poster", "seasons", "tags", "cast", "genres", "ranks",
            "studio", "year", "views", "episodes",
        ])
        #expect(schema.fields.map(\.type) == [
            .long, .string, .reference, .float, .double, .boolean, .bytes, .reference, .reference, .reference, .reference,
            .reference, .reference, .reference, .long, .reference,
        ])
        #expect(schema.fields.compactMap(\.referencedType) == [
            "String", "ListOfInteger", "SetOfString", "MapOfStringToCast", "SetOfMacroGenre", "MapOfStringToInteger",
            "Studio", "Integer", "SetOfInteger",
        ])
        // The macro's type and its `_name` enum read back through the Codable mapper.
        let reader = HollowObjectMapper()
        let read = try reader.readAll(MacroShow.self, from: state).sorted { $0.id < $1.id }
        let written = MacroShow.state(1)
        #expect(read.count == written.count)
        #expect(read.map(\.genres) == written.map(\.genres))
        #expect(read.map(\.ranks) == written.map(\.ranks))
    }

    @Test func recordsThatMissTheirSchemaAreStillRejectedByTheWriter() throws {
        // The conformance is a normal HollowRecord: registering a type name twice from two Swift types fails.
        let mapper = HollowObjectMapper(engine: HollowWriteStateEngine())
        try mapper.add(MacroCast(name: "a", age: 1))
        #expect(throws: HollowWriteError.self) { try mapper.add(HandCast(cast: MacroCast(name: "a", age: 1))) }
    }

    static let classpath = ProcessInfo.processInfo.environment["HOLLOW_JAVA_CLASSPATH"] ?? ""
    static let java = ["/usr/bin/java", "/usr/local/bin/java"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let javaAvailable: Bool =
        java != nil && !classpath.isEmpty
        && classpath.split(separator: ":").allSatisfy { FileManager.default.fileExists(atPath: String($0)) }

    /// Java Hollow's consumer walks the chain the macro path wrote (1→2→3 and 3→2→1) and dumps our canonical JSON.
    @Test(.enabled(if: javaAvailable, "needs java and HOLLOW_JAVA_CLASSPATH naming Java Hollow's jar and the java-dump classes"))
    func javaReadsTheStatesTheMacroPathWrites() async throws {
        let chain = try Self.chain(.macro)
        let dir = NSTemporaryDirectory() + "hollow-macro-java-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let publisher = try FilesystemPublisher(path: dir)
        for version in Int64(1)...3 {
            let i = Int(version - 1)
            if version > 1 {
                try publisher.publish(Blob(type: .delta, fromVersion: version - 1, toVersion: version, bytes: []), bytes: chain.deltas[i - 1])
                try publisher.publish(
                    Blob(type: .reverseDelta, fromVersion: version, toVersion: version - 1, bytes: []), bytes: chain.reverseDeltas[i - 1])
            }
            try publisher.publish(Blob(type: .snapshot, toVersion: version, bytes: []), bytes: chain.snapshots[i])
        }
        try await FilesystemAnnouncer(path: dir).announce(version: 3)
        for (walk, expected) in [("1,2,3", 3), ("3,2,1", 1)] {
            let out = "\(dir)/dump-\(expected).json"
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.classpath, "hollowgen.Dump", "consumer", dir, walk, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            let javaDump = try String(contentsOfFile: out, encoding: .utf8)
            #expect(javaDump == chain.dumps[expected - 1], "walk \(walk)")
        }
    }
}
