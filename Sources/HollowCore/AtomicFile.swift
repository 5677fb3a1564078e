#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a file so that a crash at any point leaves either the old file or the new one under its name, never a
/// part of one: a hidden temp file in the same directory is written, (with `durable`) fsynced, closed and renamed over
/// the name, then (with `durable`) the directory is fsynced. At worst a stray temp file is left, named
/// `.<name>.tmp-<pid>-<random>` so that no reader takes it for a file of its own.
///
/// The package's one implementation of this: the filesystem store (blobs, `announced.version`, pin files, the
/// index), and kea-edge's spool, journal and reports write through it, each mapping ``Failure`` to its own error.
public enum AtomicFile {
    /// A system call that failed while writing.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// What failed, worded as an error message begins: `cannot open`, `cannot write`, `cannot fsync`,
        /// `cannot close`, `cannot rename <temp> to`, `cannot fsync directory`.
        public var operation: String
        /// The path the call failed on.
        public var path: String
        /// The call's `errno`.
        public var errno: Int32
        /// `operation path: the OS error text`, e.g. `cannot open /srv/x/.a.tmp-1-f: No space left on device`.
        public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    /// The marker inside temp-file names, after the final name: `.snapshot-3.tmp-<pid>-<random>`.
    public static let tempMarker = ".tmp-"

    /// Writes `directory/name` atomically, its content written by `content` to the temp file (its descriptor and
    /// path) in as many pieces as it likes. A failure of the writing itself is mapped to `E` by `failure`; the temp
    /// file is removed whenever the write fails.
    /// - Parameter durable: fsync the file before the rename and the directory after it, so that the file survives
    ///   a power loss or a kernel crash once this returns, not only a crash of the process.
    /// - Throws: what `content` throws, or `failure` of the system call that failed.
    public static func write<E: Error>(
        directory: String, name: String, durable: Bool = true,
        failure: (Failure) -> E,
        content: (_ fd: Int32, _ tempPath: String) throws(E) -> Void
    ) throws(E) {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let temp = join(directory, ".\(name)\(tempMarker)\(getpid())-\(suffix)")
        let final = join(directory, name)
        let fd = try mapped(failure) { () throws(Failure) in try open(temp) }
        var closed = false
        do throws(E) {
            try content(fd, temp)
            if durable { try mapped(failure) { () throws(Failure) in try fsync(fd, path: temp) } }
            closed = true
            if close(fd) != 0 && errno != EINTR {  // on NFS a deferred write error may surface only here
                throw failure(Failure(operation: "cannot close", path: temp, errno: errno))
            }
            if rename(temp, final) != 0 {
                throw failure(Failure(operation: "cannot rename \(temp) to", path: final, errno: errno))
            }
        } catch {
            if !closed { _ = close(fd) }
            _ = unlink(temp)
            throw error
        }
        if durable { try mapped(failure) { () throws(Failure) in try fsyncDirectory(directory) } }
    }

    /// Writes `bytes` to `path` atomically (see ``write(directory:name:durable:failure:content:)``).
    /// - Throws: ``Failure`` naming the system call and the path.
    public static func write(path: String, bytes: [UInt8], durable: Bool = true) throws(Failure) {
        let (directory, name) = split(path)
        try write(directory: directory, name: name, durable: durable, failure: { $0 }) { fd, temp throws(Failure) in
            let written = bytes.withUnsafeBytes { buffer in
                Result { () throws(Failure) in try writeAll(fd, buffer, path: temp) }
            }
            try written.get()
        }
    }

    /// Writes all of `bytes` to `fd`, in pieces of at most `chunk` bytes, retrying on `EINTR`.
    /// - Throws: ``Failure`` (`cannot write`) naming `path`.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String, chunk: Int = 1 << 20)
        throws(Failure)
    {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, min(chunk, bytes.count - offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "cannot write", path: path, errno: errno)
            }
            offset += n
        }
    }

    private static func mapped<T, E: Error>(_ failure: (Failure) -> E, _ body: () throws(Failure) -> T) throws(E) -> T {
        do { return try body() } catch { throw failure(error) }
    }

    private static func open(_ path: String) throws(Failure) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { return fd }
            if errno != EINTR { throw Failure(operation: "cannot open", path: path, errno: errno) }
        }
    }

    private static func fsync(_ fd: Int32, path: String) throws(Failure) {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw Failure(operation: "cannot fsync", path: path, errno: errno) }
        }
    }

    /// fsyncs a directory so that its entries (a rename, a new or deleted file) are durable; file systems that cannot
    /// fsync a directory (EINVAL, EROFS) are skipped.
    /// - Throws: ``Failure`` (`cannot open`, `cannot fsync directory`) naming the directory.
    public static func fsyncDirectory(_ directory: String) throws(Failure) {
        var fd: Int32
        repeat { fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        if fd < 0 { throw Failure(operation: "cannot open", path: directory, errno: errno) }
        defer { _ = Glibc.close(fd) }
        while Glibc.fsync(fd) != 0 {
            if errno == EINTR { continue }
            if errno == EINVAL || errno == EROFS { return }
            throw Failure(operation: "cannot fsync directory", path: directory, errno: errno)
        }
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// `a/b/c` → (`a/b`, `c`); `c` → (`.`, `c`); `/c` → (`/`, `c`).
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
