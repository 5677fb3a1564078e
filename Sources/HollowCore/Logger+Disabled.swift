public import Logging

extension Logger {
    /// The logger Hollow's libraries use when the caller passes none: it discards everything.
    ///
    /// The rule in every Hollow library: initializers take `logger: Logger = .hollowDisabled`, and a library
    /// never builds a logger of its own with a real handler. Applications pass theirs (the `hollow` and `kea-edge`
    /// executables bootstrap swift-log to standard error with `--log-level` and hand their logger down); the
    /// executables' standard output carries data only.
    public static let hollowDisabled = Logger(label: "hollow.disabled", factory: { _ in SwiftLogNoOpLogHandler() })
}
