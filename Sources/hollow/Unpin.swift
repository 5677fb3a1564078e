import ArgumentParser
import HollowFilesystem
import HollowMQTT

/// `hollow unpin NS [--group G] [--store S] --broker URL`: clears a pin (an empty retained message on
/// PREFIX/NS/pin[/GROUP], and with `--store` the store's pin file).
struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clear the pin of a namespace (or of one group): consumers return to the announced version.",
        discussion: """
            With --store the pin file STORE/NS/pin (or pin-GROUP) is removed first. Give --store, --broker, or both;
            use both when the pin was set with both.
            """)

    @Argument(help: "The namespace.") var namespace: String
    @Option(help: "Clear the pin of this group only.") var group: String?
    @Option(help: "The blob store directory: also remove the pin file STORE/NS/pin[-GROUP].") var store: String?
    @OptionGroup var broker: MQTTBrokerOptions

    func validate() throws {
        guard store != nil || broker.hasBroker else { throw ValidationError("give --broker, --store, or both") }
    }

    func run() async throws {
        let who = "\(group.map { "group \($0) of " } ?? "")\(namespace)"
        if let store {
            do {
                try FilesystemPins(path: store, namespace: namespace).remove(group: group)
            } catch {
                throw CLIError("cannot remove the pin from the store: \(error)")
            }
            print("unpinned \(who) in the store (\(store))")
        }
        guard broker.hasBroker else { return }
        let topics = try broker.topics(namespace)
        let topic = try group.map { try topics.pin(group: $0) } ?? topics.pin
        try await broker.publishRetained(topic: topic, payload: [])
        print("unpinned \(who) (\(topic))")
    }
}
