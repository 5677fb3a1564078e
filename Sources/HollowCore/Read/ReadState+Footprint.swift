extension ReadState {
    /// Bytes of record data type `name` holds (fixed-length words, heaps, bit sets), or nil for an unknown type.
    /// Segments shared with other states are counted in full.
    public func loadedByteCount(ofType name: String) -> Int? { types[name]?.byteSize }
}
