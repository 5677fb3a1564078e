import Foundation
import HollowCore
import HollowFilesystem
import HollowZstd
import Testing

/// Naming a store (root + optional namespace), and loading versions through HollowCore's one `StateLoader`.
struct StoreLocationTests {
    @Test func aMissingStoreOrNamespaceIsAnErrorNamingIt() throws {
        let temp = try TempDirectory()
        let missing = try FilesystemStoreLocation(path: temp.file("nowhere"))
        #expect(!missing.exists)
        #expect(throws: FilesystemStoreError.self) { try missing.requireExisting() }
        do { try missing.requireExisting() } catch {
            #expect(error.message == "no store at \(temp.file("nowhere")): the directory does not exist")
            #expect(error.code == .notFound)
        }
        try FileManager.default.createDirectory(atPath: temp.file("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: temp.file("b"), withIntermediateDirectories: true)
        let root = try FilesystemStoreLocation(path: temp.path)
        try root.requireExisting()
        #expect(root.directory == temp.path)
        #expect(root.namespaces() == ["a", "b"])
        let wrong = try FilesystemStoreLocation(path: temp.path, namespace: "c")
        do { try wrong.requireExisting() } catch {
            #expect(error.message == "no namespace c in the store \(temp.path): \(temp.file("c")) does not exist (it has: a, b)")
            #expect(error.path == temp.file("c"))
        }
        try FilesystemStoreLocation(path: temp.path, namespace: "a").requireExisting()
        #expect(throws: FilesystemStoreError.self) { try FilesystemStoreLocation(path: temp.path, namespace: "../x") }
        #expect(throws: FilesystemStoreError.self) { try FilesystemStoreLocation(path: "") }
    }

    /// Copies a Java fixture store, compresses some of its blobs, and removes the older snapshots: every version
    /// still loads (version 1 through snapshot 3 and reverse deltas) and matches Java's own dump.
    @Test(arguments: JavaFixtures.datasets)
    func everyVersionLoadsFromAMixedStoreWithOnlyTheNewestSnapshot(dataset: String) async throws {
        let temp = try TempDirectory()
        let source = "\(JavaFixtures.root)/\(dataset)"
        let zstd = ZstdCompressor()
        for name in try listNames(source) where !name.hasPrefix("expected-") {
            var bytes = try readRaw("\(source)/\(name)")
            var target = name
            if ["delta-2-3", "reversedelta-2-1", "snapshot-3"].contains(name) {
                bytes = try zstd.compress(bytes)
                target += ".zst"
            }
            try writeRaw(temp.file(target), bytes)
        }
        try FileManager.default.removeItem(atPath: temp.file("snapshot-1"))
        try FileManager.default.removeItem(atPath: temp.file("snapshot-2"))

        let retriever = try FilesystemStoreLocation(path: temp.path).retriever(decompressors: [zstd])
        let loader = StateLoader(retriever: retriever)
        for version in Int64(1)...3 {
            let expected = try String(contentsOfFile: "\(source)/expected-\(version).json", encoding: .utf8)
            let loaded = try await loader.load(version: version)
            #expect(loaded.plan.snapshot?.toVersion == 3)
            #expect(loaded.plan.transitions.map(\.type) == Array(repeating: .reverseDelta, count: Int(3 - version)))
            #expect(Self.canonical(loaded.state) == expected, "\(dataset) \(version)")
            let viaHelper = try await ReadState.load(version: version, from: retriever)
            #expect(Self.canonical(viaHelper) == expected)
        }
        // An explicit starting snapshot walks the chain in either direction however long it is.
        let back = try await loader.load(version: 1, fromSnapshot: 3)
        #expect(Self.canonical(back.state) == (try String(contentsOfFile: "\(source)/expected-1.json", encoding: .utf8)))
        await #expect(throws: RefreshError.self) { try await loader.load(version: 2, fromSnapshot: 1) }
        await #expect(throws: RefreshError.self) { try await loader.load(version: 9) }
        // Moving a loaded state: forward by a compressed delta.
        let two = try await loader.load(version: 2)
        let three = try await loader.update(two.state, at: 2, to: 3)
        #expect(three.plan.snapshot == nil)
        #expect(three.plan.transitions.map(\.fileName) == ["delta-2-3"])
    }

    @Test func blobsAreFoundByNameWithOrWithoutTheirSuffix() async throws {
        let temp = try TempDirectory()
        let source = "\(JavaFixtures.root)/metrics"
        let zstd = ZstdCompressor()
        try writeRaw(temp.file("snapshot-1"), try readRaw("\(source)/snapshot-1"))
        try writeRaw(temp.file("delta-1-2.zst"), try zstd.compress(try readRaw("\(source)/delta-1-2")))
        let retriever = try FilesystemBlobRetriever(path: temp.path, decompressors: [zstd])
        #expect(try await retriever.blob(named: "snapshot-1")?.bytes() == (try readRaw("\(source)/snapshot-1")))
        #expect(try await retriever.blob(named: "delta-1-2")?.bytes() == (try readRaw("\(source)/delta-1-2")))
        #expect(try await retriever.blob(named: "delta-1-2.zst")?.bytes() == (try readRaw("\(source)/delta-1-2")))
        #expect(try retriever.blob(named: "snapshot-1.zst") == nil)
        #expect(try retriever.blob(named: "snapshot-2") == nil)
        #expect(throws: FilesystemStoreError.self) { try retriever.blob(named: "README") }

        // The store as tools browse it: inventory and announcement.
        let store: any BlobStore = retriever
        let names = try await store.inventory().map(\.name).sorted()
        #expect(names == ["delta-1-2.zst", "snapshot-1"])
        #expect(try await store.announcedVersion() == nil)
        #expect(store.location == temp.path)
    }

    static func canonical(_ state: ReadState) -> String {
        var out: [UInt8] = []
        state.writeCanonicalJSON { out += $0 }
        return String(decoding: out, as: UTF8.self)
    }
}
