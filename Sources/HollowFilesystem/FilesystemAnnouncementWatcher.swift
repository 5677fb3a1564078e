public import HollowCore
public import Logging
import ServiceLifecycle
import Synchronization

/// Watches `announced.version` by polling it (Java: `HollowFilesystemAnnouncementWatcher`): the fallback when no
/// broker is configured.
///
/// ``run()`` polls every `pollInterval` (Java's default, 1 s) until its task is cancelled; each change of the
/// announced version calls `triggerAsyncRefresh()` on every subscribed consumer. Unlike Java's watcher, a
/// consumer that subscribes while a version is already announced is triggered at once (Java issue #273).
///
/// A missing file means "nothing announced yet". A file that does not hold a version is reported (``lastError``
/// and the logger) and the last good version stays in force. So is a store directory that existed at an earlier
/// poll and is gone now (removed or unmounted under the watcher): `notFound`, naming the directory.
public final class FilesystemAnnouncementWatcher: AnnouncementWatcher {
    /// The directory holding `announced.version`.
    public let directory: String
    /// The time between two reads of `announced.version`.
    public let pollInterval: Duration
    private let logger: Logger?
    private let state = Mutex(State())

    private struct WeakTrigger {
        weak var trigger: (any RefreshTrigger)?
    }

    private struct State {
        var latestVersion: Int64?
        var lastError: FilesystemStoreError?
        var subscribers: [WeakTrigger] = []
        var polls = 0
        /// Whether some poll found the directory: its later absence is then an error, not "nothing announced".
        var sawDirectory = false
    }

    /// Creates a watcher and reads the current announcement once (polling starts with ``run()``).
    /// - Parameters:
    ///   - path: The store directory.
    ///   - namespace: The sub-directory of the dataset, as given to the announcer.
    ///   - pollInterval: How often ``run()`` reads the file (default 1 s, as Java).
    ///   - logger: Receives a warning when the file holds garbage or cannot be read.
    /// - Throws: ``FilesystemStoreError`` if the namespace is invalid or `pollInterval` is not positive.
    public init(path: String, namespace: String? = nil, pollInterval: Duration = .seconds(1), logger: Logger? = nil)
        throws
    {
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
        guard pollInterval > .zero else {
            throw FilesystemStoreError(code: .invalidArgument, message: "the poll interval must be positive")
        }
        self.pollInterval = pollInterval
        self.logger = logger
        _ = poll()
    }

    /// The announced version (nil while nothing valid has been announced).
    public var latestVersion: Int64? { state.withLock { $0.latestVersion } }

    /// The problem met by the last poll, if it failed (garbage in the file, an I/O error); nil after a good poll.
    public var lastError: FilesystemStoreError? { state.withLock { $0.lastError } }

    /// How many times the file was read; for metrics and tests.
    public var pollCount: Int { state.withLock { $0.polls } }

    /// Delivers future version changes to `consumer` (held weakly); triggers a refresh at once if a version is
    /// already announced.
    public func subscribeToUpdates(_ consumer: any RefreshTrigger) {
        let announced = state.withLock { state in
            state.subscribers.removeAll { $0.trigger == nil }
            state.subscribers.append(WeakTrigger(trigger: consumer))
            return state.latestVersion != nil
        }
        if announced { consumer.triggerAsyncRefresh() }
    }

    /// Reads `announced.version` once; if the version changed, triggers every subscriber.
    /// - Returns: the announced version after this poll.
    @discardableResult
    public func poll() -> Int64? {
        var outcome = Result { () throws(FilesystemStoreError) in
            try FilesystemAnnouncer.readAnnouncedVersion(directory: directory)
        }
        // No file: is the directory itself there? (one stat, only when nothing is announced)
        let directoryPresent: Bool
        if case .success(nil) = outcome { directoryPresent = Posix.isDirectory(directory) } else { directoryPresent = true }
        let (version, toTrigger) = state.withLock { state -> (Int64?, [any RefreshTrigger]) in
            state.polls += 1
            if !directoryPresent && state.sawDirectory {
                outcome = .failure(
                    FilesystemStoreError(
                        code: .notFound,
                        message: "the store directory \(directory) is gone (it existed at an earlier poll); "
                            + "keeping version \(state.latestVersion.map(String.init) ?? "none")",
                        path: directory))
            }
            if directoryPresent { state.sawDirectory = true }
            switch outcome {
            case .failure(let error):
                state.lastError = error
                return (state.latestVersion, [])
            case .success(nil):
                // Nothing announced (or the file was removed): keep what we had, like Java.
                state.lastError = nil
                return (state.latestVersion, [])
            case .success(let version?):
                state.lastError = nil
                guard version != state.latestVersion else { return (version, []) }
                state.latestVersion = version
                state.subscribers.removeAll { $0.trigger == nil }
                return (version, state.subscribers.compactMap(\.trigger))
            }
        }
        if case .failure(let error) = outcome {
            logger?.warning(
                "cannot read the announced version", metadata: ["hollow.store": "\(directory)", "error": "\(error)"])
        }
        for trigger in toTrigger { trigger.triggerAsyncRefresh() }
        return version
    }

    /// Polls every ``pollInterval`` until the calling task is cancelled or, in a `ServiceGroup`, until graceful
    /// shutdown, then returns.
    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.pollInterval)
                } catch {
                    return
                }
                self.poll()
            }
        }
    }
}
