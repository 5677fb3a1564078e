// Helpers shared by the `hollow` subcommands.

import ArgumentParser
import Glibc
import HollowCore
import HollowFilesystem
import HollowHTTP
import HollowMQTT
import HollowZstd
import Logging

/// A command failure printed as `Error: message` with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The nearest-rank percentile `p` (0...1) of ascending `sorted` values; NaN when empty.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let i = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
    return sorted[i]
}

/// The median of `values` (mean of the two middle values for an even count); 0 when empty.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// `--store ROOT [--namespace NS] [--topic-namespace NAME]`: how every `hollow` command names a store.
///
/// `--store` may also be an `http://` or `https://` URL: the same store served by a web server, read through its
/// `blobs.index` (HollowHTTP's ``HTTPBlobRetriever``); `watch`, `dump`, `store`, `explore` and `inspect` accept it.
///
/// `--store` is the store root; `--namespace` picks a dataset in a sub-directory of it and is optional (absent:
/// the dataset sits at the root, Java's layout). The MQTT topic segment (`PREFIX/SEGMENT/announced`) is
/// `--topic-namespace`, else the namespace, else ``MQTTTopics/rootTopicNamespace`` (`default`), the same for
/// producers and consumers.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store root directory (local or NFS), or its http(s):// URL on a web server (watch, dump, store, explore, inspect).")
    var store: String

    @Option(help: "The dataset's sub-directory of the store (default: none, the blobs sit at the store root).")
    var namespace: String?

    @Option(help: "The MQTT topic segment (PREFIX/SEGMENT/...). Default: the namespace, or 'default' without one.")
    var topicNamespace: String?

    func validate() throws {
        if isHTTP {
            do { _ = try HTTPBlobRetriever(url: store, namespace: namespace) } catch { throw ValidationError(error.message) }
        } else {
            do { _ = try FilesystemStoreLocation(path: store, namespace: namespace) } catch {
                throw ValidationError(error.message)
            }
        }
        if let topicNamespace {
            do { _ = try MQTTTopics(namespace: topicNamespace) } catch {
                throw ValidationError("--topic-namespace: \(error.message)")
            }
        }
    }

    /// The store root and namespace.
    /// - Throws: ``CLIError`` when `--store` is a URL: only watch, dump, store, explore and inspect read a store over HTTP.
    var location: FilesystemStoreLocation {
        get throws {
            if isHTTP {
                throw CLIError(
                    "--store \(store) is a URL: this command needs the store directory (watch, dump, store, explore and inspect read a URL)")
            }
            return try FilesystemStoreLocation(path: store, namespace: namespace)
        }
    }

    /// The location, after checking that the store and the namespace directory exist.
    /// - Throws: ``CLIError`` naming the missing directory and how to name another one.
    func existingLocation() throws -> FilesystemStoreLocation {
        let location = try self.location
        do { try location.requireExisting() } catch {
            let hint = namespace != nil && error.path == location.directory
                ? "; leave out --namespace to read the store root" : ""
            throw CLIError(error.message + hint)
        }
        return location
    }

    /// A hint for a store root that holds no blobs but namespaces, else "".
    func namespaceHint() -> String {
        guard namespace == nil, let location = try? self.location else { return "" }
        let namespaces = location.namespaces()
        if namespaces.isEmpty { return "" }
        return " (the store root holds namespaces: \(namespaces.joined(separator: ", ")); choose one with --namespace)"
    }

    /// The MQTT topic segment of this store.
    var topicSegment: String { MQTTTopics.topicNamespace(storeNamespace: namespace, override: topicNamespace) }

    /// The decompressors every command reads stores with: plain, zstd (`.zst`) and mixed stores alike.
    static let decompressors: [any BlobCompressor] = [ZstdCompressor()]

    /// A retriever over the existing store, reading plain and compressed blobs.
    func retriever() throws -> FilesystemBlobRetriever {
        try existingLocation().retriever(decompressors: Self.decompressors)
    }

    /// Whether `--store` is an http(s):// URL.
    var isHTTP: Bool { HTTPBlobRetriever.isHTTPURL(store) }

    /// The store as a browsable ``BlobStore``: the directory, or the URL through its `blobs.index`.
    func blobStore(logger: Logger = .hollowDisabled) throws -> any BlobStore {
        if isHTTP { return try httpRetriever(logger: logger) }
        return try retriever()
    }

    /// The retriever of an http(s):// store (reading plain and compressed blobs).
    func httpRetriever(logger: Logger = .hollowDisabled) throws -> HTTPBlobRetriever {
        do {
            return try HTTPBlobRetriever(url: store, namespace: namespace, decompressors: Self.decompressors, logger: logger)
        } catch { throw CLIError(error.message) }
    }
}

/// Prints `Error: message` to standard error and returns the failure exit code to throw.
func failure(_ message: String) -> ExitCode {
    writeStderr("Error: \(message)\n")
    return ExitCode.failure
}

/// Writes `text` to standard error at once (no buffering).
func writeStderr(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}

/// Writes `bytes` to standard output.
func writeStdout(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        offset += n
    }
}

/// Whole-file reads for the benchmarks, which time decoding of given blob files (stores are read through
/// HollowFilesystem).
enum StoreFiles {
    static func read(_ path: String) throws(CLIError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw CLIError("cannot open \(path)") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        if ferror(f) != 0 { throw CLIError("cannot read \(path)") }
        return out
    }
}
