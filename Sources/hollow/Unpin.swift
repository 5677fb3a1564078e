import ArgumentParser
import HollowMQTT

/// `hollow unpin --store STORE [--namespace NS] [--group G] --broker URL`: clears a pin (an empty retained message on PREFIX/NS/pin[/GROUP]).
struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clear the pin of a namespace (or of one group): consumers return to the announced version.")

    @OptionGroup var location: StoreOptions
    /// The MQTT topic segment of the store (see ``StoreOptions``).
    var namespace: String { location.topicSegment }
    @Option(help: "Clear the pin of this group only.") var group: String?
    @OptionGroup var broker: MQTTBrokerOptions

    func run() async throws {
        do { _ = try location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        let topics = try broker.topics(namespace)
        let topic = try group.map { try topics.pin(group: $0) } ?? topics.pin
        try await broker.publishRetained(topic: topic, payload: [])
        print("unpinned \(group.map { "group \($0) of " } ?? "")\(namespace) (\(topic))")
    }
}
