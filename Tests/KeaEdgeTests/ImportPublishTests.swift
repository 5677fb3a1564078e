import HollowCore
import HollowTestSupport
import KeaEdge
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("kea-edge import into a store and a real broker", .timeLimit(.minutes(2)))
struct ImportPublishTests {
    @Test(
        "import publishes a Hollow state, keeps the window across imports, and announces on the broker",
        .enabled(if: keaEdgeBuilt, "the kea-edge executable was not built next to the tests"),
        .enabled(if: MosquittoBroker.isAvailable, Comment(rawValue: MosquittoBroker.skipReason)),
        .enabled(if: which("mosquitto_sub"), "mosquitto_sub is not installed (Debian: mosquitto-clients)"))
    func importToStoreAndBroker() async throws {
        let keaEdge = buildProductsDirectory() + "/kea-edge"
        try await MosquittoBroker.with { broker in
            let store = "/tmp/kea-edge-import-\(getpid())"
            defer { _ = system("rm -rf \(store)") }
            let input = fixtures + "/kea-metrics-bcc.txt"
            for i in 0..<3 {
                let r = try await command([
                    keaEdge, "import", input, "--source", "edge-1", "--timestamp", "2026-11-22T12:00:0\(i)Z",
                    "--store", store, "--namespace", "seed", "--window", "2", "--broker", "mqtt://\(broker.host):\(broker.port)",
                ])
                #expect(r.ok, "import failed: \(r.error)")
            }
            let state = try #require(try await loadStore(store + "/seed"))
            let states = try MetricsState.all(in: state)
            #expect(states.map(\.timestamp) == ["2026-11-22T12:00:01Z", "2026-11-22T12:00:02Z"])
            let expected = try BCCReport.parse(try SystemSupport.readText(input)).metricsState(source: "edge-1", timestamp: "2026-11-22T12:00:02Z")
            #expect(states.last == expected.saturatedForHollow().state)
            let announced = try SystemSupport.readText(store + "/seed/announced.version")
            let sub = try await command(["mosquitto_sub", "-h", broker.host, "-p", "\(broker.port)", "-t", "hollow/seed/announced", "-C", "1", "-W", "5"])
            #expect(sub.output.contains("\"version\":\(announced)"), "retained announcement: \(sub.output)")
        }
    }
}
