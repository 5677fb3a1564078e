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

            Before that it checks the store: while the delta out of the pinned version still leads into the versions
            published after it (the abandoned chain), unpinned consumers would load them, so unpin refuses (exit 1)
            and says so; publish from the pinned version first (hollow publish --restore-pinned), or pass --force.
            """)

    @OptionGroup var location: StoreOptions
    /// The MQTT topic segment of the store (see ``StoreOptions``).
    var namespace: String { location.topicSegment }
    @Option(help: "Clear the pin of this group only.") var group: String?
    @Flag(help: "Clear the retained pin only and leave the store's pin file alone (for a store you cannot write).")
    var brokerOnly = false
    @Flag(help: "Unpin even though the delta out of the pinned version leads into the versions published after it.")
    var force = false
    @OptionGroup var broker: MQTTBrokerOptions

    func validate() throws {
        if brokerOnly && !broker.hasBroker { throw ValidationError("--broker-only needs --broker") }
    }

    func run() async throws {
        let location: FilesystemStoreLocation
        do { location = try self.location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        let who = "\(group.map { "group \($0) of " } ?? "")\(namespace)"
        try checkSafety(location)
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

    /// Refuses (unless --force) while the delta out of the pinned version leads into the abandoned chain.
    private func checkSafety(_ location: FilesystemStoreLocation) throws {
        let pinned: Int64?
        do { pinned = try FilesystemPins(path: location.root, namespace: location.namespace).read(group: group) } catch {
            writeStderr("warning: cannot read the store's pin (\(error)): the delta out of the pinned version is not checked\n")
            return
        }
        guard let pinned else {
            writeStderr("warning: the store has no pin file for \(group.map { "group \($0)" } ?? "the namespace"): the delta out of the pinned version is not checked\n")
            return
        }
        let assessment: StoreInventory.UnpinAssessment
        do {
            assessment = try StoreInventory.scan(path: location.root, namespace: location.namespace).unpinAssessment(pinnedVersion: pinned)
        } catch {
            writeStderr("warning: cannot scan the store (\(error)): the delta out of pinned version \(pinned) is not checked\n")
            return
        }
        guard !assessment.isSafe else { return }
        if force {
            writeStderr("warning: \(assessment.explanation); unpinning anyway (--force)\n")
            return
        }
        throw CLIError("not safe to unpin: \(assessment.explanation); or pass --force")
    }
}

