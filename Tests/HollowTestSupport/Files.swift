// Whole-file reads for the tests.

#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file until EOF, or nil if it cannot be opened. Works for procfs files too, which report size 0
/// (Foundation's `String(contentsOfFile:)` returns only their first ~4 KiB).
public func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<n])
    }
    return out
}
