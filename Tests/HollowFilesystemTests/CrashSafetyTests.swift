import Foundation
import HollowCore
import HollowFilesystem
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Crash safety: a publisher killed with SIGKILL at random points never leaves a partial blob under a final
/// name, and `announced.version` always names a complete snapshot.
///
/// Design: the test re-runs its own test executable (`/proc/self/exe`, the SwiftPM test runner) filtered to
/// the single test `crashChildPublisher`, with `HOLLOW_FS_CRASH_CHILD_DIR` set. In that process the child test
/// publishes self-checking blobs through the real `FilesystemPublisher`/`FilesystemAnnouncer` in an endless
/// loop (snapshots of up to 3 MiB, written in 1 MiB chunks, so kills land inside writes, fsyncs and renames).
/// The parent waits until the child has published at least one new version, sleeps a random 0-300 ms, sends
/// SIGKILL, checks every file in the store, and runs the storage cleaner (keeping 2 snapshots) so the store
/// stays small. This needs no extra executable and runs exactly our code.
/// What it cannot show: durability across power loss (SIGKILL keeps the page cache; the fsyncs are what
/// cover that case, and only a real power cut tests them).
@Suite struct CrashSafetyTests {
    static let childDirectoryVariable = "HOLLOW_FS_CRASH_CHILD_DIR"
    static let isChild = ProcessInfo.processInfo.environment[childDirectoryVariable] != nil

    @Test(.enabled(if: !isChild), .timeLimit(.minutes(3)))
    func sigkillAtRandomPointsNeverLeavesAPartialBlob() async throws {
        let dir = try TempDirectory("hollow-fs-crash")
        let runner = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var killedMidWrite = 0
        var highestAnnounced: Int64 = 0
        let rounds = 40
        for round in 0..<rounds {
            let before = try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path) ?? 0
            let result = try await Subprocess.run(
                .path(FilePath(runner)),
                arguments: ["--testing-library", "swift-testing", "--filter", "crashChildPublisher"],
                environment: .inherit.updating([.init(rawValue: Self.childDirectoryVariable)!: dir.path]),
                input: .none, output: .discarded, error: .discarded
            ) { execution in
                // Wait (bounded) until the child announced a new version: it is then inside its loop.
                var waited = 0
                while try (FilesystemAnnouncer.readAnnouncedVersion(path: dir.path) ?? 0) <= before, waited < 120_000 {
                    try await Task.sleep(for: .milliseconds(5))
                    waited += 5
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...300)))
                try execution.send(signal: .kill)
            }
            #expect(result.terminationStatus == .signaled(SIGKILL), "round \(round): child did not die by SIGKILL")
            let check = try verifyStore(dir.path)
            if !check.temporaryFiles.isEmpty { killedMidWrite += 1 }
            let announced = try #require(try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path))
            #expect(announced > before, "round \(round): the child never announced a new version")
            highestAnnounced = announced
            // A consumer's view: the announced snapshot loads and is intact.
            let retriever = try FilesystemBlobRetriever(path: dir.path)
            let snapshot = try #require(try await retriever.retrieveSnapshotBlob(desiredVersion: announced))
            #expect(snapshot.toVersion == announced)
            #expect(CrashPayload.verify(try await snapshot.bytes(), name: "snapshot-\(announced)") != nil)
            try FilesystemBlobStorageCleaner(path: dir.path, numberOfSnapshotsToKeep: 2, staleTempFileAge: .zero).clean()
        }
        print(
            "crash test: \(rounds) SIGKILLs, reached version \(highestAnnounced), \(killedMidWrite) kills left a "
                + "temp file (killed mid-write), no partial blob under a final name")
    }

    struct StoreCheck {
        var blobs = 0
        var temporaryFiles: [String] = []
    }

    /// Every file under a final name must be complete and belong to that name.
    func verifyStore(_ directory: String) throws -> StoreCheck {
        var check = StoreCheck()
        for name in try listNames(directory) {
            if name.hasPrefix(".") {
                check.temporaryFiles.append(name)
                continue
            }
            if name == "announced.version" { continue }
            let bytes = try readRaw(directory + "/" + name)
            if name == StoreIndex.fileName {
                // The index is written the same way: always whole, never a part.
                #expect((try? StoreIndex(parsing: bytes)) != nil, "\(name) (\(bytes.count) bytes) is not a whole index")
                continue
            }
            #expect(CrashPayload.verify(bytes, name: name) != nil, "\(name) (\(bytes.count) bytes) is not complete")
            check.blobs += 1
        }
        return check
    }

    /// The child: publishes until killed (or 2 minutes pass, so an orphan cannot run forever).
    @Test(.enabled(if: isChild, "runs only as the child process of sigkillAtRandomPointsNeverLeavesAPartialBlob"))
    func crashChildPublisher() async throws {
        let dir = try #require(ProcessInfo.processInfo.environment[Self.childDirectoryVariable])
        let publisher = try FilesystemPublisher(path: dir)
        let announcer = try FilesystemAnnouncer(path: dir)
        var version = (try FilesystemAnnouncer.readAnnouncedVersion(path: dir) ?? 0) + 1
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            func publish(_ type: BlobType, from: Int64? = nil, size: Int) async throws {
                let blob = Blob(type: type, fromVersion: from, toVersion: version, bytes: [])
                try publisher.publish(blob, bytes: CrashPayload.make(name: blob.fileName, generation: version, size: size))
            }
            try await publish(.snapshot, size: Int.random(in: 256...3072) << 10)
            if version > 1 {
                try await publish(.delta, from: version - 1, size: Int.random(in: 1...256) << 10)
            }
            try await publish(.header, size: 1000)
            // Re-publish (overwrite) a blob under an existing name every cycle.
            let again = Blob(type: .delta, fromVersion: 0, toVersion: 1, bytes: [])
            try publisher.publish(again, bytes: CrashPayload.make(name: again.fileName, generation: version, size: 300 << 10))
            try await announcer.announce(version: version)
            version += 1
        }
    }
}

/// Self-checking blob content: `HFSCRASH`, generation, total length, hash of the file name, filler, `HFSCRASH`.
/// A file cut short (the only thing a non-atomic write could leave) fails the length check; a file written for
/// another name fails the name check. Cheap to make, so the child spends its time in file I/O.
enum CrashPayload {
    static let magic = Array("HFSCRASH".utf8)

    static func make(name: String, generation: Int64, size: Int) -> [UInt8] {
        var bytes = magic
        append(UInt64(bitPattern: generation), to: &bytes)
        append(UInt64(size), to: &bytes)
        append(fnv(Array(name.utf8)), to: &bytes)
        bytes += [UInt8](repeating: UInt8(truncatingIfNeeded: generation), count: size - bytes.count - magic.count)
        bytes += magic
        return bytes
    }

    /// The generation if `bytes` is a complete payload made for `name`.
    static func verify(_ bytes: [UInt8], name: String) -> Int64? {
        guard bytes.count >= 40, bytes.starts(with: magic), bytes.suffix(8).elementsEqual(magic) else { return nil }
        guard read(bytes, at: 16) == UInt64(bytes.count), read(bytes, at: 24) == fnv(Array(name.utf8)) else {
            return nil
        }
        return Int64(bitPattern: read(bytes, at: 8))
    }

    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func read(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << UInt64($1 * 8) }
    }

    static func fnv(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}
