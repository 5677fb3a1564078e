import Foundation
import Testing

/// `hollow inspect` summarises each kind of blob and names what is wrong with a bad one.
@Suite(.enabled(if: DumpCLI.binary != nil, "the hollow binary is not built next to the test bundle"))
struct InspectTests {
    @Test func snapshot() async throws {
        let r = try await DumpCLI.run(["inspect", "--store", "\(DumpCLI.fixtures)/kitchensink", "snapshot-1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("kind: snapshot"))
        #expect(r.stdout.contains("origin tag: -1"))
        #expect(r.stdout.contains("hollow.schema.hash = "))
        #expect(r.stdout.contains("Movie [OBJECT] records "))
        #expect(r.stdout.contains("EmptyType [OBJECT] records 0, shards 1, max ordinal -1"))
        #expect(r.stdout.contains("schema: SetOfAward Set<Award> @HashKey(name);"))
    }

    @Test func deltasAndHeaders() async throws {
        let delta = try await DumpCLI.run(["inspect", "--store", "\(DumpCLI.fixtures)/sharded", "delta-1-2"])
        #expect(delta.status == 0)
        #expect(delta.stdout.contains("kind: delta"))
        #expect(delta.stdout.contains("hollow.type.resharding.invoked"))
        #expect(delta.stdout.contains("added "))
        let reverse = try await DumpCLI.run(["inspect", "--store", "\(DumpCLI.fixtures)/sharded", "reversedelta-2-1"])
        #expect(reverse.stdout.contains("kind: reverse delta"))
        #expect(reverse.stdout.contains("to version: 1"))
        let header = try await DumpCLI.run(["inspect", "--store", "\(DumpCLI.fixtures)/metrics", "header-2"])
        #expect(header.status == 0)
        #expect(header.stdout.contains("kind: header"))
        #expect(header.stdout.contains("types: 0"))
    }

    @Test func badBlob() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write("not a blob at all", dir, "snapshot-1")
        let r = try await DumpCLI.run(["inspect", "--store", dir.path, "snapshot-1"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("not a Hollow blob"))
        let missing = try await DumpCLI.run(["inspect", "--store", "\(DumpCLI.fixtures)/metrics", "snapshot-99"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("has no blob snapshot-99"), "\(missing.stderr)")
        let notABlob = try await DumpCLI.run(["inspect", "--store", "\(DumpCLI.fixtures)/metrics", "README"])
        #expect(notABlob.status != 0)
        #expect(notABlob.stderr.contains("README is not a blob name"), "\(notABlob.stderr)")
    }
}
