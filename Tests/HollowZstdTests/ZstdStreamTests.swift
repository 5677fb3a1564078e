import HollowCore
import HollowZstd
import Testing

/// ``ZstdCompressor/decompressing(_:)``: libzstd's streaming decoder over a stream of compressed bytes.
@Suite struct ZstdStreamTests {
    /// Compressed bytes handed out `piece` bytes at a time.
    final class Source: BlobInputStream {
        let bytes: [UInt8]
        let piece: Int
        var position = 0
        init(_ bytes: [UInt8], piece: Int = 1 << 16) {
            self.bytes = bytes
            self.piece = piece
        }
        var length: Int? { bytes.count }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = min(piece, buffer.count, bytes.count - position)
            for i in 0..<max(n, 0) { buffer[i] = bytes[position + i] }
            position += max(n, 0)
            return max(n, 0)
        }
    }

    /// Everything `stream` yields, read into buffers of `chunk` bytes.
    static func drain(_ stream: any BlobInputStream, chunk: Int = 4096) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }

    @Test("a frame with its size declared streams to the same bytes, with the size known up front", arguments: [1, 977, 1 << 16])
    func declaredSize(piece: Int) throws {
        let content = sample(count: 300_000, seed: 7)
        let compressor = ZstdCompressor()
        let stream = try compressor.decompressing(Source(try compressor.compress(content), piece: piece))
        #expect(stream.length == content.count)
        #expect(try Self.drain(stream, chunk: 3000) == content)
    }

    @Test("a frame without a declared size streams with an unknown length, across concatenated frames")
    func unknownSize() throws {
        let a = sample(count: 200_000, seed: 8)
        let b = sample(count: 1000, seed: 9)
        let stream = try ZstdCompressor().decompressing(Source(Frame.raw(a) + Frame.raw(b), piece: 5000))
        #expect(stream.length == nil)
        #expect(try Self.drain(stream) == a + b)
    }

    @Test("every truncation of a streamed frame is refused as truncated input")
    func truncation() throws {
        let compressor = ZstdCompressor()
        let compressed = try compressor.compress(sample(count: 50_000, seed: 3))
        for cut in stride(from: 4, to: compressed.count, by: max(1, compressed.count / 100)) {
            let error = try #require(throws: ZstdError.self) {
                try Self.drain(try compressor.decompressing(Source(Array(compressed[..<cut]), piece: 100)))
            }
            #expect(error.code == .truncatedInput, "cut at \(cut) of \(compressed.count): \(error)")
        }
    }

    @Test("a damaged frame is refused by its checksum before the stream reports its end")
    func damaged() throws {
        let compressor = ZstdCompressor()
        let content = sample(count: 100_000, seed: 5)
        var compressed = try compressor.compress(content)
        compressed[compressed.count - 2] ^= 0x01  // inside the content checksum
        let stream = try compressor.decompressing(Source(compressed))
        let error = try #require(throws: ZstdError.self) { try Self.drain(stream) }
        #expect(error.code == .corruptInput, "\(error)")
    }

    @Test("data after a frame that declared its size is refused, naming concatenated frames")
    func dataAfterDeclaredFrame() throws {
        let compressor = ZstdCompressor()
        let joined = try compressor.compress(sample(count: 10_000, seed: 1)) + compressor.compress(sample(count: 10, seed: 2))
        let error = try #require(throws: ZstdError.self) { try Self.drain(try compressor.decompressing(Source(joined))) }
        #expect(error.code == .corruptInput)
        #expect(error.message.contains("concatenated"), "\(error)")
    }

    @Test("a declared size above the limit is refused before anything is decoded; garbage and empty input too")
    func refusedAtOpen() throws {
        let big = try ZstdCompressor().compress([UInt8](repeating: 1, count: 10_000))
        let limited = ZstdCompressor(maxDecompressedSize: 1000)
        #expect(throws: ZstdError.self) { try limited.decompressing(Source(big)) }
        let garbage = try #require(throws: ZstdError.self) { try ZstdCompressor().decompressing(Source(Array("hello, world".utf8))) }
        #expect(garbage.code == .corruptInput)
        let empty = try #require(throws: ZstdError.self) { try ZstdCompressor().decompressing(Source([])) }
        #expect(empty.code == .truncatedInput)
    }
}
