import Foundation
import HollowCore
import HollowConsumer
import Synchronization

/// The Java fixture stores (real filesystem stores written by Java Hollow v7.14.51).
enum JavaStores {
    static let root: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HollowCoreTests/Fixtures/java-hollow").path
    }()

    static func path(_ dataset: String) -> String { root + "/" + dataset }

    static func expected(_ dataset: String, _ version: Int) throws -> String {
        try String(contentsOfFile: path(dataset) + "/expected-\(version).json", encoding: .utf8)
    }

    /// A writable copy of a fixture store in a fresh temporary directory.
    static func copy(_ dataset: String) throws -> String {
        let dir = NSTemporaryDirectory() + "hollow-lifecycle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: path(dataset)) where !name.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: path(dataset) + "/" + name, toPath: dir + "/" + name)
            _ = chmod(dir + "/" + name, 0o644)
        }
        return dir
    }
}

/// An announcement watcher whose version the test sets by hand (the MQTT and filesystem watchers are
/// tested against a real broker and real files in their own suites).
final class ManualWatcher: AnnouncementWatcher {
    private struct State {
        var version: Int64?
        var pinned = false
        var subscribers: [any RefreshTrigger] = []
    }
    private let state = Mutex(State())

    var latestVersion: Int64? { state.withLock { $0.version } }
    var isPinned: Bool { state.withLock { $0.pinned } }

    func subscribeToUpdates(_ consumer: any RefreshTrigger) {
        let known = state.withLock { s in
            s.subscribers.append(consumer)
            return s.version != nil
        }
        if known { consumer.triggerAsyncRefresh() }
    }

    func set(_ version: Int64, pinned: Bool = false) {
        let subscribers = state.withLock { s in
            s.version = version
            s.pinned = pinned
            return s.subscribers
        }
        for s in subscribers { s.triggerAsyncRefresh() }
    }
}

/// Records refresh outcomes.
final class RecordingListener: RefreshListener {
    private let events = Mutex<[String]>([])
    var all: [String] { events.withLock { $0 } }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        events.withLock { $0.append("ok \(version)\(isPinned ? " pinned" : "")") }
    }

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        events.withLock { $0.append("failed \(requestedVersion)") }
    }
}

/// Polls `condition` until it holds or `timeout` passes (event waits, not timing assertions).
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
