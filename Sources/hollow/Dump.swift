import ArgumentParser
import HollowCore

/// `hollow dump STORE --version V [--from U]`: prints a state of a filesystem blob store as canonical JSON.
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a state of a filesystem blob store as canonical JSON.",
        discussion: """
            Without --from: loads the snapshot of V, or the newest earlier snapshot plus deltas. With --from U: \
            loads snapshot U, then walks deltas forward (U < V) or reverse deltas back (U > V) to V.
            """)

    @Argument(help: "The store directory (snapshot-<v>, delta-<a>-<b>, reversedelta-<b>-<a>).")
    var store: String

    @Option(help: "The version to print.")
    var version: Int64

    @Option(help: "Start from the snapshot of this version.")
    var from: Int64?

    func run() throws {
        do {
            let state = try Self.load(store: store, version: version, from: from)
            state.writeCanonicalJSON { StoreFiles.writeStdout($0) }
        } catch let error as CLIError {
            throw StoreFiles.failure(error.description)
        } catch let error as BlobDecodingError {
            throw StoreFiles.failure(error.description)
        }
    }

    /// Loads state `version` of `store` as described in the command's discussion.
    static func load(store: String, version: Int64, from: Int64?) throws -> ReadState {
        let listing = try StoreFiles.list(store)
        let start: Int64
        if let from {
            guard listing.snapshots.contains(from) else { throw CLIError("\(store) has no snapshot-\(from)") }
            start = from
        } else {
            guard let best = listing.snapshots.filter({ $0 <= version }).max() else {
                throw CLIError("\(store) has no snapshot at or before version \(version)")
            }
            start = best
        }
        var state = try ReadState.load(snapshot: try StoreFiles.read("\(store)/snapshot-\(start)"))
        var current = start
        while current != version {
            if current < version {
                guard let next = listing.deltas[current], next <= version else {
                    throw CLIError("\(store) has no delta from version \(current) towards \(version)")
                }
                state = try state.applying(delta: try StoreFiles.read("\(store)/delta-\(current)-\(next)"))
                current = next
            } else {
                guard let next = listing.reverseDeltas[current], next >= version else {
                    throw CLIError("\(store) has no reverse delta from version \(current) towards \(version)")
                }
                state = try state.applying(reverseDelta: try StoreFiles.read("\(store)/reversedelta-\(current)-\(next)"))
                current = next
            }
        }
        return state
    }
}
