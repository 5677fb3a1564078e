import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import Testing

/// A movie whose cast is its own (no actor is shared), so removing movies leaves holes in every type.
struct CastMember: Codable, Hashable, Sendable, HollowTypeConfiguration {
    var id: Int64
    var name: String
}

struct Feature: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var title: String
    var cast: [CastMember]
}

func features(_ ids: [Int64]) -> [Feature] {
    ids.map { id in
        Feature(id: id, title: "Feature \(id)", cast: (0..<3).map { k in CastMember(id: id * 10 + k, name: "Member \(id * 10 + k)") })
    }
}

/// Every record of every type, following references, sorted: equal for two states with the same data
/// whatever their ordinals.
func recordsByContent(_ state: ReadState) throws -> [String: [String]] {
    var out: [String: [String]] = [:]
    for name in state.typeNames { out[name] = try HollowJSONAdapter.jsonLines(of: name, in: state).sorted() }
    return out
}

@Suite("HollowProducer.runCompactionCycle")
struct CompactionCycleTests {
    static let all = (Int64(1)...Int64(1000)).map { $0 }
    /// 30% of the records removed, spread over the ordinal space.
    static let kept = all.filter { $0 % 10 >= 3 }

    @Test("a state with 30% holes is compacted by successive cycles; consumers follow them as deltas")
    func compactsHoles() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
            versionMinter: CountingVersionMinter(), numStatesBetweenSnapshots: 100)
        try await producer.initializeDataModel(Feature.self)
        try await producer.runCycle { s in for f in features(Self.all) { try s.add(f) } }
        try await producer.runCycle { s in for f in features(Self.kept) { try s.add(f) } }
        let holey = try #require(await producer.readState)
        for name in ["Feature", "CastMember", "ListOfCastMember"] {
            let stats = try #require(holey.holeStatistics(of: name))
            #expect(stats.holePercentage > 25, "\(name): \(stats)")
        }
        let expected = try recordsByContent(holey)

        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(2)
        let config = CompactionConfig(minCandidateHoleCostInBytes: 0, minCandidateHolePercentage: 10)
        var compactions: [Int64] = []
        for _ in 0..<6 {
            guard let version = try await producer.runCompactionCycle(config) else { break }
            compactions.append(version)
            #expect(files(dir).isSuperset(of: ["delta-\(version - 1)-\(version)", "reversedelta-\(version)-\(version - 1)"]))
            try await consumer.triggerRefresh()
            #expect(consumer.currentVersion == version)
            let state = try #require(consumer.readState)
            #expect(try recordsByContent(state) == expected, "compaction state \(version) changed the data")
            #expect(state.canonicalJSON() == (try #require(await producer.readState).canonicalJSON()))
        }
        // CastMember first (the list type and Feature depend on it); the lists and features rewritten to point at
        // the moved members fill their types' holes on the way, so one or two more states at most.
        #expect(!compactions.isEmpty && compactions.count <= 3, "\(compactions)")
        #expect(try await producer.runCompactionCycle(config) == nil)
        let compacted = try #require(await producer.readState)
        for name in compacted.typeNames {
            let stats = try #require(compacted.holeStatistics(of: name))
            #expect(stats.holePercentage <= 10, "\(name): \(stats)")
        }
        #expect(consumer.metrics.snapshotLoads == 1)
        #expect(consumer.metrics.deltasApplied == 1 + compactions.count)

        // The next real cycle's snapshot no longer carries the holes.
        let next = try await producer.runCycle { s in for f in features(Self.kept + [5000]) { try s.add(f) } }
        let state = try #require(await producer.readState)
        let space = try #require(state.holeStatistics(of: "Feature")).ordinalSpace
        #expect(space < Self.all.count * 8 / 10, "Feature ordinal space \(space) after compaction (\(Self.all.count) before)")
        #expect(next == compactions.last! + 1)
    }

    @Test("no type meets the criteria: nothing is published")
    func criteriaNotMet() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
            versionMinter: CountingVersionMinter())
        let config = CompactionConfig(minCandidateHoleCostInBytes: 0, minCandidateHolePercentage: 10)
        #expect(try await producer.runCompactionCycle(config) == nil, "nothing announced yet")
        try await producer.initializeDataModel(Feature.self)
        try await producer.runCycle { s in for f in features(Self.all) { try s.add(f) } }
        try await producer.runCycle { s in for f in features(Self.kept) { try s.add(f) } }
        let published = files(dir)
        // 30% holes: above a 40% threshold nothing happens, and a byte threshold above the holes' cost too.
        #expect(try await producer.runCompactionCycle(.init(minCandidateHoleCostInBytes: 0, minCandidateHolePercentage: 40)) == nil)
        #expect(try await producer.runCompactionCycle(.init(minCandidateHoleCostInBytes: 1 << 30, minCandidateHolePercentage: 0)) == nil)
        #expect(files(dir) == published)
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir) == 2)
        // A full state (no holes) is never compacted.
        try await producer.runCycle { s in for f in features(Self.all) { try s.add(f) } }
        #expect(try await producer.runCompactionCycle(config) == nil)
    }

    @Test("a restored producer compacts the restored state and continues its chain")
    func compactAfterRestore() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let first = HollowProducer(
                publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
                versionMinter: CountingVersionMinter())
            try await first.initializeDataModel(Feature.self)
            try await first.runCycle { s in for f in features(Self.all) { try s.add(f) } }
            try await first.runCycle { s in for f in features(Self.kept) { try s.add(f) } }
        }
        let second = HollowProducer(
            publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
            versionMinter: CountingVersionMinter())
        try await second.initializeDataModel(Feature.self)
        let restored = try await second.restore(version: 2, retriever: try FilesystemBlobRetriever(path: dir))
        let expected = try recordsByContent(restored)
        let version = try #require(
            try await second.runCompactionCycle(.init(minCandidateHoleCostInBytes: 0, minCandidateHolePercentage: 10)))
        #expect(version == 3)
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(2)
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.metrics.deltasApplied == 1)
        #expect(try recordsByContent(try #require(consumer.readState)) == expected)
    }
}
