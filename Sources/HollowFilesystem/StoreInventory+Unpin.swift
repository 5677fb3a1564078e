public import HollowCore

// Hollow's unpin procedure (infrastructure guide, "pinning consumers"): after consumers were pinned to a
// version P because something published after P was bad, the producer is restarted from P and its first
// cycle publishes a delta out of P to a new version N, past the abandoned versions. Only then is it safe to
// unpin: consumers at P follow the delta out of P, and before that cycle it leads into the abandoned chain.

extension StoreInventory {
    /// Whether consumers pinned to a version can be unpinned without walking into the versions published
    /// after it (see ``unpinAssessment(pinnedVersion:)``).
    public struct UnpinAssessment: Sendable, Hashable {
        /// True when the delta out of the pinned version does not lead into versions published after it on the
        /// old chain (or there is nothing past the pin).
        public var isSafe: Bool
        /// The delta consumers at the pinned version follow (the one reaching furthest, as the retriever picks
        /// it), or nil.
        public var deltaOut: BlobFileName?
        /// Versions after the pinned one that the delta out of it skips (abandoned by a restored producer).
        public var skipped: [Int64]
        /// The versions consumers at the pinned version walk through by deltas, after it.
        public var path: [Int64]
        /// One sentence for an operator.
        public var explanation: String
    }

    /// The delta out of `version` that a consumer follows: the one reaching furthest (as
    /// ``FilesystemBlobRetriever`` picks it), or nil.
    public func deltaOut(of version: Int64) -> BlobFileName? {
        deltas.map(\.name).filter { $0.fromVersion == version }.max { $0.toVersion < $1.toVersion }
    }

    /// Whether unpinning consumers pinned to `pinnedVersion` is safe: the delta out of it must skip the
    /// versions published after it on the old chain (a producer restored at the pinned version wrote it), so
    /// that unpinned consumers never load an abandoned version. With no delta out of the pinned version,
    /// consumers reach the announced version through a snapshot, which is safe too.
    public func unpinAssessment(pinnedVersion p: Int64) -> UnpinAssessment {
        var path: [Int64] = []
        var seen: Set<Int64> = [p]
        var at = p
        while let d = deltaOut(of: at), seen.insert(d.toVersion).inserted, path.count < 100_000 {
            path.append(d.toVersion)
            at = d.toVersion
        }
        let announced = announcedVersion.map(String.init) ?? "none"
        guard let out = deltaOut(of: p) else {
            let later = versions.filter { $0 > p }
            let how = later.isEmpty ? "no version was published after it" : "consumers reach the announced version (\(announced)) through a snapshot"
            return UnpinAssessment(
                isSafe: true, deltaOut: nil, skipped: [], path: [],
                explanation: "there is no delta out of pinned version \(p): \(how)")
        }
        let skipped = versions.filter { $0 > p && $0 < out.toVersion }
        if skipped.isEmpty {
            return UnpinAssessment(
                isSafe: false, deltaOut: out, skipped: [], path: path,
                explanation: "the delta out of pinned version \(p) (\(out.fileName)) still leads into the chain published after it "
                    + "(\(path.map(String.init).joined(separator: " → "))): unpinned consumers would load those versions. "
                    + "Publish from the pinned version first (hollow publish --restore-pinned ...)")
        }
        let reaches = announcedVersion.map { path.contains($0) } ?? true
        return UnpinAssessment(
            isSafe: reaches, deltaOut: out, skipped: skipped, path: path,
            explanation: reaches
                ? "the delta out of pinned version \(p) (\(out.fileName)) skips the abandoned versions \(Self.list(skipped)) and "
                    + "leads to the announced version \(announced): safe to unpin"
                : "the delta out of pinned version \(p) (\(out.fileName)) skips \(Self.list(skipped)) but its chain "
                    + "(\(path.map(String.init).joined(separator: " → "))) does not reach the announced version \(announced)")
    }

    private static func list(_ versions: [Int64]) -> String {
        versions.count <= 6
            ? versions.map(String.init).joined(separator: ", ")
            : "\(versions.first!)…\(versions.last!) (\(versions.count) versions)"
    }
}
