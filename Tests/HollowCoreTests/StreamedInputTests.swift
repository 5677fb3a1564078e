import HollowCore
import Testing

/// States loaded from a ``BlobInput`` stream read in pieces equal those loaded from arrays; a stream that ends
/// early or fails is refused with the code and position.
@Suite struct StreamedInputTests {
    /// A stream that hands out at most `piece` bytes per read (so every read of the parser crosses refills), and
    /// optionally claims more bytes than it has (a truncated file) or fails after `failAfter` bytes.
    final class PieceStream: BlobInputStream {
        let bytes: [UInt8]
        let piece: Int
        let claimed: Int
        let failAfter: Int?
        var position = 0

        init(_ bytes: [UInt8], piece: Int, claimed: Int? = nil, failAfter: Int? = nil) {
            self.bytes = bytes
            self.piece = piece
            self.claimed = claimed ?? bytes.count
            self.failAfter = failAfter
        }

        var length: Int? { claimed }

        struct Failure: Error, CustomStringConvertible {
            var description: String { "the disk went away" }
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            if let failAfter, position >= failAfter { throw Failure() }
            let n = min(piece, buffer.count, bytes.count - position)
            guard n > 0 else { return 0 }
            for i in 0..<n { buffer[i] = bytes[position + i] }
            position += n
            return n
        }
    }

    static func input(_ bytes: [UInt8], piece: Int, claimed: Int? = nil, failAfter: Int? = nil) -> BlobInput {
        BlobInput { PieceStream(bytes, piece: piece, claimed: claimed, failAfter: failAfter) }
    }

    @Test("snapshots, deltas and reverse deltas read in pieces give the states Java's dumps show", arguments: Paths.datasets, [1, 7, 4096])
    func streamedChainMatchesDumps(dataset: String, piece: Int) throws {
        let v1 = try ReadState.load(snapshot: Self.input(try fixture(dataset, "snapshot-1"), piece: piece))
        expectSameDump(v1.canonicalJSON(), try expectedDump(dataset, 1), "\(dataset) 1 streamed")
        let v2 = try v1.applying(delta: Self.input(try fixture(dataset, "delta-1-2"), piece: piece))
        expectSameDump(v2.canonicalJSON(), try expectedDump(dataset, 2), "\(dataset) 1→2 streamed")
        let v3 = try v2.applying(delta: Self.input(try fixture(dataset, "delta-2-3"), piece: piece))
        expectSameDump(v3.canonicalJSON(), try expectedDump(dataset, 3), "\(dataset) 2→3 streamed")
        let back = try v3.applying(reverseDelta: Self.input(try fixture(dataset, "reversedelta-3-2"), piece: piece))
        expectSameDump(back.canonicalJSON(), try expectedDump(dataset, 2), "\(dataset) 3→2 streamed")
    }

    @Test("a stream that ends before its declared length is refused as truncated, at the byte where it ended")
    func truncatedStream() throws {
        let snapshot = try fixture("kitchensink", "snapshot-1")
        for cut in [10, snapshot.count / 3, snapshot.count - 1] {
            let input = Self.input(Array(snapshot[0..<cut]), piece: 512, claimed: snapshot.count)
            let error = #expect(throws: BlobDecodingError.self) { try ReadState.load(snapshot: input) }
            #expect(error?.code == .truncated, "cut at \(cut): \(String(describing: error))")
            #expect(error?.offset == cut, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test("a stream that fails is refused as readFailed, carrying the stream's error; the state is unchanged")
    func failingStream() throws {
        let v1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1"))
        let delta = try fixture("kitchensink", "delta-1-2")
        let error = #expect(throws: BlobDecodingError.self) {
            try v1.applying(delta: Self.input(delta, piece: 64, failAfter: delta.count / 2))
        }
        #expect(error?.code == .readFailed)
        #expect(error?.message.contains("the disk went away") == true, "\(String(describing: error))")
        expectSameDump(v1.canonicalJSON(), try expectedDump("kitchensink", 1), "state kept")
    }

    @Test("a stream of unknown length is refused by the reader: it must be staged first")
    func unknownLength() throws {
        final class Unsized: BlobInputStream {
            var length: Int? { nil }
            func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { 0 }
        }
        let error = #expect(throws: BlobDecodingError.self) { try ReadState.load(snapshot: BlobInput { Unsized() }) }
        #expect(error?.code == .readFailed)
    }

    @Test("a digest recorded while a stream is read equals the digest of the bytes")
    func recordedDigest() throws {
        let snapshot = try fixture("sharded", "snapshot-1")
        let recorder = BlobDigestRecorder()
        _ = try ReadState.load(snapshot: Self.input(snapshot, piece: 1000).recordingDigest(into: recorder))
        #expect(recorder.digest == BlobDigest(of: snapshot))
        #expect(try Self.input(snapshot, piece: 333).digest() == BlobDigest(of: snapshot))
        #expect(try Self.input(snapshot, piece: 333).readAll() == snapshot)
    }
}
