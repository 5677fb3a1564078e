/// A bounds-checked cursor over a blob's bytes that reads Hollow's primitive encodings
/// (big-endian integers, MSB-first VarInt/VarLong, Java modified UTF-8).
///
/// Every read throws ``BlobDecodingError`` with code `.truncated` instead of reading past the end.
public struct ByteReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int
    /// Where reading stops (exclusive).
    public let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.end = bytes.count
    }

    /// Bytes left to read.
    public var remaining: Int { end - offset }
    /// True when every byte has been read.
    public var isAtEnd: Bool { offset >= end }

    @inline(__always)
    private func need(_ n: Int, _ what: @autoclosure () -> String) throws(BlobDecodingError) {
        if n < 0 || n > end - offset {
            throw BlobDecodingError(.truncated, "input ends inside \(what()) (needs \(n) bytes, \(end - offset) left)", offset: offset)
        }
    }

    /// Reads one byte.
    public mutating func readUInt8(_ what: @autoclosure () -> String = "a byte") throws(BlobDecodingError) -> UInt8 {
        try need(1, what())
        let b = bytes[offset]
        offset += 1
        return b
    }

    /// Reads a big-endian signed 16-bit integer (Java `readShort`).
    public mutating func readInt16(_ what: @autoclosure () -> String = "an int16") throws(BlobDecodingError) -> Int16 {
        try need(2, what())
        let v = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        offset += 2
        return Int16(bitPattern: v)
    }

    /// Reads a big-endian signed 32-bit integer (Java `readInt`).
    public mutating func readInt32(_ what: @autoclosure () -> String = "an int32") throws(BlobDecodingError) -> Int32 {
        try need(4, what())
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return Int32(bitPattern: v)
    }

    /// Reads a big-endian signed 64-bit integer (Java `readLong`).
    public mutating func readInt64(_ what: @autoclosure () -> String = "an int64") throws(BlobDecodingError) -> Int64 {
        try need(8, what())
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return Int64(bitPattern: v)
    }

    /// Reads a VarInt (MSB group first) into 32-bit two's-complement arithmetic, as Java's `readVInt`.
    /// The lone null marker `0x80` and encodings longer than 5 bytes are rejected.
    public mutating func readVarInt(_ what: @autoclosure () -> String = "a VarInt") throws(BlobDecodingError) -> Int32 {
        let start = offset
        var b = try readUInt8(what())
        if b == 0x80 {
            throw BlobDecodingError(.invalidValue, "null marker where \(what()) was expected", offset: start)
        }
        var value = UInt32(b & 0x7F)
        var count = 1
        while b & 0x80 != 0 {
            b = try readUInt8(what())
            count += 1
            if count > 5 { throw BlobDecodingError(.invalidValue, "\(what()) is longer than 5 bytes", offset: start) }
            value = (value << 7) | UInt32(b & 0x7F)
        }
        return Int32(bitPattern: value)
    }

    /// Reads a VarLong (MSB group first) into 64-bit two's-complement arithmetic, as Java's `readVLong`.
    public mutating func readVarLong(_ what: @autoclosure () -> String = "a VarLong") throws(BlobDecodingError) -> Int64 {
        let start = offset
        var b = try readUInt8(what())
        if b == 0x80 {
            throw BlobDecodingError(.invalidValue, "null marker where \(what()) was expected", offset: start)
        }
        var value = UInt64(b & 0x7F)
        var count = 1
        while b & 0x80 != 0 {
            b = try readUInt8(what())
            count += 1
            if count > 10 { throw BlobDecodingError(.invalidValue, "\(what()) is longer than 10 bytes", offset: start) }
            value = (value << 7) | UInt64(b & 0x7F)
        }
        return Int64(bitPattern: value)
    }

    /// Reads a non-negative VarInt usable as a count or length, rejecting negatives and values above `limit`.
    public mutating func readCount(_ what: @autoclosure () -> String, limit: Int = Int(Int32.max)) throws(BlobDecodingError) -> Int {
        let start = offset
        let v = try readVarLong(what())
        guard v >= 0, v <= Int64(limit) else {
            throw BlobDecodingError(.invalidValue, "\(what()) is \(v), outside 0...\(limit)", offset: start)
        }
        return Int(v)
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(BlobDecodingError) -> ArraySlice<UInt8> {
        try need(count, what())
        let slice = bytes[offset..<(offset + count)]
        offset += count
        return slice
    }

    /// Reads `count` big-endian 64-bit words (Java `writeLong` each) in one pass.
    /// The count is checked against the bytes left before anything is allocated.
    public mutating func readBigEndianWords(_ count: Int, _ what: @autoclosure () -> String = "64-bit words") throws(BlobDecodingError) -> [UInt64] {
        guard count >= 0, count <= (end - offset) / 8 else {
            throw BlobDecodingError(.truncated, "input ends inside \(what()) (needs \(count) words, \(end - offset) bytes left)", offset: offset)
        }
        let start = offset
        let words = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    buffer[i] = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: start &+ i &* 8, as: UInt64.self))
                }
            }
            initialized = count
        }
        offset += count * 8
        return words
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "skipped bytes") throws(BlobDecodingError) {
        try need(count, what())
        offset += count
    }

    /// Reads a string written by Java's `DataOutput.writeUTF`: a uint16 length, then modified UTF-8.
    public mutating func readUTF(_ what: @autoclosure () -> String = "a name") throws(BlobDecodingError) -> String {
        let lengthBits = try readInt16(what())
        let length = Int(UInt16(bitPattern: lengthBits))
        let start = offset
        let raw = try readBytes(length, what())
        guard let s = ModifiedUTF8.decode(raw) else {
            throw BlobDecodingError(.invalidValue, "\(what()) is not valid modified UTF-8", offset: start)
        }
        return s
    }
}

/// Java's "modified UTF-8" (`DataOutput.writeUTF`): U+0000 as `C0 80`, supplementary characters as two
/// 3-byte surrogate sequences (CESU-8).
public enum ModifiedUTF8 {
    /// Decodes modified UTF-8 bytes; nil if they are malformed. Unpaired surrogates are kept (``JavaUTF16``).
    public static func decode<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count)
        var it = bytes.makeIterator()
        while let b0 = it.next() {
            if b0 & 0x80 == 0 {
                if b0 == 0 { return nil }
                units.append(UInt16(b0))
            } else if b0 & 0xE0 == 0xC0 {
                guard let b1 = it.next(), b1 & 0xC0 == 0x80 else { return nil }
                units.append(UInt16(b0 & 0x1F) << 6 | UInt16(b1 & 0x3F))
            } else if b0 & 0xF0 == 0xE0 {
                guard let b1 = it.next(), b1 & 0xC0 == 0x80, let b2 = it.next(), b2 & 0xC0 == 0x80 else { return nil }
                units.append(UInt16(b0 & 0x0F) << 12 | UInt16(b1 & 0x3F) << 6 | UInt16(b2 & 0x3F))
            } else {
                return nil
            }
        }
        return JavaUTF16.string(units: units)
    }

    /// Encodes a string as modified UTF-8 (the lone surrogates it carries, ``JavaUTF16``, as Java writes them).
    public static func encode(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        JavaUTF16.forEachUnit(string) { u in
            if u != 0 && u < 0x80 {
                out.append(UInt8(u))
            } else if u < 0x800 {
                out.append(0xC0 | UInt8(u >> 6))
                out.append(0x80 | UInt8(u & 0x3F))
            } else {
                out.append(0xE0 | UInt8(u >> 12))
                out.append(0x80 | UInt8((u >> 6) & 0x3F))
                out.append(0x80 | UInt8(u & 0x3F))
            }
        }
        return out
    }
}
