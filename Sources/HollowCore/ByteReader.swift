/// A bounds-checked cursor over a blob's bytes that reads Hollow's primitive encodings
/// (big-endian integers, MSB-first VarInt/VarLong, Java modified UTF-8).
///
/// It reads an array in memory in place, or a ``BlobInputStream`` (a file, a decompressing stream) through a
/// window of 1 MiB that it refills as it goes: bulk reads (``readBigEndianWords(_:_:)``, ``readByteArray(_:_:)``)
/// copy straight from the window into the arrays a state keeps, so a streamed blob is never in memory whole.
///
/// Every read throws ``BlobDecodingError`` with code `.truncated` instead of reading past the end, and
/// `.readFailed` when the stream fails.
public struct ByteReader {
    /// The bytes in memory: the whole blob, or for a stream the current window (whose first byte is at
    /// ``offset`` minus the bytes already consumed from it).
    public private(set) var bytes: [UInt8]
    /// The blob offset of `bytes[0]` (0 for an array).
    private var origin: Int = 0
    /// The index in `bytes` of the next byte to read.
    private var cursor: Int
    /// How many bytes of `bytes` hold data.
    private var filled: Int
    /// Where reading stops (exclusive): the blob's length.
    public let end: Int
    /// The stream the window is refilled from; nil for an array.
    private let stream: (any BlobInputStream)?

    /// The size of a stream's window.
    static let windowSize = 1 << 20

    /// A reader over `bytes`, starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.init(window: bytes, cursor: offset, filled: bytes.count, end: bytes.count, stream: nil)
    }

    private init(window: [UInt8], cursor: Int, filled: Int, end: Int, stream: (any BlobInputStream)?) {
        self.bytes = window
        self.cursor = cursor
        self.filled = filled
        self.end = end
        self.stream = stream
    }

    /// A reader over `stream`, from its current position (counted as offset 0).
    /// - Throws: ``BlobDecodingError`` `.readFailed` when the stream does not know its length.
    public init(_ stream: any BlobInputStream) throws(BlobDecodingError) {
        if let memory = stream as? MemoryBlobInputStream {
            self.init(memory.bytes)
            return
        }
        guard let length = stream.length else {
            throw BlobDecodingError(.readFailed, "the blob's length is not known before reading it (stage it to a file first)")
        }
        self.init(window: [], cursor: 0, filled: 0, end: length, stream: stream)
    }

    /// A reader over a new stream of `input`.
    /// - Throws: ``BlobDecodingError`` `.readFailed` when the input cannot be opened.
    public init(_ input: BlobInput) throws(BlobDecodingError) {
        if let bytes = input.bytesInMemory {
            self.init(bytes)
            return
        }
        let stream: any BlobInputStream
        do {
            stream = try input.open()
        } catch {
            throw BlobDecodingError(.readFailed, "cannot open the blob: \(error)")
        }
        try self.init(stream)
    }

    /// The offset of the next byte to read.
    public var offset: Int { origin &+ cursor }
    /// Bytes left to read.
    public var remaining: Int { end - offset }
    /// True when every byte has been read.
    public var isAtEnd: Bool { offset >= end }

    @inline(__always)
    private mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws(BlobDecodingError) {
        if n < 0 || n > end - offset {
            throw BlobDecodingError(.truncated, "input ends inside \(what()) (needs \(n) bytes, \(end - offset) left)", offset: offset)
        }
        if n > filled &- cursor { try refill(atLeast: n, what()) }
    }

    /// Moves the unread bytes of the window to its front and reads from the stream until at least `n` bytes
    /// (never past ``end``) are in the window.
    private mutating func refill(atLeast n: Int, _ what: @autoclosure () -> String) throws(BlobDecodingError) {
        guard let stream else {
            throw BlobDecodingError(.truncated, "input ends inside \(what())", offset: offset)
        }
        let keep = filled - cursor
        if bytes.count < max(n, Self.windowSize) {
            var grown = [UInt8](repeating: 0, count: max(n, Self.windowSize))
            if keep > 0 { grown[0..<keep] = bytes[cursor..<filled] }
            bytes = grown
        } else if keep > 0 && cursor > 0 {
            let from = cursor
            bytes.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + from, byteCount: keep)
            }
        }
        origin += cursor
        cursor = 0
        filled = keep
        let wanted = min(bytes.count, end - origin)
        while filled < n {
            let got: Int
            do {
                let start = filled
                got = try bytes.withUnsafeMutableBytes { raw in
                    try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<wanted]))
                }
            } catch {
                throw BlobDecodingError(.readFailed, "reading \(what()) failed: \(error)", offset: origin + filled)
            }
            if got == 0 {
                throw BlobDecodingError(
                    .truncated,
                    "input ends inside \(what()): the stream ended after \(origin + filled) of its \(end) bytes",
                    offset: origin + filled)
            }
            filled += got
        }
    }

    /// Reads one byte.
    public mutating func readUInt8(_ what: @autoclosure () -> String = "a byte") throws(BlobDecodingError) -> UInt8 {
        try need(1, what())
        let b = bytes[cursor]
        cursor += 1
        return b
    }

    /// Reads a big-endian signed 16-bit integer (Java `readShort`).
    public mutating func readInt16(_ what: @autoclosure () -> String = "an int16") throws(BlobDecodingError) -> Int16 {
        try need(2, what())
        let v = UInt16(bytes[cursor]) << 8 | UInt16(bytes[cursor + 1])
        cursor += 2
        return Int16(bitPattern: v)
    }

    /// Reads a big-endian signed 32-bit integer (Java `readInt`).
    public mutating func readInt32(_ what: @autoclosure () -> String = "an int32") throws(BlobDecodingError) -> Int32 {
        try need(4, what())
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[cursor + i]) }
        cursor += 4
        return Int32(bitPattern: v)
    }

    /// Reads a big-endian signed 64-bit integer (Java `readLong`).
    public mutating func readInt64(_ what: @autoclosure () -> String = "an int64") throws(BlobDecodingError) -> Int64 {
        try need(8, what())
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[cursor + i]) }
        cursor += 8
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

    /// Reads `count` raw bytes (for a stream, the window grows to hold them: use ``readByteArray(_:_:)`` for
    /// large runs).
    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(BlobDecodingError) -> ArraySlice<UInt8> {
        try need(count, what())
        let slice = bytes[cursor..<(cursor + count)]
        cursor += count
        return slice
    }

    /// Reads `count` raw bytes into a new array, straight from a stream's window in pieces.
    /// The count is checked against the bytes left before anything is allocated.
    public mutating func readByteArray(_ count: Int, _ what: @autoclosure () -> String = "bytes") throws(BlobDecodingError) -> [UInt8] {
        if stream == nil || count <= filled - cursor {
            return Array(try readBytes(count, what()))
        }
        guard count >= 0, count <= end - offset else {
            throw BlobDecodingError(.truncated, "input ends inside \(what()) (needs \(count) bytes, \(end - offset) left)", offset: offset)
        }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            if filled == cursor { try refill(atLeast: 1, what()) }
            let take = min(filled - cursor, count - result.count)
            result.append(contentsOf: bytes[cursor..<(cursor + take)])
            cursor += take
        }
        return result
    }

    /// Reads `count` big-endian 64-bit words (Java `writeLong` each) in one pass.
    /// The count is checked against the bytes left before anything is allocated.
    public mutating func readBigEndianWords(_ count: Int, _ what: @autoclosure () -> String = "64-bit words") throws(BlobDecodingError) -> [UInt64] {
        guard count >= 0, count <= (end - offset) / 8 else {
            throw BlobDecodingError(.truncated, "input ends inside \(what()) (needs \(count) words, \(end - offset) bytes left)", offset: offset)
        }
        // No array for zero words: `Array(unsafeUninitializedCapacity: 0)` stores its count into the runtime's one
        // shared empty-array storage, a write two loading threads make at once (ThreadSanitizer reports it).
        if count == 0 { return [] }
        if stream == nil || count * 8 <= filled - cursor {
            let start = cursor
            let words = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        buffer[i] = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: start &+ i &* 8, as: UInt64.self))
                    }
                }
                initialized = count
            }
            cursor += count * 8
            return words
        }
        var words = [UInt64](repeating: 0, count: count)
        var done = 0
        while done < count {
            if filled - cursor < 8 { try refill(atLeast: 8, what()) }
            let take = min((filled - cursor) / 8, count - done)
            let from = cursor
            let at = done
            bytes.withUnsafeBytes { raw in
                words.withUnsafeMutableBufferPointer { out in
                    for i in 0..<take {
                        out[at &+ i] = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: from &+ i &* 8, as: UInt64.self))
                    }
                }
            }
            cursor += take * 8
            done += take
        }
        return words
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "skipped bytes") throws(BlobDecodingError) {
        if stream == nil || count <= filled - cursor {
            try need(count, what())
            cursor += count
            return
        }
        guard count >= 0, count <= end - offset else {
            throw BlobDecodingError(.truncated, "input ends inside \(what()) (needs \(count) bytes, \(end - offset) left)", offset: offset)
        }
        var left = count
        while left > 0 {
            if filled == cursor { try refill(atLeast: 1, what()) }
            let take = min(filled - cursor, left)
            cursor += take
            left -= take
        }
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
        // ASCII without NUL (type and field names, most strings) is the same in UTF-8: skip the UTF-16 detour.
        if bytes.allSatisfy({ $0 != 0 && $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
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
