extension ReadState {
    /// Bytes of record data type `name` holds (fixed-length words, heaps, bit sets), or nil for an unknown type.
    /// Segments shared with other states are counted in full.
    public func loadedByteCount(ofType name: String) -> Int? { types[name]?.byteSize }

    /// The bytes of record data per type (``loadedByteCount(ofType:)``), sorted by type name as Java sorts.
    public var footprintByType: [(type: String, bytes: Int)] {
        typeNames.map { ($0, types[$0]?.byteSize ?? 0) }
    }
}
