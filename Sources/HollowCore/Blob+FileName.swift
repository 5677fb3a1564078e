extension Blob {
    /// The kind and versions that a name of ``fileName``'s form names (`snapshot-3`, `delta-2-3`,
    /// `reversedelta-3-2`, `header-3`), or nil for any other name. The inverse of ``fileName``: stores that keep
    /// blobs under those names (a consumer's local blob store) list themselves with it. Compressed and other
    /// store-specific names are the store's own business (HollowFilesystem's `BlobFileName`).
    public static func parse(fileName name: String) -> (type: BlobType, fromVersion: Int64?, toVersion: Int64)? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard let type = BlobType(rawValue: String(parts[0])) else { return nil }
        func version(_ s: Substring) -> Int64? {
            guard !s.isEmpty, s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber) else { return nil }
            guard let v = Int64(s), String(v) == s else { return nil }  // canonical: no leading zeros
            return v
        }
        switch type {
        case .snapshot, .header:
            guard parts.count == 2, let to = version(parts[1]) else { return nil }
            return (type, nil, to)
        case .delta, .reverseDelta:
            guard parts.count == 3, let from = version(parts[1]), let to = version(parts[2]) else { return nil }
            guard type == .delta ? from < to : from > to else { return nil }
            return (type, from, to)
        }
    }
}
