public import HollowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Minimal file output for the generator (HollowCore and HollowCodeGen do not import Foundation).
enum FileOutput {
    static func makeDirectory(_ path: String) throws(HollowCodeGenError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw HollowCodeGenError("cannot create directory \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes `text` to `path`, replacing it; leaves the file untouched when its content is already `text`
    /// (so builds that depend on it are not redone).
    static func write(_ text: String, to path: String) throws(HollowCodeGenError) {
        let bytes = Array(text.utf8)
        if let existing = read(path), existing == bytes { return }
        do { try AtomicFile.write(path: path, bytes: bytes, durable: false) } catch {
            throw HollowCodeGenError("cannot write \(path): \(error)")
        }
    }

    /// The bytes of the file at `path`, or nil.
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }
}

extension HollowAPIGenerator {
    /// Reads a schema file and parses it (see ``parseSchemas(_:fileName:)``).
    /// - Throws: ``HollowCodeGenError`` when the file cannot be read or its schemas are bad.
    public static func readSchemas(file path: String) throws(HollowCodeGenError) -> [HollowSchema] {
        guard let bytes = FileOutput.read(path) else {
            throw HollowCodeGenError("\(path): cannot read the schema file: \(String(cString: strerror(errno)))")
        }
        return try parseSchemas(String(decoding: bytes, as: UTF8.self), fileName: path)
    }

    /// Writes ``generateSingleFile()`` to `path`.
    public func writeSingleFile(to path: String) throws(HollowCodeGenError) {
        try FileOutput.write(try generateSingleFile(), to: path)
    }
}

private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
