import Foundation
import HollowCore
import HollowExplorer
import Hummingbird
import HummingbirdTesting
import Testing

/// Helpers to run an explorer over a fixture store and read its JSON.
enum Harness {
    static var loader: any ExplorerStateLoader { ReadStateLoader() }

    static func explorer(
        _ store: String, operations: (any ExplorerOperations)? = nil, credentials: String? = nil
    ) -> Explorer {
        Explorer(configuration: .init(
            store: DirectoryStore(directory: store), loader: loader, namespace: "test", operations: operations,
            operatorCredentials: credentials))
    }

    static func app(_ explorer: Explorer) -> some ApplicationProtocol {
        Application(router: explorer.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    struct Reply {
        var status: Int
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> Reply {
        let r = try await client.execute(uri: uri, method: .get)
        return Reply(status: Int(r.status.code), text: String(buffer: r.body))
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, form: String, auth: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let auth { headers[.authorization] = "Basic " + Data(auth.utf8).base64EncodedString() }
        let r = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
        return Reply(status: Int(r.status.code), text: String(buffer: r.body))
    }
}

extension Dictionary where Key == String, Value == Any {
    func array(_ k: String) -> [[String: Any]] { self[k] as? [[String: Any]] ?? [] }
    func dict(_ k: String) -> [String: Any] { self[k] as? [String: Any] ?? [:] }
    func int(_ k: String) -> Int? { (self[k] as? NSNumber)?.intValue }
    func string(_ k: String) -> String? { self[k] as? String }
}

@Suite("Explorer JSON API over the Java fixture stores")
struct ExplorerAPITests {
    @Test func typesWithCountsAndSchemas() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let r = try await Harness.get(client, "/api")
            #expect(r.status == 200)
            #expect(r.json.int("version") == 3)
            let types = r.json.array("types")
            #expect(types.map { $0.string("name") ?? "" } == [
                "Actor", "Award", "Country", "EmptyType", "Genre", "Integer", "Language", "ListOfActor",
                "MapOfCountryToReleaseInfo", "MapOfLanguageToString", "Movie", "ReleaseInfo", "SetOfAward", "SetOfGenre",
                "String", "Studio",
            ].filter { name in types.contains { $0.string("name") == name } })
            let movie = try #require(types.first { $0.string("name") == "Movie" })
            #expect(movie.string("kind") == "OBJECT")
            #expect(movie["primaryKey"] as? [String] == ["id"])
            let empty = try #require(types.first { $0.string("name") == "EmptyType" })
            #expect(empty.int("records") == 0)

            let t = try await Harness.get(client, "/api/types/Movie?version=1")
            #expect(t.status == 200)
            #expect(t.json.int("records") == 4)
            let fields = t.json.dict("schema").array("fields")
            #expect(fields.first?.string("name") == "id")
            #expect(fields.contains { $0.string("name") == "studio" && $0.string("referencedType") == "Studio" })
        }
    }

    @Test func recordsPagedAndOneRecordExpanded() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let page = try await Harness.get(client, "/api/types/Movie/records?version=1&offset=1&limit=2")
            #expect(page.status == 200)
            #expect(page.json.int("total") == 4)
            let records = page.json.array("records")
            #expect(records.map { $0.int("ordinal") } == [1, 2])
            let title = records[0].array("fields").first { $0.string("name") == "title" }
            #expect(title?.string("value") == "Le Fabuleux Destin d'Amélie Poulain")

            let one = try await Harness.get(client, "/api/types/Movie/records/0?version=1")
            #expect(one.status == 200)
            let fields = one.json.array("fields")
            let value = { (n: String) in fields.first { $0.string("name") == n }?["value"] }
            #expect(value("id") as? Int == 1)
            #expect(value("title") as? String == "The Matrix")
            #expect(value("poster") as? String == "89504e4700ff7f80")
            // A reference to a String record shows its value and links to the record.
            let original = try #require(value("originalTitle") as? [String: Any])
            #expect(original.string("type") == "String")
            #expect(original.string("display") != nil)
            // The studio is followed and expanded.
            let studio = try #require(value("studio") as? [String: Any])
            #expect(studio.string("type") == "Studio")
            #expect(studio.dict("record").array("fields").isEmpty == false)
            // Collections are expanded with their elements.
            let cast = try #require(value("cast") as? [String: Any])
            #expect(cast.dict("record").string("kind") == "LIST")
            #expect(cast.dict("record").array("elements").isEmpty == false)
            let releases = try #require(value("releases") as? [String: Any])
            #expect(releases.dict("record").string("kind") == "MAP")
        }
    }

    @Test func lookupByPrimaryKeyAndSearch() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let byKey = try await Harness.get(client, "/api/types/Movie/key?version=1&key=4")
            #expect(byKey.status == 200)
            #expect(byKey.json.int("ordinal") == 3)
            #expect(byKey.json.dict("primaryKey").string("id") == "4")
            let missing = try await Harness.get(client, "/api/types/Movie/key?version=1&key=999")
            #expect(missing.status == 404)
            // A key path through a reference (Country.code is a String reference or inline string).
            let search = try await Harness.get(client, "/api/types/Movie/search?version=1&field=title&value=Short")
            #expect(search.status == 200)
            #expect(search.json.int("total") == 1)
            #expect(search.json.array("records").first?.int("ordinal") == 3)
            let contains = try await Harness.get(client, "/api/types/Movie/search?version=1&field=title&match=contains&value=a")
            #expect((contains.json.int("total") ?? 0) >= 2)
            let through = try await Harness.get(client, "/api/types/Movie/search?version=1&field=studio.name&match=contains&value=")
            #expect(through.status == 200)
        }
    }

    @Test func versionsListTheChain() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let r = try await Harness.get(client, "/api/versions")
            #expect(r.status == 200)
            #expect(r.json.int("announced") == 3)
            let versions = r.json.array("versions")
            #expect(versions.map { $0.int("version") } == [3, 2, 1])
            let v1 = try #require(versions.last)
            #expect(v1.dict("snapshot").int("size") == 36264)
            #expect(v1.dict("delta").string("name") == "delta-1-2")
            #expect(versions.first?["announced"] as? Bool == true)
            #expect(versions.first?.dict("reverseDelta").int("to") == 2)
        }
    }

    @Test func diffMatchesByPrimaryKeyAndContent() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let r = try await Harness.get(client, "/api/diff?from=1&to=2")
            #expect(r.status == 200)
            let movie = try #require(r.json.array("types").first { $0.string("type") == "Movie" })
            #expect(movie.string("matchedBy") == "primary key")
            // v2: Movie 2 modified, 3 removed, 5 added, 4 changed through its Studio.
            #expect(movie.array("addedRecords").map { $0.string("key") } == ["5"])
            #expect(movie.array("removedRecords").map { $0.string("key") } == ["3"])
            #expect(Set(movie.array("changedRecords").compactMap { $0.string("key") }) == ["2", "4"])
            let four = try #require(movie.array("changedRecords").first { $0.string("key") == "4" })
            #expect(four.array("changedFields").map { $0.string("field") } == ["studio"])
            let studio = try #require(r.json.array("types").first { $0.string("type") == "Studio" })
            #expect(studio.int("changed") == 1)
            let empty = try #require(r.json.array("types").first { $0.string("type") == "EmptyType" })
            #expect(empty.int("added") == 0 && empty.int("removed") == 0)
            // A single-field type without a primary key is matched by value (as Java's HollowDiff); other types
            // without one by content.
            let genre = try #require(r.json.array("types").first { $0.string("type") == "Genre" })
            #expect(genre.string("matchedBy") == "value")
            let lists = try #require(r.json.array("types").first { $0.string("type") == "ListOfActor" })
            #expect(lists.string("matchedBy") == "content")
            #expect(lists.string("explanation")?.contains("removed + added") == true)
            // Side by side: Movie 4's studio reference is followed into the renamed Studio.
            let rows = four.array("rows")
            #expect(rows.first { $0.string("path") == "studio" }?.string("status") == "changed")
            #expect(rows.contains { $0.int("depth") == 1 && $0.string("path")?.hasPrefix("studio.") == true && $0.string("status") == "changed" })
            #expect(rows.contains { $0.string("path") == "id" && $0.string("status") == "same" })
            // Added and removed records carry their fields.
            let added = try #require(movie.array("addedRecords").first)
            #expect(added.dict("record").array("fields").contains { $0.string("name") == "title" })
            #expect(movie.array("removedRecords").first?.dict("record").array("fields").isEmpty == false)

            // Paging: one record per kind at a time; the counts stay complete; the match is cached per pair.
            let page1 = try await Harness.get(client, "/api/diff?from=1&to=2&type=Movie&limit=1")
            let page2 = try await Harness.get(client, "/api/diff?from=1&to=2&type=Movie&limit=1&offset=1")
            let m1 = try #require(page1.json.array("types").first), m2 = try #require(page2.json.array("types").first)
            #expect(m1.array("changedRecords").count == 1 && m2.array("changedRecords").count == 1)
            #expect(m1.int("changed") == 2 && m2.int("changed") == 2)
            #expect(Set([m1, m2].compactMap { $0.array("changedRecords").first?.string("key") }) == ["2", "4"])
            #expect(m2.array("addedRecords").isEmpty)
            #expect(page2.json["cached"] as? Bool == true)
            let past = try await Harness.get(client, "/api/diff?from=1&to=2&type=Movie&offset=5")
            #expect(past.status == 400)
            #expect(past.json.dict("error").string("message")?.contains("bad offset '5'") == true)

            let same = try await Harness.get(client, "/api/diff?from=2&to=2")
            #expect(same.json.array("types").allSatisfy { $0.int("added") == 0 && $0.int("removed") == 0 && $0.int("changed") == 0 })
        }
    }

    @Test func historyOfOneRecord() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let r = try await Harness.get(client, "/api/types/Movie/history?key=1")
            #expect(r.status == 200)
            #expect(r.json.array("versions").map { $0.string("event") } == ["present", "unchanged", "removed"])
            let five = try await Harness.get(client, "/api/types/Movie/history?key=5")
            #expect(five.json.array("versions").map { $0.string("event") } == ["absent", "added", "changed"])
            #expect(five.json.array("versions").last?.array("changedFields").isEmpty == false)
        }
    }

    @Test func metricsDashboards() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("metrics"))).test(.router) { client in
            let r = try await Harness.get(client, "/api/metrics?version=3")
            #expect(r.status == 200)
            let sources = r.json.array("sources").compactMap { $0.string("source") }
            #expect(sources.contains("recommendations"))
            #expect(!sources.contains("search"))
            let v1 = try await Harness.get(client, "/api/metrics?version=1")
            #expect(v1.json.array("sources").compactMap { $0.string("source") }.contains("search"))
            let first = try #require(v1.json.array("sources").first)
            let metric = try #require(first.array("metrics").first)
            #expect(metric.string("name")?.isEmpty == false)
            #expect(metric.array("buckets").allSatisfy { $0.int("lower") != nil && $0.int("count") != nil })
            let html = try await Harness.get(client, "/metrics")
            #expect(html.status == 200)
            #expect(html.text.contains("<svg"))
            #expect(html.text.contains("location.reload"))
            let kitchen = try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { c in
                try await Harness.get(c, "/api/metrics")
            }
            #expect(kitchen.status == 404)
        }
    }

    @Test func shardedTypesPageThroughEveryRecord() async throws {
        let store = Fixtures.store("sharded")
        let dump = try DumpStateView(version: 2, json: Data(contentsOf: URL(fileURLWithPath: store + "/expected-2.json")))
        try await Harness.app(Harness.explorer(store)).test(.router) { client in
            for type in dump.typeNames {
                let expected = dump.populatedOrdinals(of: type)
                var seen: [Int] = []
                var offset = 0
                while true {
                    let r = try await Harness.get(client, "/api/types/\(type)/records?version=2&limit=1000&offset=\(offset)")
                    #expect(r.status == 200)
                    let got = r.json.array("records").compactMap { $0.int("ordinal") }
                    seen += got
                    offset += got.count
                    if got.isEmpty || offset >= (r.json.int("total") ?? 0) { break }
                }
                #expect(seen == expected, "type \(type)")
            }
        }
    }

    @Test func htmlPagesRender() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            for uri in [
                "/", "/types/Movie", "/types/Movie/records", "/types/Movie/records/0?version=1", "/types/Movie/key?key=5",
                "/types/Movie/search?field=title&value=Short&version=1", "/versions", "/diff", "/diff?from=1&to=3",
                "/types/Movie/history?key=5", "/types/SetOfGenre/records", "/types/MapOfCountryToReleaseInfo/records/0?version=1",
            ] {
                let r = try await Harness.get(client, uri)
                #expect(r.status == 200, "\(uri)")
                #expect(r.text.hasPrefix("<!DOCTYPE html>"), "\(uri)")
            }
            let movie = try await Harness.get(client, "/types/Movie/records/0?version=1")
            #expect(movie.text.contains("The Matrix"))
            #expect(movie.text.contains("href=\"/types/Studio/records/0?version=1\""))
        }
    }
}

@Suite("Explorer answers bad requests with clear 4xx errors")
struct ExplorerErrorTests {
    @Test(arguments: [
        ("/api/types/NoSuchType", 404, "unknown type 'NoSuchType'"),
        ("/api/types/Movie/records/999", 404, "out of range"),
        ("/api/types/Movie/records/-1", 404, "out of range"),
        ("/api/types/Movie/records/abc", 400, "bad ordinal"),
        ("/api/types/Movie?version=abc", 400, "bad version 'abc'"),
        ("/api/types/Movie?version=42", 404, "version 42 is not in the store"),
        ("/api/types/Movie/records?limit=0", 400, "bad limit"),
        ("/api/types/Movie/records?offset=99", 400, "offset 99"),
        ("/api/types/Genre/key?key=x", 400, "no primary key"),
        ("/api/types/Movie/key", 400, "give key="),
        ("/api/types/Movie/search?field=nope&value=1", 400, "no field 'nope'"),
        ("/api/types/SetOfGenre/search?field=x", 400, "OBJECT types"),
        ("/api/diff?from=1", 400, "both from= and to="),
        ("/api/diff?from=1&to=77", 404, "version 77"),
        ("/api/types/Movie/history?key=1&key=2", 400, "1 field(s)"),
        ("/api/ops", 404, "no broker is configured"),
        ("/api/types/Movie/records/0?version=1&depth=99", 400, "bad depth '99'"),
        ("/api/diff?from=x&to=2", 400, "bad from 'x'"),
        ("/api/types/Movie/search?field=title&match=fuzzy", 400, "bad match 'fuzzy'"),
    ])
    func apiErrors(uri: String, status: Int, message: String) async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let r = try await Harness.get(client, uri)
            #expect(r.status == status, "\(uri): \(r.text)")
            let error = r.json.dict("error")
            #expect(error.int("status") == status)
            #expect(error.string("message")?.contains(message) == true, "\(uri): \(r.text)")
        }
    }

    @Test func htmlErrorsArePages() async throws {
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.router) { client in
            let r = try await Harness.get(client, "/types/NoSuchType")
            #expect(r.status == 404)
            #expect(r.text.contains("<p class=\"err\" id=\"error\">unknown type &#39;NoSuchType&#39;"))
            let ordinal = try await Harness.get(client, "/types/Movie/records/abc")
            #expect(ordinal.status == 400)
            #expect(ordinal.text.contains("<h1>400 Bad Request</h1>"))
            #expect(ordinal.text.contains("bad ordinal &#39;abc&#39;"))
            let version = try await Harness.get(client, "/types/Movie?version=abc")
            #expect(version.status == 400)
            #expect(version.text.contains("bad version &#39;abc&#39;"))
        }
    }

    @Test func missingStore() async throws {
        try await Harness.app(Harness.explorer("/nonexistent/hollow-store")).test(.router) { client in
            for uri in ["/api", "/api/versions", "/api/types/Movie"] {
                let r = try await Harness.get(client, uri)
                #expect(r.status == 404)
                #expect(r.json.dict("error").string("message")?.contains("/nonexistent/hollow-store") == true)
            }
        }
    }

    @Test func neverWritesToTheStore() async throws {
        let store = Fixtures.store("kitchensink")
        func listing() throws -> [String: Date] {
            var out: [String: Date] = [:]
            for n in try FileManager.default.contentsOfDirectory(atPath: store) {
                out[n] = try FileManager.default.attributesOfItem(atPath: store + "/" + n)[.modificationDate] as? Date
            }
            return out
        }
        let before = try listing()
        try await Harness.app(Harness.explorer(store)).test(.router) { client in
            for uri in ["/api", "/api/versions", "/api/diff?from=1&to=3", "/api/types/Movie/history?key=2"] {
                _ = try await Harness.get(client, uri)
            }
        }
        #expect(try listing() == before)
    }
}

@Suite("Operations: announced, pins, fleet; pinning needs operator credentials")
struct ExplorerOperationsTests {
    static func ops() -> InMemoryOperations {
        InMemoryOperations(OperationsSnapshot(
            namespace: "test", announced: 3, pins: [PinStatus(group: "canary", version: 2, reason: "bad data")],
            fleet: [
                FleetConsumer(id: "c1", version: 3, ageSeconds: 2),
                FleetConsumer(id: "c2", version: 2, pinned: true, group: "canary", ageSeconds: 5),
            ]))
    }

    @Test func showsAnnouncedPinsAndFleet() async throws {
        let ops = Self.ops()
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"), operations: ops)).test(.router) { client in
            let r = try await Harness.get(client, "/api/ops")
            #expect(r.status == 200)
            #expect(r.json.int("announced") == 3)
            #expect(r.json.array("pins").first?.string("group") == "canary")
            #expect(r.json.array("fleet").map { $0.string("id") } == ["c1", "c2"])
            #expect(r.json["operator"] as? Bool == false)
            let v = try await Harness.get(client, "/api/versions")
            let two = v.json.array("versions").first { $0.int("version") == 2 }
            #expect(two?["pinnedBy"] as? [String] == ["canary"])
            let html = try await Harness.get(client, "/ops")
            #expect(html.text.contains("Pinning is disabled"))
            #expect(!html.text.contains("action=\"/ops/pin\""))
        }
    }

    @Test func withoutCredentialsNothingCanPin() async throws {
        let ops = Self.ops()
        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"), operations: ops)).test(.router) { client in
            let r = try await Harness.post(client, "/api/ops/pin", form: "version=1&reason=x&confirm=yes", auth: "op:secret")
            #expect(r.status == 405)
            let u = try await Harness.post(client, "/ops/unpin", form: "reason=x&confirm=yes")
            #expect(u.status == 405)
            let g = try await Harness.get(client, "/api/ops/pin?version=1&reason=x&confirm=yes")
            #expect(g.status == 405)
        }
        #expect(ops.actions.isEmpty)
    }

    @Test func operatorPinsWithConfirmationAndReason() async throws {
        let ops = Self.ops()
        let explorer = Harness.explorer(Fixtures.store("kitchensink"), operations: ops, credentials: "op:secret")
        try await Harness.app(explorer).test(.router) { client in
            let html = try await Harness.get(client, "/ops")
            #expect(html.text.contains("action=\"/ops/pin\""))
            let unauthorized = try await client.execute(
                uri: "/api/ops/pin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "version=1&reason=x&confirm=yes"))
            #expect(unauthorized.status == .unauthorized)
            #expect(unauthorized.headers[.wwwAuthenticate] == "Basic realm=\"hollow explorer operator\"")
            #expect(try await Harness.post(client, "/api/ops/pin", form: "version=1&reason=x&confirm=yes", auth: "op:wrong").status == 403)
            #expect(try await Harness.post(client, "/api/ops/pin", form: "version=1&reason=x", auth: "op:secret").status == 400)
            #expect(try await Harness.post(client, "/api/ops/pin", form: "version=1&confirm=yes", auth: "op:secret").status == 400)
            #expect(try await Harness.post(client, "/api/ops/pin", form: "version=9&reason=x&confirm=yes", auth: "op:secret").status == 400)
            #expect(ops.actions.isEmpty)
            let ok = try await Harness.post(client, "/api/ops/pin", form: "version=1&group=blue&reason=rollback+test&confirm=yes", auth: "op:secret")
            #expect(ok.status == 200)
            #expect(ops.actions == [.init(pin: true, version: 1, group: "blue", reason: "rollback test")])
            let form = try await Harness.post(client, "/ops/unpin", form: "group=blue&reason=done&confirm=yes", auth: "op:secret")
            #expect(form.status == 303)
            #expect(ops.actions.last == .init(pin: false, version: nil, group: "blue", reason: "done"))
            let after = try await Harness.get(client, "/api/ops")
            #expect(after.json.array("pins").map { $0.string("group") } == ["canary"])
        }
    }
}

@Suite("The explorer shows what Java's canonical dumps hold")
struct ExplorerDumpCrossCheckTests {
    /// Every record of every type of every fixture state reads the same through ReadState as in Java's dump.
    @Test(arguments: ["kitchensink", "metrics", "sharded"])
    func readStateMatchesJavaDump(store: String) async throws {
        func explorer(_ loader: any ExplorerStateLoader) -> Explorer {
            Explorer(configuration: .init(store: DirectoryStore(directory: Fixtures.store(store)), loader: loader))
        }
        let real = explorer(ReadStateLoader())
        let dump = explorer(DumpLoader())
        try await Harness.app(real).test(.router) { realClient in
            try await Harness.app(dump).test(.router) { dumpClient in
                for v in 1...3 {
                    let types = try await Harness.get(dumpClient, "/api?version=\(v)").json.array("types")
                    #expect(!types.isEmpty)
                    for t in types {
                        let name = t.string("name") ?? ""
                        let uri = "/api/types/\(name)/records?version=\(v)&limit=1000"
                        let a = try await Harness.get(realClient, uri)
                        let b = try await Harness.get(dumpClient, uri)
                        #expect(a.status == 200)
                        #expect(a.text == b.text, "\(store) v\(v) \(name)")
                    }
                    for uri in ["/api/diff?from=1&to=\(v)", "/api/types/Movie/history?key=2"] {
                        let a = try await Harness.get(realClient, uri)
                        let b = try await Harness.get(dumpClient, uri)
                        #expect(a.status == b.status && a.text == b.text, "\(store) \(uri)")
                    }
                }
            }
        }
    }
}
