/// The digest of a blob's uncompressed bytes, as the producer records it (docs/blob-format.md, "Blob digests").
///
/// Written as `xxh3-64:<16 lowercase hex digits>` in header tags and digest files. Java Hollow has no blob
/// digests; Java consumers ignore the tags.
public struct BlobDigest: Hashable, Sendable, CustomStringConvertible {
    /// The XXH3-64 hash (seed 0) of the blob's uncompressed bytes.
    public var value: UInt64

    /// The algorithm's name in the written form.
    public static let algorithm = "xxh3-64"

    /// A digest with the given hash value.
    public init(xxh3 value: UInt64) {
        self.value = value
    }

    /// The digest of `bytes` (the uncompressed blob).
    public init(of bytes: [UInt8]) {
        value = XXH3.hash(bytes)
    }

    /// Parses `xxh3-64:0123456789abcdef`; nil for any other algorithm or a malformed value.
    public init?(_ text: some StringProtocol) {
        let prefix = Self.algorithm + ":"
        guard text.hasPrefix(prefix) else { return nil }
        let hex = text.dropFirst(prefix.count)
        guard hex.utf8.count == 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.value = value
    }

    /// `xxh3-64:0123456789abcdef`.
    public var description: String {
        let hex = String(value, radix: 16)
        return Self.algorithm + ":" + String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }
}

/// The digests a producer recorded for the blobs it published with one version: the snapshot of the version,
/// the delta into it and the reverse delta out of it, keyed by blob file name (`snapshot-5`, `delta-4-5`).
///
/// They travel as header tags of the version's header blob (`hollow.blob.digest.snapshot-5`) and, in a filesystem
/// store, also in the version's digest file, whose text form is ``text``.
public struct BlobDigests: Hashable, Sendable {
    /// The prefix of the header tags that carry digests: `hollow.blob.digest.<blob file name>`.
    public static let headerTagPrefix = "hollow.blob.digest."

    /// The version whose cycle published the blobs.
    public var version: Int64
    /// Digest by blob file name (without a compression suffix).
    public var byBlobName: [String: BlobDigest]

    /// Digests for `version`.
    public init(version: Int64, byBlobName: [String: BlobDigest] = [:]) {
        self.version = version
        self.byBlobName = byBlobName
    }

    /// The recorded digest of `blob`, or nil.
    public subscript(blob: Blob) -> BlobDigest? { byBlobName[blob.fileName] }

    /// The version whose header blob (and digest file) records the digest of `blob`: a reverse delta is
    /// published with the version it starts from, everything else with the version it produces.
    public static func recordingVersion(of blob: Blob) -> Int64 {
        blob.type == .reverseDelta ? (blob.fromVersion ?? blob.toVersion) : blob.toVersion
    }

    /// The header tags that record these digests.
    public var headerTags: [String: String] {
        var tags: [String: String] = [:]
        for (name, digest) in byBlobName { tags[Self.headerTagPrefix + name] = digest.description }
        return tags
    }

    /// The digests recorded in `headerTags` (tags with an unparseable value are skipped).
    public init(version: Int64, headerTags: [String: String]) {
        var digests: [String: BlobDigest] = [:]
        for (key, value) in headerTags where key.hasPrefix(Self.headerTagPrefix) {
            if let digest = BlobDigest(value) { digests[String(key.dropFirst(Self.headerTagPrefix.count))] = digest }
        }
        self.init(version: version, byBlobName: digests)
    }

    /// The digest-file form: one `<blob file name> <digest>` line per blob, sorted by name.
    public var text: String {
        byBlobName.keys.sorted().map { "\($0) \(byBlobName[$0]!)\n" }.joined()
    }

    /// Parses the digest-file form.
    /// - Throws: ``BlobDigestError`` naming the first malformed line.
    public init(version: Int64, text: String) throws(BlobDigestError) {
        var digests: [String: BlobDigest] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let digest = BlobDigest(parts[1]) else {
                throw BlobDigestError(
                    .malformedDigestFile, "line \(number + 1) is not \"<blob name> \(BlobDigest.algorithm):<16 hex digits>\": \(line)")
            }
            digests[String(parts[0])] = digest
        }
        self.init(version: version, byBlobName: digests)
    }

    /// These digests with `other`'s added (`other` wins where both name a blob).
    public func merging(_ other: BlobDigests) -> BlobDigests {
        BlobDigests(version: version, byBlobName: byBlobName.merging(other.byBlobName) { $1 })
    }
}

/// A blob whose bytes do not match the recorded digest, or a digest record that cannot be read.
public struct BlobDigestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable { case mismatch, malformedDigestFile }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// The blob's bytes hash to another digest than the producer recorded: the blob is damaged.
        public static let mismatch = Code(.mismatch)
        /// A digest file has a line that is not `<blob name> <digest>`.
        public static let malformedDigestFile = Code(.malformedDigestFile)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String

    /// An error with a message that names the problem.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The mismatch error for `blobName`, naming both digests.
    public static func mismatch(blobName: String, recorded: BlobDigest, computed: BlobDigest) -> BlobDigestError {
        BlobDigestError(
            .mismatch, "\(blobName) is damaged: its bytes hash to \(computed), but the producer recorded \(recorded)")
    }

    public var description: String { message }
}

/// Whether a blob, or a loaded state, was checked against a recorded digest.
public enum BlobVerification: String, Sendable, Hashable {
    /// Every blob matched its recorded digest.
    case verified
    /// Some blob had no recorded digest (written by Java Hollow or an older swift-hollow), so it was loaded
    /// unchecked.
    case unverified
}

/// The outcome of checking one blob against the digest recorded for it.
public enum BlobCheckResult: Sendable, Hashable, CustomStringConvertible {
    /// The blob's bytes match the recorded digest.
    case verified(BlobDigest)
    /// No digest is recorded for the blob (Java Hollow or an older swift-hollow wrote it); `computed` is the
    /// digest of its bytes as read.
    case unverified(computed: BlobDigest)
    /// The blob does not match its recorded digest, or cannot be read (a damaged compressed file); the message
    /// says which.
    case damaged(String)

    /// True for ``damaged(_:)``.
    public var isDamaged: Bool {
        if case .damaged = self { return true }
        return false
    }

    /// `verified`, `unverified` or `DAMAGED`.
    public var label: String {
        switch self {
        case .verified: "verified"
        case .unverified: "unverified"
        case .damaged: "DAMAGED"
        }
    }

    public var description: String {
        switch self {
        case .verified(let digest): "verified (\(digest))"
        case .unverified(let computed): "unverified: no digest recorded (bytes hash to \(computed))"
        case .damaged(let message): "DAMAGED: \(message)"
        }
    }
}

extension BlobRetriever {
    /// Reads `blob` and checks it against the digest recorded with it (``retrieveBlobDigests(version:)``).
    /// Never throws: a blob that cannot be read is reported ``BlobCheckResult/damaged(_:)``.
    public func verify(_ blob: Blob) async -> BlobCheckResult {
        let recorded: BlobDigest?
        do {
            recorded = try await retrieveBlobDigests(version: BlobDigests.recordingVersion(of: blob))?[blob]
        } catch {
            return .damaged("the digest record of \(blob.fileName) cannot be read: \(error)")
        }
        let computed: BlobDigest
        do {
            computed = try await blob.bytesWithDigest().digest
        } catch {
            return .damaged("\(blob.fileName) cannot be read: \(error)")
        }
        guard let recorded else { return .unverified(computed: computed) }
        if computed == recorded { return .verified(recorded) }
        return .damaged(BlobDigestError.mismatch(blobName: blob.fileName, recorded: recorded, computed: computed).message)
    }
}
