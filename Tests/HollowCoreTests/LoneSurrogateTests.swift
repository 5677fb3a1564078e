import Foundation
import HollowCore
import HollowTestSupport
import Testing

/// Java strings may hold unpaired UTF-16 surrogates. Strings read from blobs (header tags, type and field names,
/// STRING values) keep them exactly (``JavaUTF16``), are written back unchanged, and dump as Java's dump prints
/// them. The fixture `Fixtures/lone-surrogates` was written by Java Hollow with `LoneSurrogates.java` (next to
/// it) and dumped by `shared/tools/java-dump`; with Java available, the test also regenerates it.
@Suite struct LoneSurrogateTests {
    static let dir = Paths.testsDir + "/Fixtures/lone-surrogates"

    func file(_ dir: String, _ name: String) throws -> [UInt8] {
        try #require(readFile("\(dir)/\(name)"), "missing \(dir)/\(name)")
    }

    func text(_ dir: String, _ name: String) throws -> String { String(decoding: try file(dir, name), as: UTF8.self) }

    /// Drops the first line (the randomized tag) of a dump.
    func body(_ dump: String) -> Substring { dump.drop { $0 != "\n" } }

    @Test("JavaUTF16 carries every UTF-16 sequence through a Swift String and back")
    func carryingIsExact() {
        var rng = SplitMix64(seed: 13)
        // Units biased towards surrogates, U+10FFFF (DBFF DFFF) and the carrying range (DBFC DC00...).
        let pool: [UInt16] = [0x41, 0xE9, 0x20AC, 0xD800, 0xDBFF, 0xDBFC, 0xDC00, 0xDFFF, 0xDE00, 0xD83D, 0xFFFF, 0]
        for _ in 0..<5000 {
            let units = (0..<Int(rng.next() % 9)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            let s = JavaUTF16.string(units: units)
            #expect(JavaUTF16.units(s) == units, "\(units)")
            #expect(JavaUTF16.javaHashCode(s) == units.reduce(Int32(0)) { $0 &* 31 &+ Int32($1) })
            let modified = ModifiedUTF8.encode(s)
            #expect(ModifiedUTF8.decode(modified).map(JavaUTF16.units) == units)
        }
        // Well-formed text without U+10FFFF is its own carrier.
        for s in ["", "plain", "é 🎬 \u{10F000}", "\u{10FFFD}"] {
            #expect(JavaUTF16.string(units: Array(s.utf16)) == s)
            #expect(JavaUTF16.units(s) == Array(s.utf16))
            #expect(!JavaUTF16.hasLoneSurrogate(s))
        }
        #expect(JavaUTF16.hasLoneSurrogate(JavaUTF16.string(units: [0x61, 0xDC00] as [UInt16])))
        #expect(JavaUTF16.javaLess(JavaUTF16.string(units: [0xD800] as [UInt16]), "\u{E000}"))
    }

    @Test("a Java-written chain with lone surrogates dumps as Java dumps it")
    func javaFixtureDumps() throws {
        try expectDumps(Self.dir)
    }

    func expectDumps(_ dir: String) throws {
        let v1 = try ReadState.load(snapshot: try file(dir, "snapshot-1"))
        expectSameDump(v1.canonicalJSON(), try text(dir, "expected-1.json"), "snapshot-1")
        let v2 = try v1.applying(delta: try file(dir, "delta-1-2"))
        expectSameDump(v2.canonicalJSON(), try text(dir, "expected-2.json"), "snapshot-1 + delta-1-2")
        let back = try ReadState.load(snapshot: try file(dir, "snapshot-2")).applying(reverseDelta: try file(dir, "reversedelta-2-1"))
        expectSameDump(back.canonicalJSON(), try text(dir, "expected-2-1.json"), "snapshot-2 + reversedelta-2-1")
    }

    @Test("names, header tags and values keep their lone surrogates, and a restored producer writes them back unchanged")
    func roundTrip() async throws {
        let java = try file(Self.dir, "snapshot-1")
        let state = try ReadState.load(snapshot: java)
        let type = JavaUTF16.string(units: Array("Lone".utf16) + [0xD800] + Array("Type".utf16))
        let field = JavaUTF16.string(units: Array("name".utf16) + [0xDC00])
        let tag = JavaUTF16.string(units: Array("tag".utf16) + [0xDBFF])
        #expect(state.headerTags[tag].map(JavaUTF16.units) == Array("v1 ".utf16) + [0xDC01] + Array(" tag".utf16))
        #expect(state.headerTags["plain"].map(JavaUTF16.units) == [0xDFFF])
        let access = try #require(HollowObjectTypeDataAccess(state: state, type: type))
        let f = access.fieldIndex(field)
        #expect(f == 0)
        let expected: [[UInt16]] = [
            Array("high".utf16) + [0xD83D], [0xDE00] + Array("low".utf16), Array("pair \u{1F600} ok".utf16),
            Array("reversed ".utf16) + [0xDE00, 0xD83D], Array("max ".utf16) + [0xDBFF, 0xDFFF],
            Array("pua ".utf16) + [0xDBFC, 0xDC00], [0xDBFF, 0xDFFF, 0xDBFC, 0xDC00], [0xDBFF, 0xDFFF, 0xD800],
            Array("plain".utf16), [],
        ]
        for (ordinal, units) in expected.enumerated() {
            let value = try #require(access.readString(ordinal, f))
            #expect(JavaUTF16.units(value) == units, "ordinal \(ordinal)")
            #expect(access.stringEquals(ordinal, f, value))
            #expect(access.stringHash(ordinal, f) == JavaUTF16.javaHashCode(value))
        }
        // The primary-key index finds records by their lone-surrogate keys.
        let index = try HollowUniqueKeyIndex(state: state, type: type)
        for (ordinal, units) in expected.enumerated() {
            #expect(index.matchingOrdinal([.string(JavaUTF16.string(units: units))]) == ordinal)
        }

        // Written back by a restored engine: the header and the records are Java's, unit for unit.
        let engine = HollowWriteStateEngine()
        try engine.restore(from: state)
        try engine.addAllObjectsFromPreviousCycle()
        engine.headerTags = state.headerTags
        let ours = engine.writeSnapshot()
        let javaHeader = try HollowBlobHeader.read(java)
        let ourHeader = try HollowBlobHeader.read(ours)
        #expect(ourHeader.schemas == javaHeader.schemas)
        #expect(ourHeader.headerTags == javaHeader.headerTags)
        #expect(Set(javaHeader.schemas.map(\.name)) == [type, JavaUTF16.string(units: Array("ListOf".utf16) + [0xDBFF])])
        let reread = try ReadState.load(snapshot: ours)
        #expect(body(reread.canonicalJSON()) == body(try text(Self.dir, "expected-1.json")))
        // The schemas' modified UTF-8 in our header is byte for byte Java's (the tags follow, in another order).
        let tagBytes = 2 + javaHeader.headerTags.reduce(0) { $0 + 4 + ModifiedUTF8.encode($1.key).count + ModifiedUTF8.encode($1.value).count }
        #expect(Array(ours[20..<(ourHeader.byteCount - tagBytes)]) == Array(java[20..<(javaHeader.byteCount - tagBytes)]))
        // JSON export keeps them too, as Java's dump escapes them.
        #expect(JSONValue.quoted(try #require(access.readString(7, f))) == #""􏿿\ud800""#)

        if JavaHollow.isAvailable {
            // Java reads what we wrote.
            let temp = try TemporaryDirectory()
            try Data(ours).write(to: URL(fileURLWithPath: temp.path + "/ours"))
            try await JavaHollow.run(["hollowgen.Dump", "blobs", temp.path + "/ours.json", temp.path + "/ours"])
            #expect(body(try text(temp.path, "ours.json")) == body(reread.canonicalJSON()))
        }
    }

    @Test(
        "Java writes a fresh lone-surrogate chain and dumps it; our dumps are byte-identical",
        .enabled(if: JavaHollow.isAvailable, "needs java and HOLLOW_JAVA_CLASSPATH (Java Hollow's jar and the java-dump classes)"))
    func freshJavaChain() async throws {
        let temp = try TemporaryDirectory()
        try await JavaHollow.run([Self.dir + "/LoneSurrogates.java", temp.path])
        for (out, blobs) in [
            ("expected-1.json", ["snapshot-1"]), ("expected-2.json", ["snapshot-1", "delta-1-2"]),
            ("expected-2-1.json", ["snapshot-2", "reversedelta-2-1"]),
        ] {
            try await JavaHollow.run(["hollowgen.Dump", "blobs", temp.path + "/" + out] + blobs.map { temp.path + "/" + $0 })
        }
        try expectDumps(temp.path)
    }
}

/// A deterministic generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "hollow-lone-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
