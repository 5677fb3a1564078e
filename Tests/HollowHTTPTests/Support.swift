import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowHTTP
import HollowMQTT
import HollowProducer
import HollowTestSupport
import HollowZstd
import Synchronization

/// One reading of the test dataset.
struct Reading: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var value: Int64
}

/// The dataset of cycle `n`: 200 readings, `n` of them changed.
func readings(cycle n: Int64) -> [Reading] {
    (0..<200).map { id in Reading(id: id, value: id < n ? id * 1000 + n : id) }
}

/// A store in a temp directory written by a real producer (zstd blobs, a snapshot every 3 versions), served by a
/// real nginx.
struct ServedStore: Sendable {
    let path: String
    let nginx: NginxServer
    let producer: HollowProducer

    static func start(announcer: (any Announcer)? = nil) async throws -> ServedStore {
        let path = try makeTempDirectory(prefix: "hollow-http-store")
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: path, compressor: ZstdCompressor()), announcer: announcer,
            versionMinter: CountingVersionMinter(), numStatesBetweenSnapshots: 2)
        try await producer.initializeDataModel(Reading.self)
        return ServedStore(path: path, nginx: try await NginxServer.start(serving: path), producer: producer)
    }

    /// Publishes cycle `n`'s data; returns the version.
    @discardableResult
    func publish(cycle n: Int64) async throws -> Int64 {
        try await producer.runCycle { state in for r in readings(cycle: n) { try state.add(r) } }
    }

    /// A retriever over nginx with fast retries (tests wait for outcomes, not for backoff).
    func retriever(maxAttempts: Int = 3) throws -> HTTPBlobRetriever {
        try HTTPBlobRetriever(
            url: nginx.url, decompressors: [ZstdCompressor()],
            configuration: .init(
                requestTimeout: .seconds(10), maxAttempts: maxAttempts, initialBackoff: .milliseconds(50),
                maxBackoff: .milliseconds(250)))
    }

    /// The state of `version` read from the directory itself, for comparison.
    func stateOnDisk(_ version: Int64) async throws -> ReadState {
        try await ReadState.load(
            version: version, from: FilesystemBlobRetriever(path: path, decompressors: [ZstdCompressor()]))
    }

    func stop() async {
        await nginx.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The `value` of every reading in `state`, by id.
func values(_ state: ReadState?) throws -> [Int64: Int64] {
    guard let state else { return [:] }
    var out: [Int64: Int64] = [:]
    for record in try HollowObjectMapper().readAll(Reading.self, from: state) { out[record.id] = record.value }
    return out
}

/// Records refresh outcomes with their errors.
final class OutcomeRecorder: RefreshListener {
    private let state = Mutex<(ok: [Int64], failures: [String])>(([], []))
    var successes: [Int64] { state.withLock { $0.ok } }
    var failures: [String] { state.withLock { $0.failures } }

    func refreshSuccessful(beforeVersion: Int64?, version: Int64, requestedVersion: Int64, duration: Duration, isPinned: Bool) {
        state.withLock { $0.ok.append(version) }
    }

    func refreshFailed(currentVersion: Int64?, requestedVersion: Int64, error: any Error) {
        state.withLock { $0.failures.append("\(error)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Polls `condition` every 20 ms until it holds; throws after `timeout` with `what` (bounded wait).
func eventually(_ what: @autoclosure () -> String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("not within \(timeout): \(what())") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// MQTT client settings for tests: reconnect every second, short keepalive.
func testConfiguration(_ broker: MosquittoBroker, id: String) -> MQTTClientConfiguration {
    var c = MQTTClientConfiguration(
        host: broker.host, port: broker.port, clientID: "\(id)-\(UInt32.random(in: 0...UInt32.max))")
    c.reconnectDelayMin = 1
    c.reconnectDelayMax = 1
    c.keepAliveSeconds = 10
    return c
}
