import HollowCore
import HollowTestSupport
import Testing

/// The large Java fixtures (200k records) dump with the SHA-256 Java's dump has. They live outside the
/// repository (`../shared/fixtures/java-hollow-large`); without them the suite says so and skips.
@Suite struct LargeFixtureTests {
    static let available: Bool = {
        fileExists(Paths.largeFixtures + "/large-movies/snapshot-1")
    }()

    static func expectedHashes(_ dataset: String) -> [String] {
        let text = String(decoding: readFile("\(Paths.largeFixtures)/\(dataset)/EXPECTED.sha256") ?? [], as: UTF8.self)
        return text.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// The SHA-256 of `state`'s canonical dump, by the system's `sha256sum` when there is one: the Swift
    /// ``SHA256`` built for debug hashes well under 1 MB/s, and these dumps are 78-111 MB each.
    static func dumpHash(_ state: ReadState) async throws -> String {
        if SHA256Sum.executablePath != nil {
            return try await SHA256Sum.hash { sink in state.writeCanonicalJSON(to: sink) }
        }
        print("LargeFixtureTests: no sha256sum on PATH, hashing in-process (slow in a debug build)")
        return try await onDedicatedThread {
            var sha = SHA256()
            state.writeCanonicalJSON { sha.update($0) }
            return sha.finalize()
        }
    }

    @Test func sha256KnownVector() {
        var sha = SHA256()
        sha.update(Array("abc".utf8))
        #expect(sha.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(.enabled(if: available, "the large fixtures are absent (they are not in the repository)")) func largeMovies() async throws {
        let dir = Paths.largeFixtures + "/large-movies"
        let hashes = Self.expectedHashes("large-movies")
        try #require(hashes.count == 2)
        let snapshot = try #require(readFile(dir + "/snapshot-1"))
        // Loads and dumps take tens of seconds in a debug build: off the cooperative pool (onDedicatedThread).
        let v1 = try await onDedicatedThread { try ReadState.load(snapshot: snapshot) }
        #expect(try await Self.dumpHash(v1) == hashes[0], "state 1 from snapshot-1")
        #expect(v1.loadedByteCount * 10 <= snapshot.count * 12, "loaded \(v1.loadedByteCount) bytes for a \(snapshot.count)-byte blob")
        let delta = try #require(readFile(dir + "/delta-1-2"))
        let v2 = try await onDedicatedThread { try v1.applying(delta: delta) }
        #expect(try await Self.dumpHash(v2) == hashes[1], "state 2 from snapshot-1 + delta-1-2")
        let reverse = try #require(readFile(dir + "/reversedelta-2-1"))
        let back = try await onDedicatedThread { try v2.applying(reverseDelta: reverse) }
        #expect(try await Self.dumpHash(back) == hashes[0], "state 1 from state 2 + reversedelta-2-1")
    }

    @Test(.enabled(if: available, "the large fixtures are absent (they are not in the repository)")) func largeMetrics() async throws {
        let dir = Paths.largeFixtures + "/large-metrics"
        let hashes = Self.expectedHashes("large-metrics")
        try #require(hashes.count == 1)
        let snapshot = try #require(readFile(dir + "/snapshot-1"))
        let v1 = try await onDedicatedThread { try ReadState.load(snapshot: snapshot) }
        #expect(try await Self.dumpHash(v1) == hashes[0])
        #expect(v1.loadedByteCount * 10 <= snapshot.count * 12, "loaded \(v1.loadedByteCount) bytes for a \(snapshot.count)-byte blob")
    }
}
