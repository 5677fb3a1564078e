import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call or file operation, with the path or operation and the OS error text.
public struct KeaEdgeIOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being done, e.g. `open /tmp/x`.
    public var operation: String
    /// `errno` of the failure (0 when not from a system call).
    public var errno: Int32
    /// The explanation.
    public var message: String
    /// `operation: message`.
    public var description: String { "\(operation): \(message)" }

    init(_ operation: String, errno code: Int32) {
        self.operation = operation
        self.errno = code
        self.message = String(cString: strerror(code))
    }

    init(_ operation: String, message: String) {
        self.operation = operation
        self.errno = 0
        self.message = message
    }
}

/// Small file and clock helpers shared by the commands (no Foundation needed).
public enum SystemSupport {
    /// Reads a whole file.
    /// - Throws: ``KeaEdgeIOError`` naming the path and the OS error.
    public static func readFile(_ path: String) throws(KeaEdgeIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw KeaEdgeIOError("open \(path)", errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KeaEdgeIOError("read \(path)", errno: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// Reads a whole UTF-8 text file.
    public static func readText(_ path: String) throws(KeaEdgeIOError) -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// Writes `bytes` to `path` atomically (HollowCore's `AtomicFile`: a hidden temp file in the same directory,
    /// then a rename). With `durable`, the file is fsynced before the rename and its directory after it, so that once
    /// this returns the file survives a power loss or a kernel crash, not only a crash of the process.
    /// - Throws: ``KeaEdgeIOError`` naming the path and the OS error.
    public static func writeFile(_ path: String, _ bytes: [UInt8], durable: Bool = false) throws(KeaEdgeIOError) {
        do { try AtomicFile.write(path: path, bytes: bytes, durable: durable) } catch {
            throw KeaEdgeIOError("\(error.operation) \(error.path)", errno: error.errno)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func writeText(_ path: String, _ text: String) throws(KeaEdgeIOError) {
        try writeFile(path, Array(text.utf8))
    }

    /// Creates a directory and its parents (like `mkdir -p`).
    public static func makeDirectories(_ path: String) throws(KeaEdgeIOError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST { throw KeaEdgeIOError("mkdir \(current)", errno: errno) }
        }
    }

    /// Whether a path exists.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The host name (the default `source`).
    public static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An ISO 8601 UTC timestamp with second precision, e.g. `2026-11-22T12:00:00Z`.
    public static func isoTimestamp(epochSeconds: Int) -> String {
        var t = time_t(epochSeconds)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func p(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1, 2))-\(p(tmv.tm_mday, 2))T"
            + "\(p(tmv.tm_hour, 2)):\(p(tmv.tm_min, 2)):\(p(tmv.tm_sec, 2))Z"
    }

    /// Now, as an ISO 8601 UTC timestamp.
    public static func nowTimestamp() -> String { isoTimestamp(epochSeconds: Int(time(nil))) }

    /// Now, as Unix time in seconds (CLOCK_REALTIME, with the fraction).
    public static func unixTimeSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// CLOCK_MONOTONIC in nanoseconds (the clock `bpf_ktime_get_ns` reads).
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
