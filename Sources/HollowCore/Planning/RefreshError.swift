/// Why a consumer refresh failed. The consumer keeps the state it had.
public struct RefreshError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case noVersionKnown, versionNotFound, blobMissing, blobInvalid, blobDamaged, retrievalFailed, filterRefused
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// Neither an announcement watcher nor the caller named a version to refresh to.
        public static let noVersionKnown = Code(.noVersionKnown)
        /// The store has no path (snapshot + deltas, or reverse deltas) to the requested version.
        public static let versionNotFound = Code(.versionNotFound)
        /// A blob the plan needed disappeared between planning and loading.
        public static let blobMissing = Code(.blobMissing)
        /// A blob was corrupt, truncated, of the wrong kind, or did not originate from the loaded state.
        public static let blobInvalid = Code(.blobInvalid)
        /// A blob's bytes did not match the digest the producer recorded for it, also when read a second time.
        public static let blobDamaged = Code(.blobDamaged)
        /// The retriever failed (I/O error, decompression error, ...).
        public static let retrievalFailed = Code(.retrievalFailed)
        /// The consumer's filter drops a type that a type it keeps refers to (``HollowFilterError``).
        public static let filterRefused = Code(.filterRefused)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The version the refresh aimed at, if known.
    public var requestedVersion: Int64?

    public init(_ code: Code, _ message: String, requestedVersion: Int64? = nil) {
        self.code = code
        self.message = message
        self.requestedVersion = requestedVersion
    }

    public var description: String { "refresh \(code): \(message)" }
}
