public import HollowCore
import Foundation

/// Wraps a retriever with a local blob cache directory (Java: `HollowConsumer.Builder.withLocalBlobStore`):
/// every blob loaded through it is kept under `directory` by its Java file name, and later loads of the same
/// blob read the local copy. Cache writes are atomic (temp file + rename); a cache failure never fails a refresh.
public struct CachingBlobRetriever: BlobRetriever {
    public let upstream: any BlobRetriever
    public let directory: String

    /// - Parameters:
    ///   - upstream: the retriever that finds blobs (e.g. an NFS store).
    ///   - directory: the local cache directory; created if missing.
    public init(upstream: any BlobRetriever, directory: String) throws {
        self.upstream = upstream
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? {
        try await upstream.retrieveSnapshotBlob(desiredVersion: desiredVersion).map(cached)
    }

    public func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try await upstream.retrieveDeltaBlob(currentVersion: currentVersion).map(cached)
    }

    public func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try await upstream.retrieveReverseDeltaBlob(currentVersion: currentVersion).map(cached)
    }

    public func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? {
        try await upstream.retrieveHeaderBlob(desiredVersion: desiredVersion)
    }

    /// The digests the upstream store recorded (read from upstream each time, never cached, so a damaged local
    /// copy is always checked against the source's record).
    public func retrieveBlobDigests(version: Int64) async throws -> BlobDigests? {
        try await upstream.retrieveBlobDigests(version: version)
    }

    /// Drops the cached copy of `blob`, so the next read fetches it from upstream again.
    public func blobFailedVerification(_ blob: Blob) async {
        try? FileManager.default.removeItem(atPath: directory + "/" + blob.fileName)
        await upstream.blobFailedVerification(blob)
    }

    private func cached(_ blob: Blob) -> Blob {
        let path = directory + "/" + blob.fileName
        return Blob(type: blob.type, fromVersion: blob.fromVersion, toVersion: blob.toVersion) {
            if let data = FileManager.default.contents(atPath: path) { return [UInt8](data) }
            let bytes = try await blob.bytes()
            let temp = path + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
            if FileManager.default.createFile(atPath: temp, contents: Data(bytes)) {
                if rename(temp, path) != 0 { try? FileManager.default.removeItem(atPath: temp) }
            }
            return bytes
        }
    }
}
