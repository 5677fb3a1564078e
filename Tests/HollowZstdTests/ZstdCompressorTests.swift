import HollowCore
import HollowZstd
import Testing

/// Compressible bytes with some structure (xorshift nibbles), deterministic per seed.
func sample(count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { i in
        if i % 8 == 0 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
        }
        return UInt8(truncatingIfNeeded: (state >> UInt64((i % 8) * 8)) & 0x1F)
    }
}

/// Hand-built zstd frames (RFC 8878) without a content size, as a streaming compressor writes them.
enum Frame {
    /// Magic, a frame header with no content size, no checksum, a 1 MiB window; then `blocks`.
    static let header: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x50]

    static func blockHeader(last: Bool, type: UInt32, size: Int) -> [UInt8] {
        let value = (last ? 1 : 0) | type << 1 | UInt32(size) << 3
        return [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF)]
    }

    /// `content` stored in raw blocks of at most 128 KiB.
    static func raw(_ content: [UInt8]) -> [UInt8] {
        var frame = header
        var offset = 0
        repeat {
            let size = min(128 << 10, content.count - offset)
            frame += blockHeader(last: offset + size == content.count, type: 0, size: size)
            frame += content[offset..<(offset + size)]
            offset += size
        } while offset < content.count
        return frame
    }

    /// `count` RLE blocks of 128 KiB each of `byte`: 4 input bytes per 128 KiB of output.
    static func rleBomb(blocks count: Int, byte: UInt8 = 0x41) -> [UInt8] {
        var frame = header
        for i in 0..<count { frame += blockHeader(last: i == count - 1, type: 1, size: 128 << 10) + [byte] }
        return frame
    }
}

@Suite struct ZstdCompressorTests {
    @Test(arguments: [1, 3, 9, 19, -5] as [Int32], [0, 1, 1000, 300_000])
    func roundTrip(level: Int32, size: Int) throws {
        let compressor = ZstdCompressor(level: level)
        let input = sample(count: size, seed: UInt64(size))
        let compressed = try compressor.compress(input)
        #expect(try compressor.decompress(compressed) == input)
        if size >= 1000 && level > 0 { #expect(compressed.count < input.count) }
    }

    @Test func framesCarryAChecksumAndTheContentSize() throws {
        let compressed = try ZstdCompressor().compress(sample(count: 5000))
        #expect(compressed.starts(with: [0x28, 0xB5, 0x2F, 0xFD]))
        let descriptor = compressed[4]
        #expect(descriptor & 0x04 != 0, "Content_Checksum_flag")
        #expect(descriptor >> 6 != 0 || descriptor & 0x20 != 0, "Frame_Content_Size present")
    }

    @Test func aCorruptChecksumIsRefused() throws {
        var compressed = try ZstdCompressor().compress(sample(count: 5000))
        compressed[compressed.count - 1] ^= 0x01
        let error = try #require(throws: ZstdError.self) { try ZstdCompressor().decompress(compressed) }
        #expect(error.code == .corruptInput)
        #expect(error.message.lowercased().contains("checksum"))
    }

    @Test func decompressesFramesWithoutAContentSize() throws {
        let content = sample(count: 300_000, seed: 7)
        #expect(try ZstdCompressor().decompress(Frame.raw(content)) == content)
        #expect(try ZstdCompressor().decompress(Frame.raw([])) == [])
    }

    @Test func decompressesConcatenatedFrames() throws {
        let a = sample(count: 10_000, seed: 1)
        let b = sample(count: 20_000, seed: 2)
        let compressor = ZstdCompressor()
        let joined = try compressor.compress(a) + Frame.raw(b) + compressor.compress([])
        #expect(try compressor.decompress(joined) == a + b)
    }

    @Test(arguments: [
        [UInt8](),
        Array("hello, world".utf8),
        [0x28, 0xB5, 0x2F],
        [UInt8](repeating: 0xFF, count: 100),
        sample(count: 4096, seed: 99),
    ])
    func garbageIsAClearError(input: [UInt8]) throws {
        let error = try #require(throws: ZstdError.self) { try ZstdCompressor().decompress(input) }
        #expect(error.code == .corruptInput || error.code == .truncatedInput)
        #expect(!error.message.isEmpty)
    }

    @Test func everyTruncationIsRefused() throws {
        let compressor = ZstdCompressor()
        let compressed = try compressor.compress(sample(count: 50_000, seed: 3))
        for cut in stride(from: 4, to: compressed.count, by: max(1, compressed.count / 300)) {
            let error = try #require(throws: ZstdError.self) { try compressor.decompress(Array(compressed[..<cut])) }
            #expect(error.code == .truncatedInput, "cut at \(cut) of \(compressed.count): \(error)")
        }
        // A frame without a content size, cut inside a block.
        let streamed = Frame.raw(sample(count: 200_000, seed: 4))
        let error = try #require(throws: ZstdError.self) { try compressor.decompress(Array(streamed.dropLast(10))) }
        #expect(error.code == .truncatedInput)
    }

    @Test func aDecompressionBombWithoutADeclaredSizeHitsTheLimit() throws {
        let bomb = Frame.rleBomb(blocks: 128)  // 518 bytes → 16 MiB
        #expect(bomb.count < 600)
        let limited = ZstdCompressor(maxDecompressedSize: 1 << 20)
        let error = try #require(throws: ZstdError.self) { try limited.decompress(bomb) }
        #expect(error.code == .outputLimitExceeded)
        #expect(error.message.contains("\(1 << 20)"))
        // Within the limit the same frame decodes.
        #expect(try ZstdCompressor(maxDecompressedSize: 16 << 20).decompress(bomb).count == 16 << 20)
    }

    @Test func aDeclaredSizeAboveTheLimitIsRefusedBeforeDecoding() throws {
        let compressed = try ZstdCompressor().compress([UInt8](repeating: 0, count: 2 << 20))
        let error = try #require(throws: ZstdError.self) {
            try ZstdCompressor(maxDecompressedSize: 1 << 20).decompress(compressed)
        }
        #expect(error.code == .outputLimitExceeded)
        #expect(error.message.contains("declares \(2 << 20) bytes"))
    }

    @Test func isABlobCompressorWithTheZstSuffix() throws {
        let compressor: any BlobCompressor = ZstdCompressor()
        #expect(compressor.fileExtension == "zst")
        #expect(try compressor.decompress(compressor.compress([1, 2, 3])) == [1, 2, 3])
        #expect(ZstdCompressor.levelRange.contains(3))
        #expect(!ZstdCompressor.libraryVersion.isEmpty)
    }
}
