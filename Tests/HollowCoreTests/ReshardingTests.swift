import HollowCore
import Testing

/// A model with OBJECT, LIST, SET and MAP types, for resharding along a chain.
struct ReshardItem: Codable, HollowTypeConfiguration {
    static let hollowTypeName: String? = "Item"
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var name: String
    var parts: [Int32]
    var tags: HollowOrderedSet<String>
    var weights: HollowOrderedMap<String, Int64>

    /// `count` items; `salt` changes some names so consecutive states differ in more than their size.
    static func state(count: Int, salt: Int) -> [ReshardItem] {
        (0..<count).map { i in
            let id = Int64(i)
            return ReshardItem(
                id: id, name: "item \(i)" + (i % 5 == salt % 5 ? " v\(salt)" : ""), parts: (0..<(i % 4)).map { Int32($0 * i) },
                tags: HollowOrderedSet(["t\(i % 9)", "u\(i % 13)"]), weights: HollowOrderedMap([(key: "w\(i % 7)", value: id)]))
        }
    }
}

/// Sizes along a chain whose types grow past the shard target and shrink back, and the chain written by an engine
/// that allows resharding: per version its snapshot, and the delta / reverse delta from the version before.
struct ReshardChain {
    static let sizes = [40, 400, 1600, 4000, 1600, 400, 40]
    var snapshots: [[UInt8]] = []
    var deltas: [[UInt8]] = []
    var reverseDeltas: [[UInt8]] = []

    static func write(targetMaxTypeShardSize: Int = 4096) throws -> ReshardChain {
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: targetMaxTypeShardSize)
        engine.allowTypeResharding = true
        let mapper = HollowObjectMapper(engine: engine)
        var chain = ReshardChain()
        for (v, count) in sizes.enumerated() {
            for item in ReshardItem.state(count: count, salt: v) { try mapper.add(item) }
            engine.prepareForWrite()
            if v > 0 {
                chain.deltas.append(engine.writeDelta())
                chain.reverseDeltas.append(engine.writeReverseDelta())
            }
            chain.snapshots.append(engine.writeSnapshot())
            engine.prepareForNextCycle()
        }
        return chain
    }
}

@Suite struct ReshardingTests {
    @Test("shard counts go up and down along a chain; deltas and reverse deltas across them reproduce the snapshots")
    func chainAcrossShardCounts() throws {
        let chain = try ReshardChain.write()
        let states = try chain.snapshots.map { try ReadState.load(snapshot: $0) }
        let shards = states.map { s in ["Item", "ListOfInteger", "SetOfString", "MapOfStringToLong"].map { s.shardCount(of: $0) } }
        let itemShards = shards.map { $0[0] }
        // Up (at most doubling per version), then down (at most halving per version).
        #expect(itemShards.first == 1 && itemShards.max()! >= 4 && itemShards.last! < itemShards.max()!, "\(shards)")
        for (a, b) in zip(itemShards, itemShards.dropFirst()) { #expect(b == a || b == a * 2 || b * 2 == a, "\(itemShards)") }
        #expect(states.contains { $0.headerTags["hollow.type.resharding.invoked"]?.contains("Item:(") == true })

        var forward = states[0]
        for (i, delta) in chain.deltas.enumerated() {
            forward = try forward.applying(delta: delta)
            #expect(forward.canonicalJSONWithoutTags == states[i + 1].canonicalJSONWithoutTags, "forward to version \(i + 1) (\(shards[i]) → \(shards[i + 1]))")
            #expect(forward.shardCount(of: "Item") == itemShards[i + 1])
        }
        var back = forward
        for (i, reverse) in chain.reverseDeltas.enumerated().reversed() {
            back = try back.applying(reverseDelta: reverse)
            #expect(back.canonicalJSONWithoutTags == states[i].canonicalJSONWithoutTags, "back to version \(i)")
        }
    }

    @Test("without allowTypeResharding the first shard count stays, and a pinned count is kept")
    func noReshardingByDefault() throws {
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 4096)
        let mapper = HollowObjectMapper(engine: engine)
        var counts: [Int] = []
        for (v, count) in ReshardChain.sizes.enumerated() {
            for item in ReshardItem.state(count: count, salt: v) { try mapper.add(item) }
            counts.append(try ReadState.load(snapshot: engine.writeSnapshot()).shardCount(of: "Item"))
            engine.prepareForNextCycle()
        }
        #expect(Set(counts) == [1], "\(counts)")
    }
}

extension ReadState {
    func shardCount(of name: String) -> Int {
        objectType(name)?.shardCount ?? listType(name)?.shardCount ?? setType(name)?.shardCount ?? mapType(name)?.shardCount ?? -1
    }

    /// The dump without its first two lines (randomized tag, header tags).
    var canonicalJSONWithoutTags: String {
        canonicalJSON().split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).last.map(String.init) ?? ""
    }
}
