import Foundation
import HollowFilesystem
import HollowTestSupport
import Subprocess
import Testing

@Suite(
    "hollow commands with --store http://",
    .enabled(if: NginxServer.isAvailable && hollowBinary != nil, "needs nginx and the built hollow binary next to the tests"),
    .timeLimit(.minutes(2)))
struct HTTPStoreCLITests {
    @Test func storeDumpAndWatchReadAStoreFromNginx() async throws {
        let store = try await ServedStore.start()
        for cycle in 1...3 { try await store.publish(cycle: Int64(cycle)) }
        try await FilesystemAnnouncer(path: store.path).announce(version: 3)

        let listed = try await runHollow(["store", "--store", store.nginx.url, "--check"])
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains("announced") && listed.output.contains("3: ok"), "\(listed.output)")
        let local = try await runHollow(["dump", "--store", store.path])
        let remote = try await runHollow(["dump", "--store", store.nginx.url])
        #expect(remote.status == 0 && remote.output == local.output && remote.output.contains("2003"))

        let polling = try await runHollow(["watch", "--store", store.nginx.url])
        #expect(polling.status != 0 && polling.output.contains("--broker"), "\(polling.output)")
        let status = try await runHollow(["status", "--store", store.nginx.url])
        #expect(status.status != 0 && status.output.contains("needs the store directory"), "\(status.output)")
        let clean = try await runHollow(["store", "--store", store.nginx.url, "--clean"])
        #expect(clean.status != 0 && clean.output.contains("not on its URL"), "\(clean.output)")

        // No index (a store written before it existed): a clear error, and --reindex repairs it.
        try FileManager.default.removeItem(atPath: store.path + "/blobs.index")
        let missing = try await runHollow(["dump", "--store", store.nginx.url])
        #expect(missing.status != 0 && missing.output.contains("blobs.index") && missing.output.contains("--reindex"), "\(missing.output)")
        #expect(try await runHollow(["store", "--store", store.path, "--reindex"]).status == 0)
        #expect(try await runHollow(["dump", "--store", store.nginx.url]).output == local.output)
        await store.stop()
    }

    @Test(.enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)))
    func watchFollowsTheBrokerAndFetchesOverHTTP() async throws {
        try await MosquittoBroker.with { broker in
            let store = try await ServedStore.start()
            let v1 = try await store.publish(cycle: 1)
            let dir = try makeTempDirectory(prefix: "hollow-http-watch")
            let watch = try BackgroundProcess(
                try #require(hollowBinary),
                ["watch", "--store", store.nginx.url, "--broker", "mqtt://127.0.0.1:\(broker.port)", "--topic-namespace", "readings"],
                directory: dir, name: "watch")
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/readings/announced", "-m", String(v1)])
            let v2 = try await store.publish(cycle: 2)
            try await broker.mosquittoPub(["-r", "-q", "1", "-t", "hollow/readings/announced", "-m", String(v2)])
            let reached = await BackgroundProcess.eventually { watch.standardOutput.contains("\"version\":\(v2)") }
            #expect(reached, "stdout: \(watch.standardOutput)\nstderr: \(watch.standardError)")
            await watch.stop()
            // v2 has no snapshot (one every 3 versions): the watcher got there by delta, over HTTP.
            #expect(store.nginx.accessLog.contains("/delta-\(v1)-\(v2).zst"))
            try? FileManager.default.removeItem(atPath: dir)
            await store.stop()
        }
    }
}
