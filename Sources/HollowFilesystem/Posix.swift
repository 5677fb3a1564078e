// Thin throwing wrappers over the POSIX calls the store needs (open/write/fsync/rename, readdir, stat).
// Foundation has no fsync of a directory, and we want exact control over what is synced when.

import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum Posix {
    /// `strerror` text for `code`.
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    static func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> FilesystemStoreError {
        FilesystemStoreError(
            code: code == ENOENT ? .notFound : .io,
            message: "\(what) \(path): \(describe(code))", path: path, errno: code)
    }

    /// Joins a directory and a name.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(FilesystemStoreError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw failure("cannot open", path) }
        }
    }

    /// Writes all of `bytes` to `fd`, in chunks of at most `chunk` bytes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String, chunk: Int = 1 << 20)
        throws(FilesystemStoreError)
    {
        do { try AtomicFile.writeAll(fd, bytes, path: path, chunk: chunk) } catch {
            throw failure(error.operation, error.path, error.errno)
        }
    }

    /// Removes `path`; a file that is already gone is not an error.
    static func unlink(_ path: String) throws(FilesystemStoreError) {
        if Glibc.unlink(path) != 0 && errno != ENOENT { throw failure("cannot delete", path) }
    }

    /// Makes the entries of `directory` (a rename, a new or deleted file) durable (HollowCore's `AtomicFile`).
    static func fsyncDirectory(_ directory: String) throws(FilesystemStoreError) {
        do { try AtomicFile.fsyncDirectory(directory) } catch { throw failure(error.operation, error.path, error.errno) }
    }

    /// Creates `path` and its missing parents (mode 0755); an existing directory is fine.
    static func makeDirectories(_ path: String) throws(FilesystemStoreError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if Glibc.mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw failure("cannot create directory", prefix)
            }
        }
        if !isDirectory(path) {
            throw FilesystemStoreError(code: .invalidArgument, message: "not a directory: \(path)", path: path)
        }
    }

    struct FileStatus: Sendable, Hashable {
        var size: Int64
        var modificationSeconds: Int
        var modificationNanoseconds: Int
        var isDirectory: Bool
        var isRegularFile: Bool
    }

    /// `stat(path)`, or nil if there is nothing there.
    static func status(_ path: String) throws(FilesystemStoreError) -> FileStatus? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw failure("cannot stat", path)
        }
        return FileStatus(
            size: Int64(st.st_size),
            modificationSeconds: Int(st.st_mtim.tv_sec), modificationNanoseconds: Int(st.st_mtim.tv_nsec),
            isDirectory: st.st_mode & S_IFMT == S_IFDIR, isRegularFile: st.st_mode & S_IFMT == S_IFREG)
    }

    static func isDirectory(_ path: String) -> Bool {
        (try? status(path))??.isDirectory ?? false
    }

    /// The names in `directory` (without `.` and `..`).
    static func listDirectory(_ directory: String) throws(FilesystemStoreError) -> [String] {
        guard let dir = opendir(directory) else { throw failure("cannot list directory", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw failure("cannot list directory", directory) }
                return names
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// Reads the whole file at `path`.
    static func readFile(_ path: String) throws(FilesystemStoreError) -> [UInt8] {
        var none: XXH3Hasher?
        return try readFile(path, hashing: &none)
    }

    /// Reads the whole file at `path`, feeding each chunk to `hasher` (if any) while it is still in cache.
    static func readFile(_ path: String, hashing hasher: inout XXH3Hasher?) throws(FilesystemStoreError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { _ = Glibc.close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw failure("cannot stat", path) }
        if st.st_mode & S_IFMT == S_IFDIR {
            throw FilesystemStoreError(code: .io, message: "cannot read \(path): it is a directory", path: path)
        }
        // The size is a hint: read until EOF so a file that grows or shrinks meanwhile is read as it is.
        var result = [UInt8]()
        result.reserveCapacity(Int(max(st.st_size, 0)) + 1)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path)
            }
            if n == 0 { return result }
            if hasher != nil { buffer.withUnsafeBytes { hasher!.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    /// Wall-clock time in seconds.
    static func now() -> (seconds: Int, nanoseconds: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int(ts.tv_sec), Int(ts.tv_nsec))
    }

    static var processID: Int32 { getpid() }

    /// `$TMPDIR`, else `/tmp`.
    static var temporaryDirectory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }
}

extension Posix {
    /// Writes `bytes` to `directory/name` atomically: a uniquely named temp file in the same directory, written,
    /// fsynced and closed, then renamed over the final name, then the directory fsynced. A crash at any point
    /// leaves either the old file or the new one under `name`, never a partial file (a stray temp file at most).
    ///
    /// Temp files are named `.<name>.tmp-<pid>-<random>`: hidden, and never parsed as a blob name.
    static func writeFileAtomically(directory: String, name: String, bytes: [UInt8]) throws(FilesystemStoreError) {
        try writeFileAtomically(directory: directory, name: name) { fd, temp throws(FilesystemStoreError) in
            let written = bytes.withUnsafeBytes { buffer in
                Result { () throws(FilesystemStoreError) in try writeAll(fd, buffer, path: temp) }
            }
            try written.get()
        }
    }

    /// As ``writeFileAtomically(directory:name:bytes:)``, with the content written by `content` to the temp file
    /// (its descriptor and path) in as many pieces as it likes. HollowCore's `AtomicFile` does the writing.
    static func writeFileAtomically(
        directory: String, name: String, content: (Int32, String) throws(FilesystemStoreError) -> Void
    ) throws(FilesystemStoreError) {
        try AtomicFile.write(
            directory: directory, name: name, failure: { failure($0.operation, $0.path, $0.errno) }, content: content)
    }

    /// The marker inside temp-file names (after the final name): `.snapshot-3.tmp-<pid>-<random>`.
    static var tempMarker: String { AtomicFile.tempMarker }
}
