/// An error reading a store over HTTP: a blob or index that is missing, a server that keeps failing, or a response
/// that is not what the store's index promises.
///
/// The message always names the URL involved.
public struct HTTPBlobError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, missingIndex, badIndex, httpStatus, transport, truncated, decompressionFailed,
                unknownCompression, badAnnouncement, invalidArgument
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A blob the index lists (one a refresh needs) answered 404.
        public static let notFound = Code(.notFound)
        /// The store has no `blobs.index` (a store written before the index existed, or not a store).
        public static let missingIndex = Code(.missingIndex)
        /// `blobs.index` is not a valid index.
        public static let badIndex = Code(.badIndex)
        /// The server answered a status that is neither success nor retried (4xx), or kept answering 5xx.
        public static let httpStatus = Code(.httpStatus)
        /// The connection failed or timed out on every attempt.
        public static let transport = Code(.transport)
        /// The body is not the size the index lists (a truncated or replaced file).
        public static let truncated = Code(.truncated)
        /// A compressed blob could not be decompressed.
        public static let decompressionFailed = Code(.decompressionFailed)
        /// A blob carries a compression suffix no configured decompressor handles.
        public static let unknownCompression = Code(.unknownCompression)
        /// `announced.version` does not hold a decimal version.
        public static let badAnnouncement = Code(.badAnnouncement)
        /// The URL, namespace or a setting is unusable.
        public static let invalidArgument = Code(.invalidArgument)

        public var description: String {
            switch value {
            case .notFound: "notFound"
            case .missingIndex: "missingIndex"
            case .badIndex: "badIndex"
            case .httpStatus: "httpStatus"
            case .transport: "transport"
            case .truncated: "truncated"
            case .decompressionFailed: "decompressionFailed"
            case .unknownCompression: "unknownCompression"
            case .badAnnouncement: "badAnnouncement"
            case .invalidArgument: "invalidArgument"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming the problem and the URL.
    public var message: String
    /// The URL involved.
    public var url: String?
    /// The last HTTP status received, if any.
    public var status: Int?

    /// Creates an error.
    public init(code: Code, message: String, url: String? = nil, status: Int? = nil) {
        self.code = code
        self.message = message
        self.url = url
        self.status = status
    }

    public var description: String { message }
}
