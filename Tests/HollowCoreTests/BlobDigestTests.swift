import HollowCore
import Testing

/// XXH3-64 against the reference implementation's sanity vectors (xxHash `cli/xsum_sanity_check.c`,
/// `XSUM_XXH3_testdata`, seed 0), and the digest records built on it.
@Suite struct BlobDigestTests {
    /// The reference sanity buffer: byte i is the top byte of PRIME32 * PRIME64^i (mod 2^64).
    static let sanityBuffer: [UInt8] = {
        var generator: UInt64 = 2_654_435_761
        return (0..<(4096 + 64 + 1)).map { _ in
            defer { generator &*= 11_400_714_785_074_694_797 }
            return UInt8(generator >> 56)
        }
    }()

    /// (length, XXH3-64 with seed 0) from the reference vectors: every length class of the algorithm.
    static let vectors: [(Int, UInt64)] = [
        (0, 0x2D06_8005_38D3_94C2), (1, 0xC44B_DFF4_074E_ECDB), (6, 0x27B5_6A84_CD2D_7325),
        (12, 0xA713_DAF0_DFBB_77E7), (24, 0xA3FE_70BF_9D35_10EB), (48, 0x397D_A259_ECBA_1F11),
        (80, 0xBCDE_FBBB_2C47_C90A), (195, 0xCD94_217E_E362_EC3A), (403, 0xCDEB_804D_65C6_DEA4),
        (512, 0x617E_4959_9013_CB6B), (2048, 0xDD59_E2C3_A5F0_38E0), (2240, 0x6E73_A905_39CF_2948),
        (2367, 0xCB37_AEB9_E5D3_61ED),
    ]

    @Test(arguments: vectors)
    func referenceVector(length: Int, expected: UInt64) {
        let input = Array(Self.sanityBuffer[0..<length])
        #expect(XXH3.hash(input) == expected, "one shot, length \(length)")
        var bytewise = XXH3Hasher()
        for byte in input { bytewise.update([byte]) }
        #expect(bytewise.digest() == expected, "byte by byte, length \(length)")
        // Pieces of varying sizes cross the block and stripe boundaries at every offset.
        var pieces = XXH3Hasher()
        var offset = 0
        var size = 1
        while offset < length {
            let end = min(length, offset + size)
            pieces.update(Array(input[offset..<end]))
            offset = end
            size = size * 3 % 1031 + 1
        }
        #expect(pieces.digest() == expected, "in pieces, length \(length)")
    }

    @Test func streamingMatchesOneShotOnLongInputs() {
        let input = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let oneShot = XXH3.hash(input)
        for chunk in [1023, 1024, 1025, 4096, 65_536] {
            var hasher = XXH3Hasher()
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + chunk)
                hasher.update(Array(input[offset..<end]))
                offset = end
            }
            #expect(hasher.digest() == oneShot, "chunks of \(chunk)")
        }
        var damaged = input
        damaged[123_456] ^= 0x01
        #expect(XXH3.hash(damaged) != oneShot, "a flipped bit changes the digest")
    }

    @Test func digestTextRoundTrips() throws {
        let digest = BlobDigest(xxh3: 0x00AB_CDEF_0123_4567)
        #expect(digest.description == "xxh3-64:00abcdef01234567")
        #expect(BlobDigest(digest.description) == digest)
        #expect(BlobDigest("sha256:00abcdef01234567") == nil)
        #expect(BlobDigest("xxh3-64:abc") == nil)

        let digests = BlobDigests(
            version: 5, byBlobName: ["snapshot-5": digest, "delta-4-5": BlobDigest(xxh3: 1)])
        #expect(digests.text == "delta-4-5 xxh3-64:0000000000000001\nsnapshot-5 xxh3-64:00abcdef01234567\n")
        #expect(try BlobDigests(version: 5, text: digests.text) == digests)
        #expect(BlobDigests(version: 5, headerTags: digests.headerTags.merging(["hollow.schema.hash": "1"]) { $1 }) == digests)
        #expect(digests.headerTags["hollow.blob.digest.snapshot-5"] == "xxh3-64:00abcdef01234567")
        let error = #expect(throws: BlobDigestError.self) { try BlobDigests(version: 5, text: "snapshot-5 md5:1\n") }
        #expect(error?.message.contains("line 1") == true)
    }

    @Test func recordingVersionOfEachBlobKind() {
        #expect(BlobDigests.recordingVersion(of: Blob(type: .snapshot, toVersion: 5, bytes: [])) == 5)
        #expect(BlobDigests.recordingVersion(of: Blob(type: .delta, fromVersion: 4, toVersion: 5, bytes: [])) == 5)
        #expect(BlobDigests.recordingVersion(of: Blob(type: .reverseDelta, fromVersion: 5, toVersion: 4, bytes: [])) == 5)
    }
}
