// Blob files read in bounded pieces: the store's own file (plain, or through a decompressing stream), or a staged
// copy of a compressed blob whose decompressed size is not declared (Java: a `Blob` whose `getFile()` or
// `getInputStream()` the consumer reads, and the consumer's blob staging directory).

public import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read front to back with `read(2)`, at most the length it had when it was opened.
final class FileBlobInputStream: BlobInputStream {
    let path: String
    private let fd: Int32
    private let size: Int
    private var position = 0

    /// Opens `path` for reading.
    /// - Throws: ``FilesystemStoreError`` `.notFound` or `.io`.
    init(path: String) throws(FilesystemStoreError) {
        self.path = path
        fd = try Posix.open(path, O_RDONLY)
        var st = stat()
        if fstat(fd, &st) != 0 {
            let error = Posix.failure("cannot stat", path)
            _ = Glibc.close(fd)
            throw error
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            _ = Glibc.close(fd)
            throw FilesystemStoreError(code: .io, message: "cannot read \(path): it is a directory", path: path)
        }
        size = Int(max(st.st_size, 0))
    }

    deinit { _ = Glibc.close(fd) }

    var length: Int? { size }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = min(buffer.count, size - position)
        guard wanted > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, wanted)
            if n < 0 {
                if errno == EINTR { continue }
                throw Posix.failure("cannot read", path)
            }
            position += n
            return n  // 0: the file shrank since it was opened; the reader reports where it ended
        }
    }
}

/// A decompressed copy of a blob in the staging directory, removed when the last input reading it is gone.
final class StagedBlobFile: Sendable {
    let path: String

    private init(path: String) { self.path = path }

    deinit { _ = Glibc.unlink(path) }

    /// Writes everything `stream` yields to a new file in `directory`, in bounded pieces. The file is named
    /// `.staged-<name>.tmp-<pid>-<random>`: in a store directory, the cleaner treats one left by a crash as an
    /// interrupted write.
    /// - Throws: ``FilesystemStoreError`` when the file cannot be written; what the stream throws.
    static func stage(_ stream: any BlobInputStream, in directory: String, name: String) throws -> StagedBlobFile {
        try Posix.makeDirectories(directory)
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let path = Posix.join(directory, ".staged-\(name)\(Posix.tempMarker)\(Posix.processID)-\(suffix)")
        let fd = try Posix.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        let staged = StagedBlobFile(path: path)  // from here on, the file is removed when `staged` goes
        defer { _ = Glibc.close(fd) }
        try BlobInput.forEachChunk(of: stream) { chunk throws(FilesystemStoreError) in
            try Posix.writeAll(fd, chunk, path: path)
        }
        return staged
    }
}

extension BlobInput {
    /// The blob in the file at `path`, decompressed by `decompressor` when given. A compressed file that does not
    /// declare its decompressed size is decompressed once into `stagingDirectory` and read from there.
    /// - Throws: ``FilesystemStoreError`` when the file cannot be opened or staged, `.decompressionFailed` when
    ///   its first bytes are not a valid compressed frame.
    static func file(
        _ path: String, name: String, decompressor: (any BlobCompressor)?, stagingDirectory: String
    ) throws -> BlobInput {
        guard let decompressor else {
            _ = try FileBlobInputStream(path: path)  // fail now, with the path, if the file is gone
            return BlobInput { try FileBlobInputStream(path: path) }
        }
        @Sendable func decompressing() throws -> any BlobInputStream {
            do {
                return try decompressor.decompressing(try FileBlobInputStream(path: path))
            } catch let error as FilesystemStoreError {
                throw error
            } catch {
                throw FilesystemStoreError(
                    code: .decompressionFailed, message: "cannot decompress \(path): \(error)", path: path)
            }
        }
        if try decompressing().length != nil {
            return BlobInput { try decompressing() }
        }
        let staged: StagedBlobFile
        do {
            staged = try StagedBlobFile.stage(try decompressing(), in: stagingDirectory, name: name)
        } catch let error as FilesystemStoreError {
            throw error
        } catch {
            throw FilesystemStoreError(
                code: .decompressionFailed, message: "cannot decompress \(path): \(error)", path: path)
        }
        return BlobInput { [staged] in try FileBlobInputStream(path: staged.path) }
    }
}

/// Stages a producer's blobs as files in a directory (Java: `HollowFilesystemBlobStager`): hand it to
/// `HollowProducer(blobStager:)`. Each cycle's blobs are written there once they are checked, published from there
/// (``FilesystemPublisher`` copies a plain blob in bounded pieces), and removed when the producer lets go of them.
///
/// The default directory of `hollow publish` is the store directory itself: staged files are named like the
/// store's temp files (`.staged-snapshot-3.tmp-<pid>-<random>`), which readers ignore and the cleaner removes if a
/// crash leaves one behind.
public struct FilesystemBlobStager: BlobStager {
    /// Where the staged files are written.
    public let directory: String

    /// A stager writing to `directory`, created if needed.
    /// - Throws: ``FilesystemStoreError`` when the directory cannot be created.
    public init(directory: String) throws {
        try Posix.makeDirectories(directory)
        self.directory = directory
    }

    /// Writes `bytes` to a staged file and returns `blob` read from it (``HollowCore/Blob/input()`` in bounded
    /// pieces); the file is removed once that blob and every input opened from it are gone.
    /// - Throws: ``FilesystemStoreError`` when the file cannot be written.
    public func stage(_ bytes: [UInt8], as blob: Blob) throws -> Blob {
        let staged = try StagedBlobFile.stage(try BlobInput(bytes: bytes).open(), in: directory, name: blob.fileName)
        let path = staged.path
        return Blob(
            type: blob.type, fromVersion: blob.fromVersion, toVersion: blob.toVersion,
            loader: { try withExtendedLifetime(staged) { try Posix.readFile(path) } },
            digestingLoader: nil,
            input: { BlobInput { try withExtendedLifetime(staged) { try FileBlobInputStream(path: path) } } })
    }
}
