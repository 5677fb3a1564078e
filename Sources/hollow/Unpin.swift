import ArgumentParser
import HollowFilesystem
import HollowMQTT

/// `hollow unpin --store STORE [--namespace NS] [--group G] [--broker URL]`: clears a pin (the store's pin file,
/// then an empty retained message on PREFIX/NS/pin[/GROUP]).
struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clear the pin of a namespace (or of one group): consumers return to the announced version.",
        discussion: """
            The store's pin file (STORE[/NS]/pin or pin-GROUP) is removed first, then, with --broker, the retained
            pin is cleared; --broker-only leaves the store's file alone.
            """)

    @OptionGroup var location: StoreOptions
    /// The MQTT topic segment of the store (see ``StoreOptions``).
    var namespace: String { location.topicSegment }
    @Option(help: "Clear the pin of this group only.") var group: String?
    @Flag(help: "Clear the retained pin only and leave the store's pin file alone (for a store you cannot write).")
    var brokerOnly = false
    @OptionGroup var broker: MQTTBrokerOptions

    func validate() throws {
        if brokerOnly && !broker.hasBroker { throw ValidationError("--broker-only needs --broker") }
    }

    func run() async throws {
        let location: FilesystemStoreLocation
        do { location = try self.location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        let who = "\(group.map { "group \($0) of " } ?? "")\(namespace)"
        if !brokerOnly {
            do {
                try FilesystemPins(path: location.root, namespace: location.namespace).remove(group: group)
            } catch {
                throw CLIError("cannot remove the pin from the store (--broker-only skips the store's pin file): \(error)")
            }
            print("unpinned \(who) in the store (\(location.directory))")
        }
        guard broker.hasBroker else { return }
        let topics = try broker.topics(namespace)
        let topic = try group.map { try topics.pin(group: $0) } ?? topics.pin
        try await broker.publishRetained(topic: topic, payload: [])
        print("unpinned \(who) (\(topic))")
    }
}
