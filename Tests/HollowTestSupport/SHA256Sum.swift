// SHA-256 of large test outputs through the system's `sha256sum` (a debug-built Swift hash runs at well
// under 1 MB/s, which made the large-fixture checks take minutes).

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Hashes bytes with coreutils' `sha256sum`, started with swift-subprocess
/// (through ``MosquittoBroker/runTool(_:_:environment:)``).
public enum SHA256Sum {
    /// The `sha256sum` executable, or nil if the machine has none.
    public static let executablePath: String? = MosquittoBroker.findTool("sha256sum")

    /// The lowercase hex SHA-256 of everything `produce` passes to its sink. The bytes are streamed to a
    /// temporary file (never held in memory at once), hashed by `sha256sum`, and the file is removed.
    /// - Throws: if `sha256sum` is missing, fails, or prints something that is not a digest.
    /// `produce` runs on a thread of its own (``onDedicatedThread(_:)``): writing a 100 MB dump must not hold a thread
    /// of the cooperative pool that the other suites' tests run on.
    public static func hash(_ produce: @escaping @Sendable (([UInt8]) -> Void) -> Void) async throws -> String {
        guard executablePath != nil else { throw SHA256SumError("sha256sum is not installed") }
        let path = NSTemporaryDirectory() + "hollow-sha256-\(UUID().uuidString)"
        defer { unlink(path) }
        try await onDedicatedThread {
            guard let file = fopen(path, "wb") else { throw SHA256SumError("cannot create \(path): errno \(errno)") }
            var writeFailed = false
            produce { chunk in
                let n = chunk.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                if n != chunk.count { writeFailed = true }
            }
            if fclose(file) != 0 || writeFailed { throw SHA256SumError("cannot write \(path) (disk full?)") }
        }
        let result = try await MosquittoBroker.runTool("sha256sum", [path])
        let digest = String(result.output.prefix { $0 != " " })
        guard result.exitCode == 0, digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
            throw SHA256SumError("sha256sum failed (exit \(result.exitCode)): \(result.output)")
        }
        return digest
    }
}

/// Why ``SHA256Sum`` could not hash.
public struct SHA256SumError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
