public import HollowCore
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The aggregator's write-ahead journal: every message received from an edge is appended and flushed to disk
/// before the broker is acknowledged, and dropped once a published state holds it.
///
/// The MQTT client runs libmosquitto in threaded mode: the PUBACK of a QoS 1 message is queued while the message is
/// handled and written by the network thread after the message callback has returned, so a message appended in the
/// callback is on disk before the broker drops it from the aggregator's session.
/// A crash between the acknowledgement and the next published cycle then loses nothing: a restarted aggregator
/// replays the journal (a redelivered interval changes nothing).
///
/// Format: records of `topic length (UInt32, little-endian)`, `payload length (UInt32)`, the topic's UTF-8 bytes
/// and the payload. A record cut short at the end (a crash inside a write) is dropped when the journal is opened.
public final class AggregatorJournal: Sendable {
    /// One journaled message.
    public struct Entry: Sendable, Equatable {
        /// The MQTT topic the message arrived on.
        public let topic: String
        /// The message's payload.
        public let payload: [UInt8]
        /// Creates an entry.
        public init(topic: String, payload: [UInt8]) {
            self.topic = topic
            self.payload = payload
        }
    }

    /// The journal file.
    public let path: String
    /// The entries found when the journal was opened, oldest first (to be replayed before receiving).
    public let recovered: [Entry]
    /// `size` is the file's length; `base` the bytes discarded from its front since it was opened, so that the
    /// positions handed out (`base + size`) keep growing across discards.
    private let state: Mutex<(fd: Int32, size: Int, base: Int)>
    private static let headerSize = 8
    /// Topic and payload bounds: MQTT's own limits (a topic is at most 65,535 bytes, a packet at most 256 MiB).
    private static let maxTopic = 65_535
    private static let maxPayload = 268_435_455

    /// Opens (or creates) the journal at `path` and reads its entries.
    /// - Throws: ``KeaEdgeIOError`` when the file cannot be opened, read or repaired, or when a record is
    ///   malformed before the end (the error names the file and the offset; nothing is truncated then).
    public init(path: String, logger: Logger = .hollowDisabled) throws(KeaEdgeIOError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw KeaEdgeIOError("open journal \(path)", errno: errno) }
        let bytes: [UInt8]
        do { bytes = try SystemSupport.readFile(path) } catch {
            close(fd)
            throw error
        }
        var entries: [Entry] = []
        var offset = 0
        while bytes.count - offset >= Self.headerSize {
            let topicLength = Self.uint32(bytes, offset)
            let payloadLength = Self.uint32(bytes, offset + 4)
            guard topicLength <= Self.maxTopic, payloadLength <= Self.maxPayload else {
                close(fd)
                throw KeaEdgeIOError(
                    "read journal \(path)",
                    message: "record at offset \(offset) declares a topic of \(topicLength) and a payload of "
                        + "\(payloadLength) bytes, beyond MQTT's limits: the file is not a journal or is damaged")
            }
            let end = offset + Self.headerSize + topicLength + payloadLength
            guard end <= bytes.count else { break }  // cut short by a crash inside a write
            let topicStart = offset + Self.headerSize
            guard let topic = String(validating: bytes[topicStart..<(topicStart + topicLength)], as: UTF8.self) else {
                close(fd)
                throw KeaEdgeIOError("read journal \(path)", message: "record at offset \(offset) has a topic that is not UTF-8")
            }
            entries.append(Entry(topic: topic, payload: Array(bytes[(topicStart + topicLength)..<end])))
            offset = end
        }
        if offset < bytes.count {
            logger.warning(
                "dropping a journal record cut short by a crash",
                metadata: ["journal": "\(path)", "offset": "\(offset)", "bytes": "\(bytes.count - offset)"])
            if ftruncate(fd, off_t(offset)) != 0 || fsync(fd) != 0 {
                let e = errno
                close(fd)
                throw KeaEdgeIOError("truncate journal \(path)", errno: e)
            }
        }
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let e = errno
            close(fd)
            throw KeaEdgeIOError("seek journal \(path)", errno: e)
        }
        recovered = entries
        state = Mutex((fd, offset, 0))
    }

    deinit {
        state.withLock { _ = close($0.fd) }
    }

    /// The position after the last record appended (bytes ever appended since the journal was opened, counting
    /// the recovered ones): what ``discard(through:)`` takes.
    public var position: Int { state.withLock { $0.base + $0.size } }

    /// The bytes the journal file holds now.
    public var fileSize: Int { state.withLock { $0.size } }

    /// Appends one message and flushes it to disk.
    /// - Returns: the ``position`` after the record (what ``discard(through:)`` takes once a published state
    ///   holds this message and everything before it).
    @discardableResult
    public func append(topic: String, payload: [UInt8]) throws(KeaEdgeIOError) -> Int {
        let topicBytes = Array(topic.utf8)
        guard topicBytes.count <= Self.maxTopic, payload.count <= Self.maxPayload else {
            throw KeaEdgeIOError("append to journal \(path)", message: "message of \(payload.count) bytes on a \(topicBytes.count)-byte topic is beyond MQTT's limits")
        }
        var record = [UInt8]()
        record.reserveCapacity(Self.headerSize + topicBytes.count + payload.count)
        Self.append(UInt32(topicBytes.count), to: &record)
        Self.append(UInt32(payload.count), to: &record)
        record += topicBytes
        record += payload
        return try state.withLock { s throws(KeaEdgeIOError) -> Int in
            var written = 0
            while written < record.count {
                let n = record.withUnsafeBytes { write(s.fd, $0.baseAddress! + written, $0.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = errno
                    // Leave no partial record behind the good ones.
                    _ = ftruncate(s.fd, off_t(s.size))
                    _ = lseek(s.fd, off_t(s.size), SEEK_SET)
                    throw KeaEdgeIOError("append to journal \(path)", errno: e)
                }
                written += n
            }
            if fdatasync(s.fd) != 0 {
                let e = errno
                _ = ftruncate(s.fd, off_t(s.size))
                _ = lseek(s.fd, off_t(s.size), SEEK_SET)
                throw KeaEdgeIOError("flush journal \(path)", errno: e)
            }
            s.size += record.count
            return s.base + s.size
        }
    }

    /// Drops the records before `position` (one returned by ``append(topic:payload:)`` or ``position``), keeping
    /// those appended after it. Called once a published state holds everything up to `position`.
    public func discard(through position: Int) throws(KeaEdgeIOError) {
        try state.withLock { s throws(KeaEdgeIOError) in
            let offset = position - s.base
            guard offset > 0 else { return }
            if offset >= s.size {
                if ftruncate(s.fd, 0) != 0 || fsync(s.fd) != 0 { throw KeaEdgeIOError("truncate journal \(path)", errno: errno) }
                if lseek(s.fd, 0, SEEK_SET) < 0 { throw KeaEdgeIOError("seek journal \(path)", errno: errno) }
                s.base += s.size
                s.size = 0
                return
            }
            // Records arrived after `offset`: they move to a new journal that replaces this one atomically.
            var tail = [UInt8](repeating: 0, count: s.size - offset)
            var done = 0
            while done < tail.count {
                let n = tail.withUnsafeMutableBytes { pread(s.fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw KeaEdgeIOError("read journal \(path)", errno: errno)
                }
                if n == 0 { throw KeaEdgeIOError("read journal \(path)", message: "ends at \(offset + done) bytes, expected \(s.size)") }
                done += n
            }
            try SystemSupport.writeFile(path, tail, durable: true)
            let fd = open(path, O_RDWR | O_CLOEXEC)
            if fd < 0 { throw KeaEdgeIOError("open journal \(path)", errno: errno) }
            if lseek(fd, off_t(tail.count), SEEK_SET) < 0 {
                let e = errno
                close(fd)
                throw KeaEdgeIOError("seek journal \(path)", errno: e)
            }
            close(s.fd)
            s.fd = fd
            s.base += offset
            s.size = tail.count
        }
    }

    private static func uint32(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
