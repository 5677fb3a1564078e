public import HollowCore

/// A checksum of a state's content (every populated record of every type), independent of how the state
/// was reached: a snapshot load and a delta chain to the same state give the same checksum.
///
/// Covers what the canonical dump covers (randomized tag, header tags, each type's schema, and every
/// populated ordinal with its field values, list elements, set elements and map entries; sets and maps
/// sorted), but reads the values through ``ReadState``'s typed API and mixes whole 64-bit words instead of
/// formatting and hashing JSON text.
public struct StateChecksum: Hashable, Sendable {
    public let value: UInt64

    /// Hashes the content of `state`.
    public init(_ state: ReadState) {
        var h = Hasher64()
        h.mix(UInt64(bitPattern: state.randomizedTag))
        for key in state.headerTags.keys.sorted() {
            h.mix(key)
            h.mix(state.headerTags[key] ?? "")
        }
        for name in state.typeNames {
            h.mix(name)
            if let schema = state.schema(named: name) {
                var w = ByteWriter()
                schema.write(to: &w)
                h.mix(bytes: w.bytes)
            }
            if let t = state.objectType(name) {
                let fields = t.schema.fields
                for ordinal in t.populatedOrdinals {
                    h.mix(UInt64(ordinal))
                    for fi in fields.indices {
                        // A tag per value so that a null and a value, or two adjacent fields, cannot collide.
                        switch fields[fi].type {
                        case .int: h.mix(t.readInt(ordinal, fi).map { UInt64(UInt32(bitPattern: $0)) }, tag: 1)
                        case .long: h.mix(t.readLong(ordinal, fi).map { UInt64(bitPattern: $0) }, tag: 2)
                        case .reference: h.mix(t.readOrdinal(ordinal, fi).map { UInt64($0) }, tag: 3)
                        case .boolean: h.mix(t.readBoolean(ordinal, fi).map { $0 ? 1 : 0 }, tag: 4)
                        case .float: h.mix(t.readFloat(ordinal, fi).map { UInt64($0.bitPattern) }, tag: 5)
                        case .double: h.mix(t.readDouble(ordinal, fi).map { $0.bitPattern }, tag: 6)
                        case .string:
                            if let s = t.readString(ordinal, fi) { h.mix(s) } else { h.mix(nil, tag: 7) }
                        case .bytes:
                            if let b = t.readBytes(ordinal, fi) { h.mix(bytes: b) } else { h.mix(nil, tag: 8) }
                        }
                    }
                }
            } else if let t = state.listType(name) {
                for ordinal in t.populatedOrdinals {
                    h.mix(UInt64(ordinal))
                    let elements = t.elementOrdinals(ordinal)
                    h.mix(UInt64(elements.count))
                    for e in elements { h.mix(UInt64(e)) }
                }
            } else if let t = state.setType(name) {
                for ordinal in t.populatedOrdinals {
                    h.mix(UInt64(ordinal))
                    let elements = t.elementOrdinals(ordinal).sorted()
                    h.mix(UInt64(elements.count))
                    for e in elements { h.mix(UInt64(e)) }
                }
            } else if let t = state.mapType(name) {
                for ordinal in t.populatedOrdinals {
                    h.mix(UInt64(ordinal))
                    let entries = t.entries(ordinal).sorted { $0.key != $1.key ? $0.key < $1.key : $0.value < $1.value }
                    h.mix(UInt64(entries.count))
                    for e in entries {
                        h.mix(UInt64(e.key))
                        h.mix(UInt64(e.value))
                    }
                }
            }
        }
        value = h.finish()
    }
}

/// Two independent 64-bit lanes (multiply-xorshift), fed a word at a time.
private struct Hasher64 {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x8422_2325_cbf2_9ce4

    @inline(__always)
    mutating func mix(_ x: UInt64) {
        a = (a ^ x) &* 0x100_0000_01b3
        a ^= a >> 29
        b = (b &+ x) &* 0x9E37_79B9_7F4A_7C15
        b ^= b >> 32
    }

    @inline(__always)
    mutating func mix(_ x: UInt64?, tag: UInt64) {
        if let x {
            mix(tag)
            mix(x)
        } else {
            mix(tag | 0x8000_0000_0000_0000)
        }
    }

    mutating func mix(_ s: String) {
        var s = s
        s.withUTF8 { mix(raw: UnsafeRawBufferPointer($0)) }
    }

    mutating func mix(bytes: [UInt8]) {
        bytes.withUnsafeBytes { mix(raw: $0) }
    }

    /// The length, then the bytes eight at a time (the tail zero-padded).
    mutating func mix(raw: UnsafeRawBufferPointer) {
        mix(UInt64(raw.count) | 0x4000_0000_0000_0000)
        var i = 0
        while i + 8 <= raw.count {
            mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < raw.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
            mix(tail)
        }
    }

    func finish() -> UInt64 { a ^ (b &* 0xff51_afd7_ed55_8ccd) }
}
