/// A readable summary of one blob (what `hollow inspect` prints): its kind, header, and per type section the
/// schema, shard count, record counts and bytes.
public struct HollowBlobSummary: Sendable {
    /// One type section of the blob.
    public struct TypeSection: Sendable {
        /// The section's schema.
        public var schema: HollowSchema
        /// The number of shards the section is split into.
        public var shardCount: Int
        /// The maximum ordinal the section declares (-1 for none).
        public var maxOrdinal: Int
        /// Snapshot: populated records. Delta: records added.
        public var recordCount: Int
        /// Delta only: records removed.
        public var removedCount: Int
        /// Bytes the section takes in the blob.
        public var byteCount: Int
    }

    /// Whether the blob parsed as a snapshot, a (reverse) delta or a header blob.
    public var kind: HollowBlobKind
    /// The blob header.
    public var header: HollowBlobHeader
    /// The type sections, in blob order (empty for header blobs).
    public var types: [TypeSection]
    /// The blob size in bytes.
    public var byteCount: Int

    /// Parses `bytes` completely (as a header blob, a delta, then a snapshot) and summarises it.
    /// - Throws: ``BlobDecodingError`` from the snapshot attempt when the blob is none of them.
    public static func inspect(_ bytes: [UInt8]) throws(BlobDecodingError) -> HollowBlobSummary {
        var parsed: ParsedBlob?
        if let p = try? BlobParser.parse(bytes, as: .header) {
            parsed = p
        } else if let p = try? BlobParser.parse(bytes, as: .delta) {
            parsed = p
        }
        let blob: ParsedBlob
        if let parsed { blob = parsed } else { blob = try BlobParser.parse(bytes, as: .snapshot) }
        let types = blob.sections.map { s in
            TypeSection(
                schema: s.schema, shardCount: s.numShards, maxOrdinal: s.maxOrdinal,
                recordCount: s.populated.map(OrdinalBits.count) ?? s.shards.reduce(0) { $0 + $1.added.count },
                removedCount: s.shards.reduce(0) { $0 + $1.removed.count }, byteCount: s.byteRange.count)
        }
        return HollowBlobSummary(kind: blob.kind, header: blob.header, types: types, byteCount: bytes.count)
    }
}
