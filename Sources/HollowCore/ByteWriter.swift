/// An append-only byte buffer that writes Hollow's primitive encodings (big-endian integers,
/// MSB-first VarInt/VarLong, Java modified UTF-8), the mirror of ``ByteReader``.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written.
    public var count: Int { bytes.count }

    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    public mutating func writeInt16(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        bytes.append(UInt8(u >> 8))
        bytes.append(UInt8(u & 0xFF))
    }

    public mutating func writeInt32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((u >> UInt32(shift)) & 0xFF)) }
    }

    public mutating func writeInt64(_ v: Int64) {
        let u = UInt64(bitPattern: v)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((u >> UInt64(shift)) & 0xFF)) }
    }

    /// Writes `count` 64-bit words big-endian (as `writeInt64` each), the words of `words` then zeros.
    public mutating func writeInt64s(_ words: [UInt64], count: Int) {
        guard count > 0 else { return }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count &* 8))
        let n = Swift.min(count, words.count)
        bytes.withUnsafeMutableBytes { raw in
            words.withUnsafeBufferPointer { src in
                for i in 0..<n { raw.storeBytes(of: src[i].bigEndian, toByteOffset: start &+ i &* 8, as: UInt64.self) }
            }
        }
    }

    /// Writes a VarInt exactly as Java's `VarInt.writeVInt` (negative values take 5 bytes).
    public mutating func writeVarInt(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        if v > 0x0FFF_FFFF || v < 0 { bytes.append(0x80 | UInt8(u >> 28)) }
        if v > 0x1F_FFFF || v < 0 { bytes.append(0x80 | UInt8((u >> 21) & 0x7F)) }
        if v > 0x3FFF || v < 0 { bytes.append(0x80 | UInt8((u >> 14) & 0x7F)) }
        if v > 0x7F || v < 0 { bytes.append(0x80 | UInt8((u >> 7) & 0x7F)) }
        bytes.append(UInt8(u & 0x7F))
    }

    /// Writes a VarLong exactly as Java's `VarInt.writeVLong` (negative values take 10 bytes).
    public mutating func writeVarLong(_ v: Int64) {
        let u = UInt64(bitPattern: v)
        if v < 0 { bytes.append(0x81) }
        for shift in stride(from: 56, through: 7, by: -7) {
            if v < 0 || v > Int64((UInt64(1) << UInt64(shift)) - 1) {
                bytes.append(0x80 | UInt8((u >> UInt64(shift)) & 0x7F))
            }
        }
        bytes.append(UInt8(u & 0x7F))
    }

    public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// Writes a string as Java's `DataOutput.writeUTF` (uint16 length + modified UTF-8).
    /// - Precondition: the encoded form is at most 65535 bytes (names and tags are short).
    public mutating func writeUTF(_ s: String) {
        let encoded = ModifiedUTF8.encode(s)
        precondition(encoded.count <= 0xFFFF, "writeUTF string longer than 65535 bytes")
        writeInt16(Int16(bitPattern: UInt16(encoded.count)))
        bytes.append(contentsOf: encoded)
    }

    /// The number of bytes `writeVarInt(v)` emits.
    public static func varIntSize(_ v: Int32) -> Int {
        if v < 0 { return 5 }
        if v > 0x0FFF_FFFF { return 5 }
        if v > 0x1F_FFFF { return 4 }
        if v > 0x3FFF { return 3 }
        if v > 0x7F { return 2 }
        return 1
    }
}
