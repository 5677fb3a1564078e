import Foundation
import HollowCore
import Synchronization
import Testing

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TempDirectory: ~Copyable {
    let path: String

    init(_ label: String = "hollow-fs-test") throws {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        var template = Array("\(base)\(label)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let created else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: created)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes `bytes` to `path` directly (test set-up; not atomic on purpose).
func writeRaw(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readRaw(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func listNames(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

/// Deterministic pseudo-random bytes (xorshift), so content differs per seed.
func pattern(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { i in
        if i % 8 == 0 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
        }
        // Compressible: runs of a few distinct bytes.
        return UInt8(truncatingIfNeeded: (state >> UInt64((i % 8) * 8)) & 0x0F)
    }
}

/// A RefreshTrigger that counts what the watcher asked for.
final class CountingTrigger: RefreshTrigger {
    private let counts = Mutex((now: 0, delayed: 0))
    var refreshes: Int { counts.withLock { $0.now } }
    var delayedRefreshes: Int { counts.withLock { $0.delayed } }
    func triggerAsyncRefresh() { counts.withLock { $0.now += 1 } }
    func triggerAsyncRefreshWithRandomDelay(maxDelay: Duration) { counts.withLock { $0.delayed += 1 } }
}

/// The Java fixture stores (real `HollowFilesystemPublisher` + `HollowFilesystemAnnouncer` output).
enum JavaFixtures {
    static let root: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.deletingLastPathComponent().appendingPathComponent("HollowCoreTests/Fixtures/java-hollow").path
    }()
    static let datasets = ["kitchensink", "metrics", "sharded"]
}
