import Foundation
import HollowCore
import HollowExplorer
import Hummingbird
import NIOCore
import Testing

/// A store the test publishes itself (write engine → snapshot / delta / reverse delta files), then explores.
@Suite("Explorer over a store the test publishes")
struct PublishedStoreTests {
    struct Item: Codable, HollowTypeConfiguration {
        var id: Int32
        var name: String
        var price: Int64
        var tags: [String]
        static var hollowPrimaryKey: [String]? { ["id"] }
    }

    /// Publishes versions 10, 20, 30: 300 items; v20 changes item 2's price, removes 3, adds 1000; v30 renames 5.
    static func publish() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("explorer-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        let engine = HollowWriteStateEngine()
        let mapper = HollowObjectMapper(engine: engine)
        _ = try mapper.initializeTypeState(for: Item.self)
        var items = (1...300).map { Item(id: Int32($0), name: "item \($0)", price: Int64($0) * 100, tags: $0 % 2 == 0 ? ["even"] : ["odd", "x"]) }
        var previous: Int64?
        for version: Int64 in [10, 20, 30] {
            if version == 20 {
                items[1].price = 1
                items.removeAll { $0.id == 3 }
                items.append(Item(id: 1000, name: "new", price: 5, tags: []))
            }
            if version == 30 { items[3].name = "renamed" }
            for item in items { _ = try mapper.add(item) }
            engine.headerTags = ["hollow.blob.to.version": String(version)]
            try write("snapshot-\(version)", engine.writeSnapshot())
            if let p = previous {
                try write("delta-\(p)-\(version)", engine.writeDelta())
                try write("reversedelta-\(version)-\(p)", engine.writeReverseDelta())
            }
            engine.prepareForNextCycle()
            previous = version
        }
        try Data("30".utf8).write(to: URL(fileURLWithPath: dir + "/announced.version"))
        return dir
    }

    @Test func exploresThePublishedStore() async throws {
        let dir = try Self.publish()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Harness.app(Harness.explorer(dir)).test(.router) { client in
            let status = try await Harness.get(client, "/api/status")
            #expect(status.json["versions"] as? [Int] == [10, 20, 30])
            #expect(status.json.int("currentVersion") == 30)

            let types = try await Harness.get(client, "/api").json.array("types")
            let item = try #require(types.first { $0.string("name") == "Item" })
            #expect(item.int("records") == 300)
            #expect((item.int("footprintBytes") ?? 0) > 0)

            let byKey = try await Harness.get(client, "/api/types/Item/key?key=2&version=20")
            let price = byKey.json.array("fields").first { $0.string("name") == "price" }
            #expect(price?["value"] as? Int == 1)

            let diff = try await Harness.get(client, "/api/diff?from=10&to=20&type=Item")
            let d = try #require(diff.json.array("types").first)
            #expect(d.int("added") == 1 && d.int("removed") == 1 && d.int("changed") == 1)
            #expect(d.array("changedRecords").first?.array("changedFields").map { $0.string("field") } == ["price"])

            let history = try await Harness.get(client, "/api/types/Item/history?key=5")
            #expect(history.json.array("versions").map { $0.string("event") } == ["present", "unchanged", "changed"])

            let search = try await Harness.get(client, "/api/types/Item/search?field=name&match=prefix&value=item+29")
            #expect(search.json.int("total") == 11)

            // Version 20 reached by a reverse delta from 30 equals version 20 from its snapshot.
            let page = try await Harness.get(client, "/api/types/Item/records?version=20&limit=1000")
            #expect(page.json.int("total") == 300)
        }
        // Without snapshot-20 the explorer reaches 20 through a delta or a reverse delta.
        try FileManager.default.removeItem(atPath: dir + "/snapshot-20")
        try await Harness.app(Harness.explorer(dir)).test(.router) { client in
            let page = try await Harness.get(client, "/api/types/Item/key?key=2&version=20")
            #expect(page.status == 200)
            #expect(page.json.array("fields").first { $0.string("name") == "price" }?["value"] as? Int == 1)
        }
    }
}
