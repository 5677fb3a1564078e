// The scratch memory of the HollowRecord write path: one byte stack for the records being written and one
// ordinal stack for the elements of the collections being written. Writes nest strictly (a referenced record
// or a collection is finished before its parent writes its next field), so each record is a contiguous range
// at the top of the byte stack, and each collection's element ordinals a contiguous range at the top of the
// ordinal stack. Nothing is allocated per record, and no reference count is touched.

/// LIFO scratch of ``HollowRecordWriter``, owned by its ``HollowObjectMapper`` (allocated once, never moved;
/// its buffers grow by reallocation, so writers keep offsets, never pointers).
@usableFromInline
struct RecordStack: RecordBytes {
    @usableFromInline var bytes: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    /// End of the bytes in use.
    @usableFromInline var top = 0
    @usableFromInline var ordinals: UnsafeMutablePointer<Int>
    @usableFromInline var ordinalCapacity: Int
    /// End of the ordinals in use.
    @usableFromInline var ordinalTop = 0

    init() {
        capacity = 1 << 16
        bytes = .allocate(capacity: capacity)
        ordinalCapacity = 1 << 12
        ordinals = .allocate(capacity: ordinalCapacity)
    }

    func deallocate() {
        bytes.deallocate()
        ordinals.deallocate()
    }

    /// Room for `n` more bytes.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if top &+ n > capacity { grow(n) }
    }

    @usableFromInline
    mutating func grow(_ n: Int) { Self.regrow(&bytes, capacity: &capacity, inUse: top, needed: top + n) }

    /// Moves the first `inUse` elements of `buffer` into one at least twice as large and at least `needed` long.
    private static func regrow<T>(
        _ buffer: inout UnsafeMutablePointer<T>, capacity: inout Int, inUse: Int, needed: Int
    ) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let grown = UnsafeMutablePointer<T>.allocate(capacity: c)
        grown.moveInitialize(from: buffer, count: inUse)
        buffer.deallocate()
        buffer = grown
        capacity = c
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        bytes[top] = byte
        top &+= 1
    }

    @inline(__always)
    mutating func append(contentsOf b: UnsafeRawBufferPointer) {
        let n = b.count
        guard n > 0 else { return }
        reserve(n)
        UnsafeMutableRawPointer(bytes + top).copyMemory(from: b.baseAddress!, byteCount: n)
        top &+= n
    }

    /// The bytes from `start` to the top.
    @inline(__always)
    func record(from start: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + start, count: top &- start)
    }

    @inlinable @inline(__always)
    mutating func pushOrdinal(_ o: Int) {
        if ordinalTop == ordinalCapacity { growOrdinals() }
        ordinals[ordinalTop] = o
        ordinalTop &+= 1
    }

    @usableFromInline
    mutating func growOrdinals() {
        Self.regrow(&ordinals, capacity: &ordinalCapacity, inUse: ordinalTop, needed: ordinalTop + 1)
    }

    /// The ordinals from `base` to the top.
    @inline(__always)
    func ordinals(from base: Int) -> UnsafeMutableBufferPointer<Int> {
        UnsafeMutableBufferPointer(start: ordinals + base, count: ordinalTop &- base)
    }
}
