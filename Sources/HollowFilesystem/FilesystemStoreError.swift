/// An error from the filesystem blob store: an I/O failure, a missing blob, or a file whose content or name is bad.
///
/// The message always names the file or directory involved.
public struct FilesystemStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case io, notFound, badAnnouncement, invalidArgument, decompressionFailed, unknownCompression
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A system call failed (see `errno`).
        public static let io = Code(.io)
        /// A file or directory that should exist does not.
        public static let notFound = Code(.notFound)
        /// `announced.version` does not hold a decimal version.
        public static let badAnnouncement = Code(.badAnnouncement)
        /// A path, namespace or option is unusable.
        public static let invalidArgument = Code(.invalidArgument)
        /// A compressed blob could not be decompressed.
        public static let decompressionFailed = Code(.decompressionFailed)
        /// A blob carries a compression suffix no configured decompressor handles.
        public static let unknownCompression = Code(.unknownCompression)

        public var description: String {
            switch value {
            case .io: "io"
            case .notFound: "notFound"
            case .badAnnouncement: "badAnnouncement"
            case .invalidArgument: "invalidArgument"
            case .decompressionFailed: "decompressionFailed"
            case .unknownCompression: "unknownCompression"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming the problem and the file.
    public var message: String
    /// The file or directory involved.
    public var path: String?
    /// The `errno` of a failed system call.
    public var errno: Int32?

    /// Creates an error.
    public init(code: Code, message: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    public var description: String { message }
}
