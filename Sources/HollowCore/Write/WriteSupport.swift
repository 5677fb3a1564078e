// Low-level helpers of the write side: bit-packed arrays, bit sets, Java-compatible hashing and the
// in-memory record encoding. Internal to HollowCore; named `Write*` to stay clear of the read side's helpers.

/// A growable bit-packed array of 64-bit words, little-endian bit order (FORMAT.md §1.5).
struct WriteBitArray {
    var words: [UInt64]

    init(bits: Int) {
        words = Array(repeating: 0, count: bits <= 0 ? 0 : (bits + 63) >> 6)
    }

    /// Stores `value` (masked to `width` bits) at `bitOffset`, replacing what was there.
    @inline(__always)
    mutating func set(_ bitOffset: Int, _ width: Int, _ value: UInt64) {
        if width == 0 { return }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        let v = value & mask
        let word = bitOffset >> 6
        let shift = bitOffset & 63
        words[word] = (words[word] & ~(mask << UInt64(shift))) | (v << UInt64(shift))
        if shift + width > 64 {
            let spill = UInt64(64 - shift)
            let highMask = mask >> spill
            words[word + 1] = (words[word + 1] & ~highMask) | (v >> spill)
        }
    }

    @inline(__always)
    func get(_ bitOffset: Int, _ width: Int) -> UInt64 {
        if width == 0 { return 0 }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        let word = bitOffset >> 6
        let shift = bitOffset & 63
        var v = words[word] >> UInt64(shift)
        if shift + width > 64 {
            v |= words[word + 1] << UInt64(64 - shift)
        }
        return v & mask
    }

    /// Writes `VarLong numWords` then the first `numWords` words big-endian.
    func write(to w: inout ByteWriter, numWords: Int) {
        w.writeVarLong(Int64(numWords))
        w.writeInt64s(words, count: numWords)
    }
}

/// A plain bit set over ordinals.
struct WriteBitSet: Equatable {
    private(set) var words: [UInt64] = []

    @inline(__always)
    func contains(_ i: Int) -> Bool {
        let w = i >> 6
        return w < words.count && (words[w] >> UInt64(i & 63)) & 1 != 0
    }

    @inline(__always)
    mutating func insert(_ i: Int) {
        let w = i >> 6
        if w >= words.count { words.append(contentsOf: repeatElement(0, count: w - words.count + 1)) }
        words[w] |= 1 << UInt64(i & 63)
    }

    mutating func remove(_ i: Int) {
        let w = i >> 6
        if w < words.count { words[w] &= ~(1 << UInt64(i & 63)) }
    }

    mutating func removeAll() { words.removeAll(keepingCapacity: true) }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The highest member, or -1.
    var max: Int {
        var i = words.count - 1
        while i >= 0 {
            if words[i] != 0 { return i * 64 + 63 - words[i].leadingZeroBitCount }
            i -= 1
        }
        return -1
    }

    static func == (a: WriteBitSet, b: WriteBitSet) -> Bool {
        let n = Swift.max(a.words.count, b.words.count)
        for i in 0..<n {
            let x = i < a.words.count ? a.words[i] : 0
            let y = i < b.words.count ? b.words[i] : 0
            if x != y { return false }
        }
        return true
    }

    /// Members in ascending order.
    func forEach(_ body: (Int) throws -> Void) rethrows {
        for (wi, word) in words.enumerated() {
            var w = word
            while w != 0 {
                let b = w.trailingZeroBitCount
                try body(wi * 64 + b)
                w &= w - 1
            }
        }
    }

    /// Java's `ThreadSafeBitSet.serializeBitsTo`: int32 word count (a multiple of 256 words, at least 256),
    /// then the words big-endian.
    func serialize(to w: inout ByteWriter) {
        let maxBit = max
        let segments = maxBit < 0 ? 1 : (maxBit >> 14) + 1
        let numWords = segments * 256
        w.writeInt32(Int32(numWords))
        w.writeInt64s(words, count: numWords)
    }
}

// MARK: - In-memory record encoding (FORMAT.md §9.1), VarInts as Java writes them.

/// Where records are encoded: a `[UInt8]`, or the mapper's ``RecordStack`` (the ``HollowRecord`` path).
protocol RecordBytes {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer)
}

extension Array: RecordBytes where Element == UInt8 {}

@inline(__always)
func appendVarInt<B: RecordBytes>(_ buf: inout B, _ v: UInt32) {
    if v > 0x0FFF_FFFF { buf.append(0x80 | UInt8(v >> 28)) }
    if v > 0x1F_FFFF { buf.append(0x80 | UInt8((v >> 21) & 0x7F)) }
    if v > 0x3FFF { buf.append(0x80 | UInt8((v >> 14) & 0x7F)) }
    if v > 0x7F { buf.append(0x80 | UInt8((v >> 7) & 0x7F)) }
    buf.append(UInt8(v & 0x7F))
}

@inline(__always)
func appendVarLong<B: RecordBytes>(_ buf: inout B, _ v: UInt64) {
    // Straightforward form: groups at shifts 63, 56, ..., 7 (bit 63 alone as the leading 0x81).
    if v >> 63 != 0 { buf.append(0x81) }
    var sh: UInt64 = 56
    while sh >= 7 {
        if v >> sh != 0 { buf.append(0x80 | UInt8((v >> sh) & 0x7F)) }
        sh -= 7
    }
    buf.append(UInt8(v & 0x7F))
}

/// Reads a VarInt/VarLong at `p` in `buf`; returns value and advances `p`.
@inline(__always)
func readVar(_ buf: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> UInt64 {
    var b = buf[p]
    p += 1
    var v = UInt64(b & 0x7F)
    while b & 0x80 != 0 {
        b = buf[p]
        p += 1
        v = (v << 7) | UInt64(b & 0x7F)
    }
    return v
}

@inline(__always)
func zigZag32(_ v: Int32) -> UInt32 { UInt32(bitPattern: (v << 1) ^ (v >> 31)) }
@inline(__always)
func zigZag64(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inline(__always)
func unZigZag64(_ e: UInt64) -> Int64 { Int64(bitPattern: (e >> 1) ^ (0 &- (e & 1))) }
