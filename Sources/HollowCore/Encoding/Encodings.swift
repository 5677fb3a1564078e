// Hollow's value encodings (FORMAT.md §1): bit-packed fixed-length arrays, gap-encoded ordinal lists,
// populated-ordinal bit sets, zig-zag, VarInt-per-UTF-16-unit strings, and the hash functions readers need.

/// `(1 << width) - 1`, with width 64 giving all ones.
@inlinable @inline(__always)
func allOnes(_ width: Int) -> UInt64 {
    width >= 64 ? UInt64.max : (UInt64(1) &<< UInt64(width)) &- 1
}

/// `64 - leadingZeroBitCount`, as Java's bit-length computations.
@inline(__always)
func bitLength(_ value: UInt64) -> Int { 64 - value.leadingZeroBitCount }

/// A fixed-length bit-packed array (FORMAT.md §1.5): a little-endian bit string over 64-bit words, in which
/// elements of any width 0...64 may straddle two words.
@usableFromInline
struct PackedBits: Sendable {
    /// The words; bit `k` is bit `k & 63` of word `k >> 6`.
    @usableFromInline var words: [UInt64]

    init(words: [UInt64]) { self.words = words }

    /// Zeroed storage for at least `bits` bits.
    init(bitCount bits: Int) { words = [UInt64](repeating: 0, count: (bits + 63) / 64) }

    /// The number of bits the array holds.
    var bitCapacity: Int { words.count &* 64 }

    /// The element of `width` bits at `bitOffset`. The caller guarantees `bitOffset + width <= bitCapacity`
    /// (validated when the array is loaded).
    @inlinable @inline(__always)
    func get(_ bitOffset: Int, _ width: Int) -> UInt64 {
        if width == 0 { return 0 }
        let index = bitOffset &>> 6
        let bit = bitOffset & 63
        var value = words[index] &>> UInt64(bit)
        if bit &+ width > 64 { value |= words[index &+ 1] &<< UInt64(64 &- bit) }
        return width == 64 ? value : value & ((UInt64(1) &<< UInt64(width)) &- 1)
    }

    /// The element of `width` bits at `bitOffset`, `mask` being ``allOnes(_:)`` of `width`: the read path of
    /// generated APIs, without bounds checks (the loader validated that every record's bits lie in ``words``).
    @inlinable @inline(__always)
    func get(_ bitOffset: Int, _ width: Int, mask: UInt64) -> UInt64 {
        if width == 0 { return 0 }
        let index = bitOffset &>> 6
        let bit = bitOffset & 63
        return words.withUnsafeBufferPointer { w in
            var value = w[index] &>> UInt64(bit)
            if bit &+ width > 64 { value |= w[index &+ 1] &<< UInt64(64 &- bit) }
            return value & mask
        }
    }

    /// Stores the low `width` bits of `value` at `bitOffset` (the bits there must be zero).
    @inline(__always)
    mutating func orIn(_ bitOffset: Int, _ width: Int, _ value: UInt64) {
        if width == 0 { return }
        let v = width == 64 ? value : value & ((UInt64(1) &<< UInt64(width)) &- 1)
        let index = bitOffset &>> 6
        let bit = bitOffset & 63
        words[index] |= v &<< UInt64(bit)
        if bit &+ width > 64 { words[index &+ 1] |= v &>> UInt64(64 &- bit) }
    }

    /// Reads `VarLong numWords` + `numWords` big-endian int64 words.
    static func read(from reader: inout ByteReader, _ what: @autoclosure () -> String) throws(BlobDecodingError) -> PackedBits {
        let count = try reader.readCount("the word count of \(what())", limit: Int.max >> 8)
        return PackedBits(words: try reader.readBigEndianWords(count, what()))
    }
}

/// Checked `a * b + c` for sizes computed from blob values; nil on overflow or a negative result.
@inline(__always)
func checkedBits(_ count: Int, _ width: Int, plus extra: Int = 0) -> Int? {
    let (m, o1) = count.multipliedReportingOverflow(by: width)
    if o1 { return nil }
    let (s, o2) = m.addingReportingOverflow(extra)
    if o2 || s < 0 { return nil }
    return s
}

// MARK: - Populated-ordinal bit sets

/// Operations on a populated-ordinals bit set (FORMAT.md §1.7): ordinal `o` is bit `o & 63` of word `o >> 6`.
enum OrdinalBits {
    /// Reads `int32 numWords` + words.
    static func read(from reader: inout ByteReader, _ what: @autoclosure () -> String) throws(BlobDecodingError) -> [UInt64] {
        let start = reader.offset
        let n = Int(try reader.readInt32("the word count of \(what())"))
        guard n >= 0 else { throw BlobDecodingError(.invalidValue, "\(what()) declares \(n) words", offset: start) }
        return try reader.readBigEndianWords(n, what())
    }

    @inline(__always)
    static func contains(_ words: [UInt64], _ ordinal: Int) -> Bool {
        let w = ordinal >> 6
        guard ordinal >= 0, w < words.count else { return false }
        return words[w] & (UInt64(1) << UInt64(ordinal & 63)) != 0
    }

    /// The highest set bit, or -1.
    static func highest(_ words: [UInt64]) -> Int {
        var i = words.count - 1
        while i >= 0 {
            if words[i] != 0 { return i * 64 + 63 - words[i].leadingZeroBitCount }
            i -= 1
        }
        return -1
    }

    static func count(_ words: [UInt64]) -> Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Calls `body` with every set ordinal in ascending order.
    @inline(__always)
    static func forEach(_ words: [UInt64], _ body: (Int) throws -> Void) rethrows {
        for (i, word) in words.enumerated() where word != 0 {
            var w = word
            while w != 0 {
                let bit = w.trailingZeroBitCount
                try body(i &* 64 &+ bit)
                w &= w &- 1
            }
        }
    }

    static func ordinals(_ words: [UInt64]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count(words))
        forEach(words) { out.append($0) }
        return out
    }
}

// MARK: - Gap-encoded ordinal lists

enum GapEncodedOrdinals {
    /// Reads `VarLong numBytes` + VarInt gaps into strictly ascending ordinals, each at most `maxOrdinal`.
    static func read(
        from reader: inout ByteReader, maxOrdinal: Int, _ what: @autoclosure () -> String
    ) throws(BlobDecodingError) -> [Int] {
        let numBytes = try reader.readCount("the byte count of \(what())", limit: Int.max >> 8)
        let end = reader.offset + numBytes
        var out: [Int] = []
        var previous = 0
        var first = true
        while reader.offset < end {
            let at = reader.offset
            let gap = Int(try reader.readVarInt(what()))
            guard reader.offset <= end else {
                throw BlobDecodingError(.invalidValue, "a VarInt of \(what()) runs past its \(numBytes)-byte list", offset: at)
            }
            guard gap >= (first ? 0 : 1) else {
                throw BlobDecodingError(.invalidValue, "\(what()) is not strictly ascending (gap \(gap))", offset: at)
            }
            let ordinal = previous + gap
            guard ordinal <= maxOrdinal else {
                throw BlobDecodingError(
                    .invalidValue, "\(what()) lists ordinal \(ordinal), beyond the maximum ordinal \(maxOrdinal)", offset: at)
            }
            out.append(ordinal)
            previous = ordinal
            first = false
        }
        return out
    }
}

// MARK: - Zig-zag

@usableFromInline
enum ZigZag {
    @inlinable @inline(__always) static func decode32(_ e: UInt64) -> Int32 {
        let u = UInt32(truncatingIfNeeded: e)
        return Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }
    @inlinable @inline(__always) static func decode64(_ e: UInt64) -> Int64 {
        Int64(bitPattern: (e >> 1) ^ (0 &- (e & 1)))
    }
    @inline(__always) static func encode32(_ v: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31)))
    }
    @inline(__always) static func encode64(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v << 1) ^ (v >> 63))
    }
}

// MARK: - String heaps

@usableFromInline
enum HeapString {
    /// Decodes the UTF-16 code units stored as one VarInt each in `bytes[start..<end]` (FORMAT.md §6.3).
    /// Lenient: a VarInt cut off by `end` ends the string; units are truncated to 16 bits.
    static func units(_ bytes: [UInt8], _ start: Int, _ end: Int) -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            var b = bytes[i]
            i += 1
            var v = UInt32(b & 0x7F)
            while b & 0x80 != 0 && i < end {
                b = bytes[i]
                i += 1
                v = (v &<< 7) | UInt32(b & 0x7F)
            }
            out.append(UInt16(truncatingIfNeeded: v))
        }
        return out
    }

    @usableFromInline
    static func string(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String {
        precondition(start >= 0 && start <= end && end <= bytes.count, "heap range out of bounds")
        if start == end { return "" }
        // Fast path: pure ASCII heaps are their own UTF-8 (tested eight bytes at a time).
        let ascii = bytes.withUnsafeBufferPointer { b -> String? in
            let base = b.baseAddress! + start
            let n = end &- start
            var i = 0
            while i &+ 8 <= n {
                if UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return nil }
                i &+= 8
            }
            while i < n {
                if base[i] >= 0x80 { return nil }
                i &+= 1
            }
            return String(decoding: UnsafeBufferPointer(start: base, count: n), as: UTF8.self)
        }
        if let ascii { return ascii }
        return JavaUTF16.string(units: units(bytes, start, end))
    }
}

// MARK: - Hashing (FORMAT.md §8.2, §9.3)

enum HollowHashing {
    /// Java `HashCodes.hashInt`.
    @inline(__always)
    static func hashInt(_ key: Int32) -> Int32 {
        var k = UInt32(bitPattern: key)
        k = ~k &+ (k &<< 15)
        k ^= k >> 12
        k = k &+ (k &<< 2)
        k ^= k >> 4
        k = k &* 2057
        k ^= k >> 16
        return Int32(bitPattern: k)
    }

    /// x86 32-bit MurmurHash3 with Hollow's seed `0xEAB524B9`.
    static func murmur3(_ data: [UInt8], seed: UInt32 = 0xEAB5_24B9) -> Int32 {
        let c1: UInt32 = 0xCC9E_2D51
        let c2: UInt32 = 0x1B87_3593
        var h = seed
        let n = data.count
        var i = 0
        while i + 4 <= n {
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k = k &* c1
            k = (k << 15) | (k >> 17)
            k = k &* c2
            h ^= k
            h = (h << 13) | (h >> 19)
            h = h &* 5 &+ 0xE654_6B64
            i += 4
        }
        var k: UInt32 = 0
        let rest = n & 3
        if rest >= 3 { k ^= UInt32(data[i + 2]) << 16 }
        if rest >= 2 { k ^= UInt32(data[i + 1]) << 8 }
        if rest >= 1 {
            k ^= UInt32(data[i])
            k = k &* c1
            k = (k << 15) | (k >> 17)
            k = k &* c2
            h ^= k
        }
        h ^= UInt32(truncatingIfNeeded: n)
        h ^= h >> 16
        h = h &* 0x85EB_CA6B
        h ^= h >> 13
        h = h &* 0xC2B2_AE35
        h ^= h >> 16
        return Int32(bitPattern: h)
    }

    /// `hashTableSize(n)` of FORMAT.md §8.1.
    static func hashTableSize(_ n: Int) -> Int {
        if n == 0 { return 1 }
        if n < 3 { return n * 2 }
        let x = n * 10 / 7 - 1
        return 1 << bitLength(UInt64(x))
    }
}
