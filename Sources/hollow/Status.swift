import ArgumentParser
import Foundation
import HollowFilesystem
import HollowMQTT
import HollowOperations
import Logging
import Synchronization

/// `hollow status --store STORE [--namespace NS] --broker URL`: the announced version, the pins, and the fleet's consumers, from retained messages.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a namespace's announced version, pins and consumers (read from retained MQTT messages).")

    @OptionGroup var location: StoreOptions
    /// The MQTT topic segment of the store (see ``StoreOptions``).
    var namespace: String { location.topicSegment }
    @Option(help: "Milliseconds to collect retained messages after subscribing.") var settleMs: Int = 500
    @OptionGroup var broker: MQTTBrokerOptions

    func run() async throws {
        let location: FilesystemStoreLocation
        do { location = try self.location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        let topics = try broker.topics(namespace)
        let logger = broker.logging.bootstrap(label: "hollow.mqtt", defaultLevel: .error)
        let client = try MQTTClient(configuration: try broker.clientConfiguration(clientIDPrefix: "hollow-status"), logger: logger)
        let collected = Mutex<[String: [UInt8]]>([:])
        client.subscribe([topics.all]) { message in
            collected.withLock { $0[message.topic] = message.payload }
        }
        do {
            try await client.waitUntilConnected(timeout: broker.timeoutDuration)
        } catch let error as MQTTError {
            await client.shutdown()
            throw CLIError(error.description)
        }
        try await Task.sleep(for: .milliseconds(settleMs))
        await client.shutdown()
        var out = Self.render(collected.withLock { $0 }, topics: topics, now: Date())
        out += Self.renderStore(store: location.root, namespace: location.namespace)
        print(out, terminator: "")
    }

    /// The store's side: `announced.version` and the pin files (what watchers with a store fall back on).
    static func renderStore(store: String, namespace: String?) -> String {
        func show(_ read: () throws -> Int64?) -> String {
            do { return try read().map(String.init) ?? "none" } catch { return "UNREADABLE: \(error)" }
        }
        var out = "store \(store)\n"
        out += "store announced: \(show { try FilesystemAnnouncer.readAnnouncedVersion(path: store, namespace: namespace) })\n"
        do {
            let pins = try FilesystemPins(path: store, namespace: namespace)
            out += "store pin:       \(show { try pins.read() })\n"
            for g in (try? pins.groups()) ?? [] { out += "store pin-\(g): \(show { try pins.read(group: g) })\n" }
        } catch {
            out += "store pin:       UNREADABLE: \(error)\n"
        }
        return out
    }

    static func render(_ retained: [String: [UInt8]], topics: MQTTTopics, now: Date) -> String {
        var announced = "none"
        var pin = "none"
        var groupPins: [(String, String)] = []
        var consumers: [MQTTConsumerStatus] = []
        var badConsumers: [String] = []
        func describe(_ bytes: [UInt8]) -> String? {
            do {
                guard let p = try MQTTVersionPayload.parse(bytes) else { return nil }
                var s = "\(p.version)"
                if let at = p.announcedAt { s += " at \(at) (\(age(at, now)) ago)" }
                if let by = p.producerID { s += " by \(by)" }
                if let r = p.reason { s += " (reason: \(r))" }
                return s
            } catch {
                return "INVALID: \(error.message) -- consumers ignore it"
            }
        }
        for (topic, payload) in retained.sorted(by: { $0.key < $1.key }) {
            switch topics.classify(topic) {
            case .announced: announced = describe(payload) ?? "none"
            case .namespacePin: pin = describe(payload) ?? "none"
            case .groupPin(let g): if let d = describe(payload) { groupPins.append((g, d)) }
            case .consumerStatus(let id):
                if let s = try? MQTTConsumerStatus.parse(payload) { consumers.append(s) } else if !payload.isEmpty { badConsumers.append(id) }
            case .source, nil: break
            }
        }
        var out = "namespace \(topics.namespace)\n"
        out += "announced: \(announced)\n"
        out += "pin:       \(pin)\n"
        for (g, d) in groupPins { out += "pin/\(g): \(d)\n" }
        out += "consumers: \(consumers.count)\(badConsumers.isEmpty ? "" : " (+\(badConsumers.count) unreadable: \(badConsumers.joined(separator: ", ")))")\n"
        guard !consumers.isEmpty else { return out }
        let header = ["ID", "ONLINE", "VERSION", "PINNED", "GROUP", "LAST REFRESH", "MS", "UPDATED", "ERROR"]
        var rows = [header]
        for c in consumers.sorted(by: { $0.consumerID < $1.consumerID }) {
            rows.append([
                c.consumerID, c.online ? "yes" : "no", c.version.map(String.init) ?? "-",
                c.pinned.map { $0 ? "yes" : "no" } ?? "-", c.group ?? "-",
                c.lastRefreshAt.map { age($0, now) + " ago" } ?? "-",
                c.lastRefreshDurationMs.map { String(format: "%.1f", $0) } ?? "-",
                c.updatedAt.map { age($0, now) + " ago" } ?? "-",
                c.lastError ?? "-",
            ])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            out += row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "\n"
        }
        return out
    }

    static func age(_ iso: String, _ now: Date) -> String {
        let date =
            (try? Date(iso, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(iso, strategy: Date.ISO8601FormatStyle()))
        guard let date else { return "?" }
        let s = max(0, now.timeIntervalSince(date))
        if s < 60 { return String(format: "%.0fs", s) }
        if s < 3600 { return String(format: "%.0fm", s / 60) }
        if s < 86400 { return String(format: "%.1fh", s / 3600) }
        return String(format: "%.1fd", s / 86400)
    }
}
