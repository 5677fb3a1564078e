import ArgumentParser
import Glibc

/// Minimal access to a filesystem blob store for `dump`/`inspect` (uncompressed files only); the real
/// store lives in HollowFilesystem.
enum StoreFiles {
    struct Listing {
        var snapshots: Set<Int64> = []
        var deltas: [Int64: Int64] = [:]
        var reverseDeltas: [Int64: Int64] = [:]
    }

    static func list(_ directory: String) throws(CLIError) -> Listing {
        guard let dir = opendir(directory) else { throw CLIError("cannot open store directory \(directory)") }
        defer { closedir(dir) }
        var listing = Listing()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let parts = name.split(separator: "-", omittingEmptySubsequences: false)
            switch parts.first {
            case "snapshot" where parts.count == 2:
                if let v = Int64(parts[1]) { listing.snapshots.insert(v) }
            case "delta" where parts.count == 3:
                if let a = Int64(parts[1]), let b = Int64(parts[2]) { listing.deltas[a] = b }
            case "reversedelta" where parts.count == 3:
                if let a = Int64(parts[1]), let b = Int64(parts[2]) { listing.reverseDeltas[a] = b }
            default:
                break
            }
        }
        return listing
    }

    static func read(_ path: String) throws(CLIError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw CLIError("cannot open \(path)") }
        defer { fclose(f) }
        var out: [UInt8] = []
        // Read a regular file straight into its final buffer; fall back to chunks for pipes and /proc.
        if fseek(f, 0, SEEK_END) == 0 {
            let size = ftell(f)
            rewind(f)
            if size > 0 {
                var failed = false
                out = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                    count = fread(buffer.baseAddress, 1, size, f)
                    failed = count != size
                }
                if failed { throw CLIError("cannot read \(path): it changed size while being read") }
                return out
            }
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        if ferror(f) != 0 { throw CLIError("cannot read \(path)") }
        return out
    }

    /// Prints `Error: message` to standard error and returns the failure exit code to throw.
    static func failure(_ message: String) -> ExitCode {
        let bytes = Array("Error: \(message)\n".utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        return ExitCode.failure
    }

    static func writeStdout(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}

