/// An error raised while decoding a blob: the bytes are truncated, corrupt, of the wrong kind, or do not
/// follow from the state they are applied to. The state a consumer had before the failed blob is untouched.
public struct BlobDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code that callers can match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case truncated, badMagic, invalidValue, tagMismatch, wrongBlobKind, trailingBytes, unsupported, schemaMismatch, readFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The input ended before a structure it announced was complete.
        public static let truncated = Code(.truncated)
        /// The blob does not start with the Hollow blob format version 1030.
        public static let badMagic = Code(.badMagic)
        /// A count, length, width, ordinal or name contradicts the data or the format's limits.
        public static let invalidValue = Code(.invalidValue)
        /// A delta's origin tag does not match the loaded state's randomized tag.
        public static let tagMismatch = Code(.tagMismatch)
        /// The blob is of another kind than the operation needs (a snapshot fed as a delta, ...).
        public static let wrongBlobKind = Code(.wrongBlobKind)
        /// Bytes remain after the last type section.
        public static let trailingBytes = Code(.trailingBytes)
        /// A feature of the format this implementation does not read (e.g. optional blob parts).
        public static let unsupported = Code(.unsupported)
        /// A schema in the blob contradicts the loaded state in a way that cannot be applied.
        public static let schemaMismatch = Code(.schemaMismatch)
        /// The blob's input (a file, a decompressing stream) failed while it was read: an I/O error, a corrupt or
        /// truncated compressed frame. The message carries the input's own error.
        public static let readFailed = Code(.readFailed)

        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation naming the offending structure (type, field, offset).
    public var message: String
    /// The byte offset in the blob where the problem was detected, when known.
    public var offset: Int?

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "blob \(code): \(message) (at byte \(offset))" }
        return "blob \(code): \(message)"
    }
}
