import Synchronization

// Where a blob's bytes are read from while a state is loaded or a delta applied (Java: `HollowBlobInput`, which
// reads a blob from a `DataInputStream` or, in shared-memory mode, from a memory-mapped file). The reader
// (``ByteReader``) pulls the bytes in bounded pieces and copies what the state keeps into its own arrays, so a
// blob read from a file or a decompressing stream never sits in memory whole: peak memory is the new state plus
// the reader's window (1 MiB).

/// A blob's uncompressed bytes, read front to back (Java: the stream inside `HollowBlobInput`).
///
/// One stream is read by one reader on one thread; open a new stream to read the blob again. Implementations:
/// memory (``BlobInput/init(bytes:)``), a file (HollowFilesystem), a zstd decompressing stream (HollowZstd).
public protocol BlobInputStream: AnyObject {
    /// How many bytes the stream yields in all, or nil when that is not known until the end (a compressed frame
    /// that does not declare its decompressed size). ``ByteReader`` needs a known length.
    var length: Int? { get }
    /// Reads the next bytes into `buffer` and returns how many it wrote (at most `buffer.count`); 0 only at the
    /// end of the stream.
    /// - Throws: an I/O or decompression error; the stream is unusable afterwards.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A blob's uncompressed bytes that can be read any number of times (Java: `HollowBlobInput`): from memory, from a
/// file on disk, or through a decompressing stream over a file.
///
/// ``ReadState/load(snapshot:filter:)-(BlobInput,_)`` and ``ReadState/applying(delta:)-(BlobInput)`` read it in
/// bounded pieces, so a blob in a file is never held in memory whole.
public struct BlobInput: Sendable {
    private let opener: @Sendable () throws -> any BlobInputStream
    /// The bytes, when the input is an array in memory (read without copying).
    let bytesInMemory: [UInt8]?

    /// An input that `open` opens anew for each read.
    /// - Parameter open: returns a new stream positioned at the blob's first byte.
    public init(open: @escaping @Sendable () throws -> any BlobInputStream) {
        opener = open
        bytesInMemory = nil
    }

    /// An input over bytes already in memory.
    public init(bytes: [UInt8]) {
        opener = { MemoryBlobInputStream(bytes) }
        bytesInMemory = bytes
    }

    /// A new stream positioned at the blob's first byte.
    /// - Throws: what opening the source throws (a missing file, a corrupt compressed frame header).
    public func open() throws -> any BlobInputStream { try opener() }

    /// Reads the whole blob into memory.
    /// - Throws: what the stream throws.
    public func readAll() throws -> [UInt8] {
        if let bytesInMemory { return bytesInMemory }
        let stream = try open()
        var result: [UInt8] = []
        if let length = stream.length { result.reserveCapacity(length) }
        try Self.forEachChunk(of: stream) { result.append(contentsOf: $0) }
        return result
    }

    /// The digest of the blob's bytes, reading it once in bounded pieces.
    /// - Throws: what the stream throws.
    public func digest() throws -> BlobDigest {
        if let bytesInMemory { return BlobDigest(of: bytesInMemory) }
        var hasher = XXH3Hasher()
        try Self.forEachChunk(of: try open()) { hasher.update($0) }
        return BlobDigest(xxh3: hasher.digest())
    }

    /// An input whose streams hash what passes through them: the last stream read to its end leaves the digest
    /// of the whole blob in `recorder`.
    public func recordingDigest(into recorder: BlobDigestRecorder) -> BlobInput {
        if let bytesInMemory {
            // Hashing an array in one go is faster than in pieces; the reader reads it in place.
            recorder.record(BlobDigest(of: bytesInMemory))
            return self
        }
        let opener = self.opener
        return BlobInput { DigestingBlobInputStream(try opener(), recorder: recorder) }
    }

    /// Calls `body` with each piece of `stream` (1 MiB at most) until its end.
    /// - Throws: what the stream or `body` throws.
    public static func forEachChunk(
        of stream: any BlobInputStream, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { return }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }
}

/// Keeps the digest a ``BlobInput/recordingDigest(into:)`` stream computed while it was read to its end.
public final class BlobDigestRecorder: Sendable {
    private let recorded = Mutex<BlobDigest?>(nil)

    /// A recorder with no digest yet.
    public init() {}

    /// The digest of the blob, once a stream was read to its end; nil before.
    public var digest: BlobDigest? { recorded.withLock { $0 } }

    /// Records `digest`, replacing an earlier one: a state is parsed by the last stream its loader opens, so the
    /// digest kept is that of the bytes the state came from, even if the file was replaced between two opens.
    public func record(_ digest: BlobDigest) {
        recorded.withLock { $0 = digest }
    }
}

/// A stream over an array in memory.
final class MemoryBlobInputStream: BlobInputStream {
    let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var length: Int? { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}

/// Hashes what passes through `base`; records the digest when the stream reaches its end.
final class DigestingBlobInputStream: BlobInputStream {
    private let base: any BlobInputStream
    private let recorder: BlobDigestRecorder
    private var hasher = XXH3Hasher()
    private var count = 0
    private var finished = false

    init(_ base: any BlobInputStream, recorder: BlobDigestRecorder) {
        self.base = base
        self.recorder = recorder
    }

    var length: Int? { base.length }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try base.read(into: buffer)
        if n > 0 {
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            count += n
        }
        // The reader stops at the declared length without asking for the end: that is the end too.
        if !finished && (n == 0 || count == base.length) {
            finished = true
            recorder.record(BlobDigest(xxh3: hasher.digest()))
        }
        return n
    }
}
