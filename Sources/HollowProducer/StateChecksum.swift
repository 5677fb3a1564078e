public import HollowCore

/// A checksum of a state's content (every populated record of every type), independent of how the state
/// was reached: a snapshot load and a delta chain to the same state give the same checksum.
///
/// Covers what the canonical dump covers (randomized tag, header tags, each type's schema, and every
/// populated ordinal with its field values, list elements, set elements and map entries; sets and maps
/// sorted). Computed by ``ReadState/contentChecksum()``, which reads the records straight from the state's
/// compact encoding; ``of(_:)`` checksums several states on all cores.
public struct StateChecksum: Hashable, Sendable {
    public let value: UInt64

    /// Hashes the content of `state` on the calling thread.
    public init(_ state: ReadState) {
        value = state.contentChecksum()
    }

    private init(value: UInt64) { self.value = value }

    /// The checksums of `states`, computed in parallel (as Java's `HollowChecksum` does per type).
    public static func of(_ states: [ReadState]) async -> [StateChecksum] {
        await ReadState.contentChecksums(states).map { StateChecksum(value: $0) }
    }
}
