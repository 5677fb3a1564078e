public import HollowCore

/// A checksum of a state's content (every populated record of every type), independent of how the state
/// was reached: a snapshot load and a delta chain to the same state give the same checksum.
public struct StateChecksum: Hashable, Sendable {
    public let value: UInt64

    /// Hashes the canonical dump of `state` as it streams, without materialising it.
    public init(_ state: ReadState) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4
        state.writeCanonicalJSON { chunk in
            for byte in chunk {
                a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
                b = (b &+ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15
            }
        }
        value = a ^ (b << 1)
    }
}
