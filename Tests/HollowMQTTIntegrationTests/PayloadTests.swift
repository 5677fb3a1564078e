import HollowMQTT
import Testing

@Suite("Payloads, topics and broker URLs (no broker)")
struct PayloadTests {
    @Test(arguments: [
        ("42", Int64(42)), (" 7\n", 7), ("0", 0), ("{\"version\": 12}", 12),
        ("{\"version\":13,\"reason\":\"bad data in 14\"}", 13),
        ("{\"version\":5,\"announcedAt\":\"2026-01-01T00:00:00Z\",\"producerId\":\"p1\"}", 5),
        ("9223372036854775807", Int64.max),
    ])
    func validPayloads(text: String, version: Int64) throws {
        #expect(try MQTTVersionPayload.parse(Array(text.utf8))?.version == version)
    }

    @Test func emptyPayloadMeansCleared() throws {
        #expect(try MQTTVersionPayload.parse([]) == nil)
    }

    @Test(arguments: [
        "abc", "-4", "4.5", "12abc", "{\"reason\":\"no version\"}", "{\"version\":\"42\"}", "{\"version\":-1}",
        "{\"version\":1.5}", "{not json", "99999999999999999999", "   ",
    ])
    func badPayloads(text: String) {
        #expect(throws: MQTTError.self) { try MQTTVersionPayload.parse(Array(text.utf8)) }
    }

    @Test func tooLargePayload() {
        let big = Array(repeating: UInt8(ascii: "1"), count: MQTTVersionPayload.maximumSize + 1)
        #expect(throws: MQTTError.self) { try MQTTVersionPayload.parse(big) }
    }

    @Test func announcementRoundTrips() throws {
        let bytes = MQTTVersionPayload.announcement(version: 77, producerID: "prod \"1\"")
        let parsed = try #require(try MQTTVersionPayload.parse(bytes))
        #expect(parsed.version == 77)
        #expect(parsed.producerID == "prod \"1\"")
        #expect(parsed.announcedAt?.hasSuffix("Z") == true)
        #expect(try MQTTVersionPayload.parse(MQTTVersionPayload.pin(version: 3, reason: "rollback"))?.reason == "rollback")
    }

    @Test("pin and status payloads are written with the one JSON escaper and read back")
    func escapedPayloads() throws {
        let reason = "bad <data> & \u{7F} é \"q\"\n"
        let pin = MQTTVersionPayload.pin(version: 3, reason: reason)
        #expect(String(decoding: pin, as: UTF8.self) == #"{"version":3,"reason":"bad \u003cdata\u003e \u0026 \u007f é \"q\"\n"}"#)
        #expect(try MQTTVersionPayload.parse(pin)?.reason == reason)
        var status = MQTTConsumerStatus(consumerID: "c<1>", namespace: "ns", group: nil, online: true)
        status.version = Int64.max
        status.lastError = reason
        status.lastRefreshDurationMs = 12.5
        let text = String(decoding: status.jsonBytes(), as: UTF8.self)
        #expect(
            text == #"{"consumerId":"c\u003c1\u003e","lastError":"bad \u003cdata\u003e \u0026 \u007f é \"q\"\n","#
                + #""lastRefreshDurationMs":12.5,"namespace":"ns","online":true,"version":9223372036854775807}"#)
        #expect(try MQTTConsumerStatus.parse(status.jsonBytes()) == status)
    }

    @Test func topics() throws {
        let t = try MQTTTopics(namespace: "metrics")
        #expect(t.announced == "hollow/metrics/announced")
        #expect(t.pin == "hollow/metrics/pin")
        #expect(try t.pin(group: "canary") == "hollow/metrics/pin/canary")
        #expect(try t.consumerStatus(id: "c1") == "hollow/metrics/consumers/c1")
        #expect(t.classify("hollow/metrics/pin/canary") == .groupPin("canary"))
        #expect(t.classify("hollow/other/pin") == nil)
        #expect(try MQTTTopics(namespace: "m", prefix: "site/hollow").announced == "site/hollow/m/announced")
        for bad in ["", "a/b", "a+", "#"] {
            #expect(throws: MQTTError.self) { try MQTTTopics(namespace: bad) }
        }
        #expect(throws: MQTTError.self) { try t.pin(group: "x/y") }
        #expect(throws: MQTTError.self) { try MQTTTopics(namespace: "m", prefix: "/hollow") }
    }

    @Test func brokerURLs() throws {
        let a = try MQTTBrokerURL(parsing: "mqtt://127.0.0.1:1884")
        #expect(a.host == "127.0.0.1" && a.port == 1884 && !a.usesTLS && a.username == nil)
        let b = try MQTTBrokerURL(parsing: "mqtts://op%40x:p%3Ass@broker.example.com")
        #expect(b.port == 8883 && b.usesTLS && b.username == "op@x" && b.password == "p:ss")
        #expect(b.description == "mqtts://op@x:***@broker.example.com:8883")
        let c = try MQTTBrokerURL(parsing: "mqtt://[::1]:1883/")
        #expect(c.host == "::1" && c.port == 1883)
        for bad in ["127.0.0.1:1883", "http://x:1", "mqtt://", "mqtt://h:0", "mqtt://h:70000", "mqtt://h:x", "mqtt://h/path", "mqtt://@h"] {
            #expect(throws: MQTTError.self, "\(bad)") { try MQTTBrokerURL(parsing: bad) }
        }
        do {
            _ = try MQTTBrokerURL(parsing: "mqtt://u:secret@h:99999")
        } catch {
            #expect(!error.message.contains("secret"))
        }
    }
}
