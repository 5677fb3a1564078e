import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import Testing

/// A consumer with a filter (`HollowFilterConfig`) walks a chain with deltas and reverse deltas and holds what
/// Java's filtered reader holds (Tests/HollowCoreTests/Fixtures/filtered).
@Suite("Filtered HollowConsumer")
struct FilteredConsumerTests {
    static func expected(_ name: String) throws -> String {
        try String(contentsOfFile: JavaStores.root + "/../filtered/" + name, encoding: .utf8)
    }

    @Test("walks 1→2→3→2 with deltas and reverse deltas, as Java's filtered reader")
    func walksAChain() async throws {
        var filter = HollowFilterConfig.excluding(["SetOfAward", "Award"])
        for field in ["awards", "poster", "tagline"] { filter.addField(field, of: "Movie") }
        let consumer = HollowConsumer(
            blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("kitchensink")), filter: filter)
        #expect(consumer.filter == filter)
        for version in [1, 2, 3, 2] {
            try await consumer.triggerRefreshTo(Int64(version))
            let state = try #require(consumer.readState)
            #expect(state.canonicalJSON() == (try Self.expected("kitchensink-\(version).json")), "v\(version)")
            #expect(state.loadedByteCount(ofType: "Award") == nil)
        }
        #expect(consumer.metrics.snapshotLoads == 1)
    }

    @Test("a filter that drops a referenced type fails the refresh with filterRefused")
    func refusesBadFilter() async throws {
        let consumer = HollowConsumer(
            blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("metrics")), filter: .excluding(["String"]))
        let error = await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(1) }
        #expect(error?.code == .filterRefused)
        #expect(error?.message.contains("the filter drops type String, which ") == true, "\(error?.message ?? "")")
        #expect(consumer.readState == nil)
    }
}
