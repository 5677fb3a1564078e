/// An error from zstd compression or decompression.
///
/// `code` says what went wrong; `message` says it in words (with libzstd's own error name where there is one).
public struct ZstdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case compressionFailed, corruptInput, truncatedInput, outputLimitExceeded, outOfMemory
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// libzstd refused to compress (bad parameter, internal error).
        public static let compressionFailed = Code(.compressionFailed)
        /// The input is not a valid zstd stream (bad magic, corrupt block, checksum mismatch).
        public static let corruptInput = Code(.corruptInput)
        /// The input ends in the middle of a frame (or is empty).
        public static let truncatedInput = Code(.truncatedInput)
        /// The decompressed output would exceed the configured limit (a decompression bomb or a wrong limit).
        public static let outputLimitExceeded = Code(.outputLimitExceeded)
        /// libzstd could not allocate its context.
        public static let outOfMemory = Code(.outOfMemory)

        public var description: String {
            switch value {
            case .compressionFailed: "compressionFailed"
            case .corruptInput: "corruptInput"
            case .truncatedInput: "truncatedInput"
            case .outputLimitExceeded: "outputLimitExceeded"
            case .outOfMemory: "outOfMemory"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming the problem.
    public var message: String

    /// Creates an error with `code` and `message`.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "zstd \(code): \(message)" }
}
