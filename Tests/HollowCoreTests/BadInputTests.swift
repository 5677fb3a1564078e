@testable import HollowCore
import HollowTestSupport
import Testing

/// Each bad-input case fails with its error code, and the state it was applied to stays intact.
@Suite struct BadInputTests {
    /// The code of the BlobDecodingError `body` throws; nil if it succeeds; `.unsupported` marks a foreign error.
    func code(_ body: () throws -> Void) -> BlobDecodingError.Code? {
        do {
            try body()
            return nil
        } catch let error as BlobDecodingError {
            return error.code
        } catch {
            Issue.record("unexpected error \(error)")
            return .unsupported
        }
    }

    func state(_ dataset: String, _ version: Int) throws -> ReadState {
        try ReadState.load(snapshot: try fixture(dataset, "snapshot-\(version)"))
    }

    func expectIntact(_ state: ReadState, _ dataset: String, _ version: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        expectSameDump(state.canonicalJSON(), try expectedDump(dataset, version), "\(dataset) state \(version) after a refused blob",
            sourceLocation: sourceLocation)
    }

    @Test func wrongMagic() throws {
        var blob = try fixture("kitchensink", "snapshot-1")
        blob[3] = 0x08
        #expect(code { _ = try ReadState.load(snapshot: blob) } == .badMagic)
        let s1 = try state("kitchensink", 1)
        var delta = try fixture("kitchensink", "delta-1-2")
        delta[0] = 0xFF
        #expect(code { _ = try s1.applying(delta: delta) } == .badMagic)
        #expect(code { _ = try ReadState.load(snapshot: []) } == .truncated)
        #expect(code { _ = try ReadState.load(snapshot: Array("hello, not a blob".utf8)) } == .badMagic)
        try expectIntact(s1, "kitchensink", 1)
    }

    @Test(arguments: Paths.datasets)
    func truncatedSnapshots(dataset: String) throws {
        let blob = try fixture(dataset, "snapshot-1")
        let header = try HollowBlobHeader.read(blob)
        // The header plus the section count is byte-identical to a header blob: reported as the wrong kind.
        let headerLike = header.byteCount + ByteWriter.varIntSize(Int32(header.schemas.count))
        let step = max(1, blob.count / 1500)
        for length in stride(from: 0, to: blob.count, by: step) {
            let c = code { _ = try ReadState.load(snapshot: Array(blob[0..<length])) }
            if length == headerLike {
                #expect(c == .wrongBlobKind, "\(dataset) snapshot-1 cut at \(length)")
            } else {
                #expect(c == .truncated, "\(dataset) snapshot-1 cut at \(length) of \(blob.count)")
            }
        }
    }

    @Test(arguments: Paths.datasets)
    func truncatedDeltas(dataset: String) throws {
        let s1 = try state(dataset, 1)
        let blob = try fixture(dataset, "delta-1-2")
        let step = max(1, blob.count / 1000)
        for length in stride(from: 0, to: blob.count, by: step) {
            let c = code { _ = try s1.applying(delta: Array(blob[0..<length])) }
            #expect(c == .truncated || c == .wrongBlobKind, "\(dataset) delta-1-2 cut at \(length): \(String(describing: c))")
        }
        try expectIntact(s1, dataset, 1)
    }

    @Test(arguments: Paths.datasets)
    func trailingBytes(dataset: String) throws {
        let snapshot = try fixture(dataset, "snapshot-1") + [0]
        #expect(code { _ = try ReadState.load(snapshot: snapshot) } == .trailingBytes)
        let s1 = try state(dataset, 1)
        #expect(code { _ = try s1.applying(delta: try fixture(dataset, "delta-1-2") + [0, 0]) } == .trailingBytes)
        try expectIntact(s1, dataset, 1)
    }

    @Test(arguments: Paths.datasets)
    func originTagMismatch(dataset: String) throws {
        let s1 = try state(dataset, 1)
        let s3 = try state(dataset, 3)
        // delta-2-3 does not start from state 1.
        let delta23 = try fixture(dataset, "delta-2-3")
        var error: BlobDecodingError?
        do { _ = try s1.applying(delta: delta23) } catch let e { error = e }
        #expect(error?.code == .tagMismatch)
        #expect(error?.message.contains("not") == true || error?.message.contains("tagged") == true)
        // reversedelta-2-1 does not start from state 3.
        #expect(code { _ = try s3.applying(reverseDelta: try fixture(dataset, "reversedelta-2-1")) } == .tagMismatch)
        try expectIntact(s1, dataset, 1)
        try expectIntact(s3, dataset, 3)
    }

    @Test(arguments: Paths.datasets)
    func wrongBlobKinds(dataset: String) throws {
        let s1 = try state(dataset, 1)
        let s2 = try state(dataset, 2)
        let s3 = try state(dataset, 3)
        // A snapshot fed as a delta (snapshot-2's origin tag is state 1's tag, so only the payload tells).
        #expect(code { _ = try s1.applying(delta: try fixture(dataset, "snapshot-2")) } == .wrongBlobKind)
        // A header blob fed as a delta or as a snapshot.
        #expect(code { _ = try s1.applying(delta: try fixture(dataset, "header-2")) } == .wrongBlobKind)
        #expect(code { _ = try ReadState.load(snapshot: try fixture(dataset, "header-1")) } == .wrongBlobKind)
        // A delta loaded as a snapshot.
        #expect(code { _ = try ReadState.load(snapshot: try fixture(dataset, "delta-1-2")) } == .wrongBlobKind)
        // A reverse delta fed forward: from the state it starts at, and from the state it leads to.
        #expect(code { _ = try s3.applying(delta: try fixture(dataset, "reversedelta-3-2")) } == .wrongBlobKind)
        #expect(code { _ = try s1.applying(delta: try fixture(dataset, "reversedelta-2-1")) } == .wrongBlobKind)
        // A forward delta fed as a reverse delta.
        #expect(code { _ = try s2.applying(reverseDelta: try fixture(dataset, "delta-2-3")) } == .wrongBlobKind)
        #expect(code { _ = try s1.applying(reverseDelta: try fixture(dataset, "delta-1-2")) } == .wrongBlobKind)
        try expectIntact(s1, dataset, 1)
        try expectIntact(s2, dataset, 2)
        try expectIntact(s3, dataset, 3)
    }

    /// A populated bit beyond the type's max ordinal is refused.
    @Test func ordinalBeyondMax() throws {
        var blob = try fixture("kitchensink", "snapshot-1")
        let parsed = try BlobParser.parse(blob, as: .snapshot)
        let section = try #require(parsed.sections.first { $0.numShards == 1 && $0.maxOrdinal >= 0 && $0.maxOrdinal < 63 })
        // The bit set closes the section: int32 word count, then big-endian words. Set bit maxOrdinal+1 of word 0.
        let words = try #require(section.populated).count
        let wordsInBlob = 256
        _ = words
        let word0 = section.byteRange.upperBound - wordsInBlob * 8
        let bit = section.maxOrdinal + 1
        blob[word0 + 7 - bit / 8] |= UInt8(1 << (bit % 8))
        var error: BlobDecodingError?
        do { _ = try ReadState.load(snapshot: blob) } catch let e { error = e }
        #expect(error?.code == .invalidValue)
        #expect(error?.message.contains("beyond") == true, "\(String(describing: error))")
    }

    /// A delta that removes an ordinal the state does not have (or adds one it has) is refused.
    @Test func deltaContradictsState() throws {
        // State 2 reached through delta-1-2 cannot take delta-1-2 again: its tag check stops it first.
        let s1 = try state("kitchensink", 1)
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        #expect(code { _ = try s2.applying(delta: try fixture("kitchensink", "delta-1-2")) } != nil)
        try expectIntact(s2, "kitchensink", 2)
    }

    @Test func schemaChangeDetection() throws {
        let s1 = try state("kitchensink", 1)
        let delta = try fixture("kitchensink", "delta-1-2")
        #expect(try s1.deltaChangesSchemas(delta) == false)
        // A header with a type the state does not know, and one with a changed schema.
        var header = try HollowBlobHeader.read(delta)
        header.schemas.append(.object(HollowObjectSchema(name: "Brand", fields: [.init(name: "x", type: .int)])))
        #expect(s1.schemaChanges(in: header).contains("type Brand is new"))
        header = try HollowBlobHeader.read(delta)
        header.headerTags["hollow.schema.hash"] = "42"
        #expect(!s1.schemaChanges(in: header).isEmpty)
        // The metrics state does not know the kitchensink types.
        let m1 = try state("metrics", 1)
        let ksHeader = try HollowBlobHeader.read(try fixture("kitchensink", "snapshot-1"))
        #expect(!m1.schemaChanges(in: ksHeader).isEmpty)
    }
}

/// Inputs the fuzz targets (scripts/fuzz.sh) crashed on, kept as regression tests.
@Suite struct FuzzRegressionTests {
    /// `delta` target: a mutated reverse delta onto kitchensink state 2 (the file's first byte is the target's
    /// selector) declared a 64-bit REFERENCE field; it applied, and reading the field trapped converting an
    /// "ordinal" of 2^63 or more to Int. Reference fields hold Java int ordinals, so the reader refuses widths above
    /// 32 bits, naming the field.
    @Test func referenceFieldWiderThan32BitsIsRefused() throws {
        let input = try #require(readFile(Paths.testsDir + "/Fixtures/fuzz/delta-reference-width-64"))
        let base = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-2"))
        do {
            let state = try base.applying(reverseDelta: Array(input.dropFirst()))
            Issue.record("the reverse delta applied (version \(state.version ?? -1)); reading it would trap")
        } catch {  // applying(reverseDelta:) throws BlobDecodingError only
            #expect(error.code == .invalidValue)
            #expect(error.message.contains("bit width 64, outside 0...32"), "\(error.message)")
        }
        expectSameDump(base.canonicalJSON(), try expectedDump("kitchensink", 2), "kitchensink state 2 after the refused blob")
    }
}
