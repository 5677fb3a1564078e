/// The header every Hollow blob starts with (FORMAT.md §3): format version 1030, the randomized tags of the
/// origin and destination states, the schemas and the header tags.
///
/// Java: `com.netflix.hollow.core.HollowBlobHeader`. A consumer reads it to compare `hollow.schema.hash`
/// or to see whether a delta changes schemas before applying it.
public struct HollowBlobHeader: Sendable, Hashable {
    /// The blob format version every Java Hollow v7 blob carries.
    public static let formatVersion: Int32 = 1030

    /// The randomized tag of the state the blob starts from (a snapshot's: the producer's previous state, or -1).
    public var originRandomizedTag: Int64
    /// The randomized tag of the state the blob leads to.
    public var destinationRandomizedTag: Int64
    /// The schemas listed in the header: all types for snapshots and header blobs, changed types for deltas.
    public var schemas: [HollowSchema]
    /// The header tags (`hollow.blob.to.version`, `hollow.schema.hash`, ...).
    public var headerTags: [String: String]
    /// The number of bytes the header takes.
    public var byteCount: Int

    /// The `hollow.blob.to.version` tag as a number: the version the blob leads to.
    public var toVersion: Int64? { headerTags["hollow.blob.to.version"].flatMap { Int64($0) } }
    /// The `hollow.schema.hash` tag.
    public var schemaHash: String? { headerTags["hollow.schema.hash"] }
    /// True when the producer tagged the state with `hollow.schema.changedFromPriorVersion=true`.
    public var schemaChangedFromPriorVersion: Bool { headerTags["hollow.schema.changedFromPriorVersion"] == "true" }

    /// A header with the given parts (e.g. to test ``ReadState/schemaChanges(in:)``).
    public init(
        originRandomizedTag: Int64, destinationRandomizedTag: Int64, schemas: [HollowSchema], headerTags: [String: String],
        byteCount: Int = 0
    ) {
        self.originRandomizedTag = originRandomizedTag
        self.destinationRandomizedTag = destinationRandomizedTag
        self.schemas = schemas
        self.headerTags = headerTags
        self.byteCount = byteCount
    }

    /// Reads the header at the start of `bytes`.
    /// - Throws: ``BlobDecodingError`` `.badMagic` for another format version, `.unsupported` for optional
    ///   blob parts, `.truncated`/`.invalidValue` for malformed headers.
    public static func read(_ bytes: [UInt8]) throws(BlobDecodingError) -> HollowBlobHeader {
        var reader = ByteReader(bytes)
        return try read(from: &reader)
    }

    /// Reads the header at the start of `input` (only the first bytes of a file or stream are read).
    /// - Throws: as ``read(_:)``, and `.readFailed` when the input fails.
    public static func read(_ input: BlobInput) throws(BlobDecodingError) -> HollowBlobHeader {
        var reader = try ByteReader(input)
        return try read(from: &reader)
    }

    /// Reads a header from `reader`, leaving it at the first byte after the header tags.
    public static func read(from reader: inout ByteReader) throws(BlobDecodingError) -> HollowBlobHeader {
        let start = reader.offset
        let magic = try reader.readInt32("the blob format version")
        if magic == 1031 {
            throw BlobDecodingError(.unsupported, "this is an optional blob part (format 1031), which is not supported", offset: start)
        }
        guard magic == formatVersion else {
            throw BlobDecodingError(
                .badMagic, "not a Hollow blob: format version \(magic), expected \(formatVersion)", offset: start)
        }
        let origin = try reader.readInt64("the origin randomized tag")
        let destination = try reader.readInt64("the destination randomized tag")
        let envelope = try reader.readCount("the schema envelope length", limit: Int.max >> 8)
        var schemas: [HollowSchema] = []
        if envelope != 0 {
            let count = try reader.readCount("the schema count")
            schemas.reserveCapacity(min(count, reader.remaining))
            for _ in 0..<count { schemas.append(try HollowSchema.read(from: &reader)) }
            let skip = try reader.readCount("the forward-compatibility byte count", limit: Int.max >> 8)
            try reader.skip(skip, "forward-compatibility bytes")
        }
        let tagAt = reader.offset
        let tagCount = Int(try reader.readInt16("the header tag count"))
        guard tagCount >= 0 else {
            throw BlobDecodingError(.invalidValue, "negative header tag count \(tagCount)", offset: tagAt)
        }
        var tags: [String: String] = [:]
        for _ in 0..<tagCount {
            let key = try reader.readUTF("a header tag key")
            tags[key] = try reader.readUTF("the value of header tag \(key)")
        }
        return HollowBlobHeader(
            originRandomizedTag: origin, destinationRandomizedTag: destination, schemas: schemas, headerTags: tags,
            byteCount: reader.offset - start)
    }
}

/// The kinds of blob (FORMAT.md §2), as found by parsing.
public enum HollowBlobKind: String, Sendable, Hashable {
    case snapshot, delta, header
}

// MARK: - Parsed blobs

/// One shard payload of a parsed blob.
struct ParsedShard: Sendable {
    var maxShardOrdinal: Int
    var removed: [Int] = []
    var added: [Int] = []
    var segment: AnySegment
}

enum AnySegment: Sendable {
    case object(ObjectSegment), list(ListSegment), set(SetSegment), map(MapSegment)

    var recordCount: Int {
        switch self {
        case .object(let s): s.recordCount
        case .list(let s): s.recordCount
        case .set(let s): s.recordCount
        case .map(let s): s.recordCount
        }
    }

    var byteSize: Int {
        switch self {
        case .object(let s): s.byteSize
        case .list(let s): s.byteSize
        case .set(let s): s.byteSize
        case .map(let s): s.byteSize
        }
    }
}

/// One type section of a parsed blob.
struct ParsedSection: Sendable {
    var schema: HollowSchema
    var numShards: Int
    var maxOrdinal: Int
    var shards: [ParsedShard]
    /// The populated bit set (snapshots only).
    var populated: [UInt64]?
    var byteRange: Range<Int>
}

/// A fully parsed and validated blob.
struct ParsedBlob: Sendable {
    var header: HollowBlobHeader
    var kind: HollowBlobKind
    var sections: [ParsedSection]
}

enum BlobParser {
    /// Upper bound for a shard count (Java uses powers of two; real blobs have at most a few hundred shards).
    static let maxShards = 1 << 16

    /// Parses `bytes` as a blob of `kind` (`.snapshot` or `.delta`; reverse deltas are deltas), validating
    /// every count and length and that nothing trails the last type section.
    static func parse(
        _ bytes: [UInt8], as kind: HollowBlobKind, filter: HollowFilterConfig? = nil
    ) throws(BlobDecodingError) -> ParsedBlob {
        try parse(BlobInput(bytes: bytes), as: kind, filter: filter)
    }

    /// Parses `input` as ``parse(_:as:filter:)`` does, reading a file or stream in bounded pieces.
    static func parse(
        _ input: BlobInput, as kind: HollowBlobKind, filter: HollowFilterConfig? = nil
    ) throws(BlobDecodingError) -> ParsedBlob {
        var r = try ByteReader(input)
        let header = try HollowBlobHeader.read(from: &r)
        if kind == .header {
            let at = r.offset
            let n = try r.readCount("the schema count of a header blob")
            guard n == header.schemas.count else {
                throw BlobDecodingError(.invalidValue, "header blob ends with schema count \(n), but lists \(header.schemas.count) schemas", offset: at)
            }
            guard r.isAtEnd else {
                throw BlobDecodingError(.trailingBytes, "\(r.remaining) bytes follow the header blob", offset: r.offset)
            }
            return ParsedBlob(header: header, kind: .header, sections: [])
        }
        let count = try r.readCount("the number of type sections")
        var sections: [ParsedSection] = []
        sections.reserveCapacity(min(count, r.remaining))
        var seen = Set<String>()
        for _ in 0..<count {
            guard let section = try parseSection(&r, snapshot: kind == .snapshot, filter: filter) else { continue }
            guard seen.insert(section.schema.name).inserted else {
                throw BlobDecodingError(.invalidValue, "type \(section.schema.name) has two sections", offset: section.byteRange.lowerBound)
            }
            sections.append(section)
        }
        guard r.isAtEnd else {
            throw BlobDecodingError(.trailingBytes, "\(r.remaining) bytes follow the last type section", offset: r.offset)
        }
        return ParsedBlob(header: header, kind: kind, sections: sections)
    }

    /// What a blob parses as, trying snapshot, delta, then header blob; nil if none.
    static func classify(_ bytes: [UInt8]) -> HollowBlobKind? {
        for kind in [HollowBlobKind.header, .delta, .snapshot] {
            if (try? parse(bytes, as: kind)) != nil { return kind }
        }
        return nil
    }

    /// Parses one type section; nil when `filter` drops the type (its data is skipped, not loaded).
    private static func parseSection(
        _ r: inout ByteReader, snapshot: Bool, filter: HollowFilterConfig?
    ) throws(BlobDecodingError) -> ParsedSection? {
        let start = r.offset
        let fullSchema = try HollowSchema.read(from: &r)
        var schema = fullSchema
        var keptFields: HollowObjectSchema?
        if let filter {
            guard let kept = filter.apply(to: fullSchema) else {
                try skipSection(&r, schema: fullSchema, snapshot: snapshot)
                return nil
            }
            schema = kept
            if case .object(let o) = kept, case .object(let full) = fullSchema, o.fields.count != full.fields.count {
                keptFields = o
            }
        }
        let name = schema.name
        let envelope = try r.readCount("the shard envelope of \(name)")
        var numShards = 1
        if envelope != 0 {
            let skip = try r.readCount("the forward-compatibility byte count of \(name)", limit: Int.max >> 8)
            try r.skip(skip, "forward-compatibility bytes of \(name)")
            let at = r.offset
            numShards = try r.readCount("the shard count of \(name)", limit: maxShards)
            guard numShards > 0, numShards & (numShards - 1) == 0 else {
                throw BlobDecodingError(.invalidValue, "type \(name) has \(numShards) shards, not a power of two", offset: at)
            }
        }
        var maxOrdinal = -1
        if numShards > 1 {
            let at = r.offset
            maxOrdinal = Int(try r.readVarInt("the max ordinal of \(name)"))
            guard maxOrdinal >= -1 else {
                throw BlobDecodingError(.invalidValue, "type \(name) has max ordinal \(maxOrdinal)", offset: at)
            }
        }
        let shift = numShards.trailingZeroBitCount
        var shards: [ParsedShard] = []
        shards.reserveCapacity(numShards)
        for s in 0..<numShards {
            let what = numShards > 1 ? "\(name) shard \(s)" : name
            let at = r.offset
            let maxShardOrdinal = Int(try r.readVarInt("the max shard ordinal of \(what)"))
            guard maxShardOrdinal >= -1 else {
                throw BlobDecodingError(.invalidValue, "\(what) has max ordinal \(maxShardOrdinal)", offset: at)
            }
            if numShards > 1 {
                // Shard s holds the global ordinals s, s + n, ...: its max cannot exceed the type's.
                let globalMax = maxShardOrdinal < 0 ? -1 : maxShardOrdinal << shift | s
                guard globalMax <= maxOrdinal else {
                    throw BlobDecodingError(
                        .invalidValue, "\(what) has max ordinal \(maxShardOrdinal), beyond the type's max ordinal \(maxOrdinal)", offset: at)
                }
            } else {
                maxOrdinal = maxShardOrdinal
            }
            var removed: [Int] = []
            var added: [Int] = []
            let recordCount: Int
            if snapshot {
                recordCount = maxShardOrdinal + 1
            } else {
                removed = try GapEncodedOrdinals.read(from: &r, maxOrdinal: Int(Int32.max), "the removed ordinals of \(what)")
                added = try GapEncodedOrdinals.read(from: &r, maxOrdinal: maxShardOrdinal, "the added ordinals of \(what)")
                recordCount = added.count
            }
            let segment: AnySegment
            switch fullSchema {
            case .object(let o):
                segment = .object(
                    try ObjectSegment.read(from: &r, schema: o, recordCount: recordCount, what, keeping: keptFields))
            case .list: segment = .list(try ListSegment.read(from: &r, recordCount: recordCount, what))
            case .set: segment = .set(try SetSegment.read(from: &r, recordCount: recordCount, what))
            case .map: segment = .map(try MapSegment.read(from: &r, recordCount: recordCount, what))
            }
            shards.append(ParsedShard(maxShardOrdinal: maxShardOrdinal, removed: removed, added: added, segment: segment))
        }
        var populated: [UInt64]?
        if snapshot {
            let at = r.offset
            let bits = try OrdinalBits.read(from: &r, "the populated ordinals of \(name)")
            let highest = OrdinalBits.highest(bits)
            guard highest <= maxOrdinal else {
                throw BlobDecodingError(
                    .invalidValue, "type \(name) marks ordinal \(highest) populated, beyond its max ordinal \(maxOrdinal)", offset: at)
            }
            if numShards > 1 {
                let mask = numShards - 1
                var bad: Int?
                OrdinalBits.forEach(bits) { o in
                    if bad == nil, o >> shift > shards[o & mask].maxShardOrdinal { bad = o }
                }
                if let bad {
                    throw BlobDecodingError(
                        .invalidValue, "type \(name) marks ordinal \(bad) populated, beyond the max ordinal of its shard", offset: at)
                }
            }
            // Keep the bit set no longer than the type needs.
            let words = (maxOrdinal + 1 + 63) / 64
            populated = bits.count > words ? Array(bits[0..<words]) : bits
        }
        return ParsedSection(
            schema: schema, numShards: numShards, maxOrdinal: maxOrdinal, shards: shards, populated: populated,
            byteRange: start..<r.offset)
    }

    /// Reads past the rest of a type section (after its schema) without keeping anything: a filtered type.
    /// Only the structure is checked (counts and lengths within the blob), not the values.
    private static func skipSection(
        _ r: inout ByteReader, schema: HollowSchema, snapshot: Bool
    ) throws(BlobDecodingError) {
        let name = schema.name
        func skipCounted(_ r: inout ByteReader, _ what: String) throws(BlobDecodingError) {
            let n = try r.readCount("the byte count of \(what)", limit: Int.max >> 8)
            try r.skip(n, what)
        }
        func skipWords(_ r: inout ByteReader, _ what: String) throws(BlobDecodingError) {
            let n = try r.readCount("the word count of \(what)", limit: Int.max >> 8)
            try r.skip(n * 8, what)
        }
        func skipVarInts(_ r: inout ByteReader, _ n: Int, _ what: String) throws(BlobDecodingError) {
            for _ in 0..<n { _ = try r.readVarInt(what) }
        }
        let envelope = try r.readCount("the shard envelope of \(name)")
        var numShards = 1
        if envelope != 0 {
            let skip = try r.readCount("the forward-compatibility byte count of \(name)", limit: Int.max >> 8)
            try r.skip(skip, "forward-compatibility bytes of \(name)")
            let at = r.offset
            numShards = try r.readCount("the shard count of \(name)", limit: maxShards)
            guard numShards > 0, numShards & (numShards - 1) == 0 else {
                throw BlobDecodingError(.invalidValue, "type \(name) has \(numShards) shards, not a power of two", offset: at)
            }
        }
        if numShards > 1 { _ = try r.readVarInt("the max ordinal of \(name)") }
        for _ in 0..<numShards {
            _ = try r.readVarInt("the max shard ordinal of \(name)")
            if !snapshot {
                try skipCounted(&r, "the removed ordinals of \(name)")
                try skipCounted(&r, "the added ordinals of \(name)")
            }
            switch schema {
            case .object(let o):
                try skipVarInts(&r, o.fields.count, "the bit widths of \(name)")
                try skipWords(&r, "the fixed-length data of \(name)")
                for _ in o.fields { try skipCounted(&r, "the var-length data of \(name)") }
            case .list:
                try skipVarInts(&r, 2, "the widths of \(name)")
                _ = try r.readCount("the element count of \(name)", limit: Int(Int64.max >> 8))
                try skipWords(&r, "the pointers of \(name)")
                try skipWords(&r, "the elements of \(name)")
            case .set:
                try skipVarInts(&r, 3, "the widths of \(name)")
                _ = try r.readCount("the bucket count of \(name)", limit: Int(Int64.max >> 8))
                try skipWords(&r, "the pointers of \(name)")
                try skipWords(&r, "the buckets of \(name)")
            case .map:
                try skipVarInts(&r, 4, "the widths of \(name)")
                _ = try r.readCount("the bucket count of \(name)", limit: Int(Int64.max >> 8))
                try skipWords(&r, "the pointers of \(name)")
                try skipWords(&r, "the buckets of \(name)")
            }
        }
        if snapshot {
            let at = r.offset
            let n = Int(try r.readInt32("the populated word count of \(name)"))
            guard n >= 0 else { throw BlobDecodingError(.invalidValue, "\(name) declares \(n) populated words", offset: at) }
            try r.skip(n * 8, "the populated ordinals of \(name)")
        }
    }
}
