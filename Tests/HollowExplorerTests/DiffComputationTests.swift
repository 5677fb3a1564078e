import Foundation
import HollowCore
import Hummingbird
import NIOCore
@testable import HollowExplorer
import Synchronization
import Testing

/// Loads states with ``ReadStateLoader`` but hides their randomized tags, so diffs compare every record (the path
/// for states not joined by a delta).
struct UntaggedLoader: ExplorerStateLoader {
    let inner = ReadStateLoader()

    struct View: ExplorerStateView {
        let base: any ExplorerStateView
        var version: Int64 { base.version }
        var headerTags: [String: String] { base.headerTags }
        var typeNames: [String] { base.typeNames }
        func schema(of type: String) -> HollowSchema? { base.schema(of: type) }
        func populatedOrdinals(of type: String) -> [Int] { base.populatedOrdinals(of: type) }
        func maxOrdinal(of type: String) -> Int { base.maxOrdinal(of: type) }
        func footprint(of type: String) -> Int? { base.footprint(of: type) }
        func record(of type: String, ordinal: Int) -> ExplorerRecord? { base.record(of: type, ordinal: ordinal) }
        func field(of type: String, ordinal: Int, index: Int) -> ExplorerFieldValue? {
            base.field(of: type, ordinal: ordinal, index: index)
        }
    }

    func state(at version: Int64, from store: any BlobStore) async throws -> any ExplorerStateView {
        View(base: try await inner.state(at: version, from: store))
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite("Diffs: states joined by a delta match only what changed; concurrent first requests share one computation")
struct DiffComputationTests {
    static func explorer(_ store: String, _ loader: any ExplorerStateLoader) -> Explorer {
        Explorer(configuration: .init(store: DirectoryStore(directory: Fixtures.store(store)), loader: loader))
    }

    /// Only neighbours joined by a delta (or the same state) share ordinals; versions two deltas apart do not.
    @Test func statesJoinedByADeltaShareOrdinals() async throws {
        let e = Self.explorer("kitchensink", ReadStateLoader())
        let inv = try await e.inventory()
        let s1 = try await e.state(1, inv), s2 = try await e.state(2, inv), s3 = try await e.state(3, inv)
        #expect(await e.sharesOrdinals(s1, s2))
        #expect(await e.sharesOrdinals(s2, s1))
        #expect(await e.sharesOrdinals(s3, s2))
        #expect(await e.sharesOrdinals(s2, s2))
        #expect(await !e.sharesOrdinals(s1, s3))
        let untagged = Self.explorer("kitchensink", UntaggedLoader())
        let u1 = try await untagged.state(1, inv), u2 = try await untagged.state(2, inv)
        #expect(await !untagged.sharesOrdinals(u1, u2))
    }

    /// The diff that matches only the records populated on one side answers exactly what comparing every record
    /// answers, for every pair of versions, every type and page.
    @Test(arguments: ["kitchensink", "metrics", "sharded"])
    func matchingOnlyChangedRecordsGivesTheSameDiff(store: String) async throws {
        let tagged = Self.explorer(store, ReadStateLoader())
        let untagged = Self.explorer(store, UntaggedLoader())
        try await Harness.app(tagged).test(.router) { fast in
            try await Harness.app(untagged).test(.router) { full in
                for from in 1...3 {
                    for to in 1...3 {
                        for query in ["", "&limit=1", "&limit=1&offset=1", "&limit=1000"] {
                            let uri = "/api/diff?from=\(from)&to=\(to)" + query
                            let a = try await Harness.get(fast, uri)
                            let b = try await Harness.get(full, uri)
                            #expect(a.status == 200, "\(store) \(uri)")
                            #expect(a.text == b.text, "\(store) \(uri)")
                        }
                    }
                }
                // The neighbours' diffs did take the shared-ordinal path (the untagged explorer never can).
                let inv = try await tagged.inventory()
                #expect(await tagged.sharesOrdinals(try await tagged.state(1, inv), try await tagged.state(2, inv)))
            }
        }
    }

    /// Two first requests for the same key: the second waits for the first's computation instead of starting its
    /// own. The computation is held at a gate until the second request is waiting, so the overlap is certain.
    @Test func concurrentFirstRequestsShareOneComputation() async throws {
        let cache = SingleFlightCache<[Int64], Int>(capacity: 8)
        let computations = Counter()
        let (entered, enteredInput) = AsyncStream.makeStream(of: Void.self)
        let (gate, gateInput) = AsyncStream.makeStream(of: Void.self)
        async let first = cache.value(for: [1, 2]) {
            computations.add()
            enteredInput.yield()
            for await _ in gate { break }
            return 42
        }
        for await _ in entered { break }
        async let second = cache.value(for: [1, 2]) {
            computations.add()
            return -1
        }
        // Bounded wait until the second request is queued behind the first.
        for _ in 0..<2000 where cache.waiting(for: [1, 2]) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(cache.waiting(for: [1, 2]) == 1)
        gateInput.yield()
        let (a, b) = await (first, second)
        #expect(a.value == 42 && a.source == .computed)
        #expect(b.value == 42 && b.source == .awaited)
        #expect(computations.value == 1)
        // Later requests are answered from the cache; another key is computed.
        #expect(await cache.value(for: [1, 2]) { -1 } == (42, .cached))
        #expect(await cache.value(for: [2, 3]) { 7 } == (7, .computed))
    }

    /// The cache keeps the newest `capacity` keys.
    @Test func theCacheKeepsTheNewestKeys() async {
        let cache = SingleFlightCache<Int, Int>(capacity: 2)
        for k in 1...3 { _ = await cache.value(for: k) { k * 10 } }
        #expect(await cache.value(for: 3) { -1 } == (30, .cached))
        #expect(await cache.value(for: 1) { -1 } == (-1, .computed))
    }

    /// Two concurrent first requests over HTTP: both answer the same diff; at most one of them computed it.
    @Test func concurrentDiffRequestsAnswerTheSame() async throws {
        try await Harness.app(Self.explorer("kitchensink", ReadStateLoader())).test(.router) { client in
            async let a = Harness.get(client, "/api/diff?from=1&to=3")
            async let b = Harness.get(client, "/api/diff?from=1&to=3")
            let (ra, rb) = try await (a, b)
            #expect(ra.status == 200 && rb.status == 200)
            let cached = [ra, rb].map { $0.json["cached"] as? Bool }
            #expect(cached.filter { $0 == false }.count == 1)
            #expect(ra.text.replacingOccurrences(of: "\"cached\":true", with: "\"cached\":false")
                == rb.text.replacingOccurrences(of: "\"cached\":true", with: "\"cached\":false"))
        }
    }
}

/// A state held in memory: a LIST of `Actor {name, age}` records (tests of the side-by-side view).
struct MemoryStateView: ExplorerStateView {
    var version: Int64
    var headerTags: [String: String] { [:] }
    var typeNames: [String] { ["Actor", "ListOfActor"] }
    var actorKey: [String]?
    var actors: [(String, Int64)]
    var lists: [[Int]]

    func schema(of type: String) -> HollowSchema? {
        switch type {
        case "Actor":
            .object(HollowObjectSchema(
                name: "Actor", fields: [.init(name: "name", type: .string), .init(name: "age", type: .int)], primaryKey: actorKey))
        case "ListOfActor": .list(HollowListSchema(name: "ListOfActor", elementType: "Actor"))
        default: nil
        }
    }
    func populatedOrdinals(of type: String) -> [Int] { Array(0...maxOrdinal(of: type)) }
    func maxOrdinal(of type: String) -> Int { (type == "Actor" ? actors.count : lists.count) - 1 }
    func footprint(of type: String) -> Int? { nil }
    func record(of type: String, ordinal: Int) -> ExplorerRecord? {
        guard ordinal >= 0, ordinal <= maxOrdinal(of: type) else { return nil }
        if type == "ListOfActor" { return .list(lists[ordinal]) }
        return .object([.string(actors[ordinal].0), .int(actors[ordinal].1)])
    }
}

@Suite("Side by side: unequal LIST elements are paired as Java's diff UI pairs them")
struct ElementPairingTests {
    static let from: [(String, Int64)] = [("Bob", 40), ("Eve", 60), ("Ann", 30)]
    static let to: [(String, Int64)] = [("Dee", 20), ("Ann", 30), ("Bob", 41)]

    static func rows(key: [String]?) -> [String: String] {
        let a = LoadedState(MemoryStateView(version: 1, actorKey: key, actors: from, lists: [[0, 1, 2]]))
        let b = LoadedState(MemoryStateView(version: 2, actorKey: key, actors: to, lists: [[0, 1, 2]]))
        let rows = SideBySide.rows(type: "ListOfActor", from: a, 0, to: b, 0).rows
        return Dictionary(rows.map { ($0.path, $0.status.rawValue) }, uniquingKeysWith: { x, _ in x })
    }

    /// Without a primary key: the least different elements pair up (Bob 40 → Bob 41, one leaf apart); elements with
    /// no leaf in common (Eve, Dee) are removed and added, not paired in order.
    @Test func leastDifferentFirst() {
        let rows = Self.rows(key: nil)
        #expect(rows["[…]"] == "same")  // Ann, equal
        #expect(rows["[0→2]"] == "changed")
        #expect(rows["[0→2].age"] == "changed")
        #expect(rows["[0→2].name"] == "same")
        #expect(rows["[1]"] == "removed")
        #expect(rows["[0]"] == "added")
        #expect(rows.count == 6)
    }

    /// With a primary key on the element type, elements pair by key (Java's match hint).
    @Test func byPrimaryKey() {
        let rows = Self.rows(key: ["name"])
        #expect(rows["[0→2]"] == "changed")
        #expect(rows["[1]"] == "removed")
        #expect(rows["[0]"] == "added")
    }
}
