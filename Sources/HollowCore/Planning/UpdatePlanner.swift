

/// The blobs that take a consumer from its current version to a desired one: an optional snapshot,
/// then deltas (forward) or reverse deltas (backward), in order.
public struct UpdatePlan: Sendable {
    /// The snapshot to load first, when the plan starts from scratch (first load or double snapshot).
    public var snapshot: Blob?
    /// The deltas or reverse deltas to apply, in order.
    public var transitions: [Blob]
    /// The version the plan ends at.
    public var destinationVersion: Int64

    /// True when the plan replaces the current state with a snapshot although one was loaded.
    public func isDoubleSnapshot(currentVersion: Int64?) -> Bool { snapshot != nil && currentVersion != nil }
}

/// Plans updates the way Java's `HollowUpdatePlanner` does, with two additions: a pin to an older
/// version walks reverse deltas (no snapshot needed), and a schema change announced by the destination's
/// header blob (`hollow.schema.hash`) is crossed with a snapshot rather than with deltas.
public struct UpdatePlanner: Sendable {
    public let retriever: any BlobRetriever
    /// Longest delta chain followed before a snapshot is preferred (Java: `maxDeltasBeforeDoubleSnapshot`).
    public var maxDeltasBeforeDoubleSnapshot: Int

    public init(retriever: any BlobRetriever, maxDeltasBeforeDoubleSnapshot: Int = 32) {
        self.retriever = retriever
        self.maxDeltasBeforeDoubleSnapshot = max(1, maxDeltasBeforeDoubleSnapshot)
    }

    /// Plans the way from `currentVersion` (nil when nothing is loaded) to exactly `desiredVersion`.
    /// - Parameter currentSchemaHash: the loaded state's `hollow.schema.hash` header tag, if any.
    /// - Throws: ``RefreshError`` with `.versionNotFound` when no path reaches `desiredVersion`.
    public func plan(
        from currentVersion: Int64?, currentSchemaHash: String? = nil, to desiredVersion: Int64
    ) async throws -> UpdatePlan {
        if let current = currentVersion {
            if current == desiredVersion {
                return UpdatePlan(snapshot: nil, transitions: [], destinationVersion: current)
            }
            let schemaChanges = try await schemaChanges(from: currentSchemaHash, to: desiredVersion)
            if !schemaChanges {
                let chain = current < desiredVersion
                    ? try await deltaChain(from: current, to: desiredVersion)
                    : try await reverseDeltaChain(from: current, to: desiredVersion)
                if let chain {
                    return UpdatePlan(snapshot: nil, transitions: chain, destinationVersion: desiredVersion)
                }
            }
        }
        return try await snapshotPlan(to: desiredVersion)
    }

    /// The way to the newest version reachable: deltas from the current version as far as they go, or
    /// without a loaded state the newest snapshot and the deltas after it (Java: refreshing to `Long.MAX_VALUE`).
    public func planToLatest(from currentVersion: Int64?) async throws -> UpdatePlan {
        if let currentVersion {
            let chain = try await deltaChain(from: currentVersion, to: Int64.max, limit: Int.max, stopAtEnd: true) ?? []
            return UpdatePlan(snapshot: nil, transitions: chain, destinationVersion: chain.last?.toVersion ?? currentVersion)
        }
        guard let snapshot = try await retriever.retrieveSnapshotBlob(desiredVersion: Int64.max) else {
            throw RefreshError(.versionNotFound, "the store has no snapshot")
        }
        let chain = try await deltaChain(from: snapshot.toVersion, to: Int64.max, limit: Int.max, stopAtEnd: true) ?? []
        return UpdatePlan(snapshot: snapshot, transitions: chain, destinationVersion: chain.last?.toVersion ?? snapshot.toVersion)
    }

    /// A snapshot at or below `desiredVersion` and deltas up to it, or else the nearest snapshot above it and
    /// reverse deltas back to it (a store whose older snapshots were cleaned away).
    public func snapshotPlan(to desiredVersion: Int64) async throws -> UpdatePlan {
        let below = try await retriever.retrieveSnapshotBlob(desiredVersion: desiredVersion)
            .flatMap { $0.toVersion <= desiredVersion ? $0 : nil }
        if let below {
            if below.toVersion == desiredVersion {
                return UpdatePlan(snapshot: below, transitions: [], destinationVersion: desiredVersion)
            }
            if let chain = try await deltaChain(from: below.toVersion, to: desiredVersion, limit: Int.max) {
                return UpdatePlan(snapshot: below, transitions: chain, destinationVersion: desiredVersion)
            }
        }
        if let above = try await nearestSnapshot(above: desiredVersion),
            let chain = try await reverseDeltaChain(from: above.toVersion, to: desiredVersion, limit: Int.max)
        {
            return UpdatePlan(snapshot: above, transitions: chain, destinationVersion: desiredVersion)
        }
        guard let below else {
            throw RefreshError(
                .versionNotFound, "no snapshot at or below version \(desiredVersion) in the store, "
                    + "and no reverse delta chain from a newer one",
                requestedVersion: desiredVersion)
        }
        throw RefreshError(
            .versionNotFound,
            "version \(desiredVersion) is not in the store (newest snapshot below it is \(below.toVersion), "
                + "and no delta chain leads from it to \(desiredVersion))",
            requestedVersion: desiredVersion)
    }

    /// The deltas (`from < to`) or reverse deltas (`from > to`) that lead from `from` to exactly `to`, however
    /// many; nil when the chain breaks. Empty when `from == to`.
    public func transitions(from: Int64, to: Int64) async throws -> [Blob]? {
        from <= to
            ? try await deltaChain(from: from, to: to, limit: Int.max)
            : try await reverseDeltaChain(from: from, to: to, limit: Int.max)
    }

    /// The snapshot with the smallest version above `version`, found by stepping down from the newest one.
    private func nearestSnapshot(above version: Int64) async throws -> Blob? {
        guard var nearest = try await retriever.retrieveSnapshotBlob(desiredVersion: Int64.max),
            nearest.toVersion > version
        else { return nil }
        for _ in 0..<1_000_000 {
            guard let next = try await retriever.retrieveSnapshotBlob(desiredVersion: nearest.toVersion - 1),
                next.toVersion > version, next.toVersion < nearest.toVersion
            else { break }
            nearest = next
        }
        return nearest
    }

    private func deltaChain(
        from start: Int64, to end: Int64, limit: Int? = nil, stopAtEnd: Bool = false
    ) async throws -> [Blob]? {
        var chain: [Blob] = []
        var version = start
        while version < end {
            if chain.count >= (limit ?? maxDeltasBeforeDoubleSnapshot) { return nil }
            guard let delta = try await retriever.retrieveDeltaBlob(currentVersion: version),
                delta.type == .delta, delta.fromVersion == version, delta.toVersion > version, delta.toVersion <= end
            else { return stopAtEnd ? chain : nil }
            chain.append(delta)
            version = delta.toVersion
        }
        return chain
    }

    private func reverseDeltaChain(from start: Int64, to end: Int64, limit: Int? = nil) async throws -> [Blob]? {
        var chain: [Blob] = []
        var version = start
        while version > end {
            if chain.count >= (limit ?? maxDeltasBeforeDoubleSnapshot) { return nil }
            guard let reverse = try await retriever.retrieveReverseDeltaBlob(currentVersion: version),
                reverse.type == .reverseDelta, reverse.fromVersion == version,
                reverse.toVersion < version, reverse.toVersion >= end
            else { return nil }
            chain.append(reverse)
            version = reverse.toVersion
        }
        return chain
    }

    /// Whether the destination's header blob names another schema hash than the loaded state.
    private func schemaChanges(from currentHash: String?, to version: Int64) async throws -> Bool {
        guard let currentHash,
            let header = try? await retriever.retrieveHeaderBlob(desiredVersion: version),
            let bytes = try? await header.bytes(),
            let parsed = try? HollowBlobHeader.read(bytes),
            let destinationHash = parsed.schemaHash
        else { return false }
        return destinationHash != currentHash
    }
}

/// Header tags Java's `HollowProducer` writes, by their wire names.
public enum HollowHeaderTag {
    public static let toVersion = "hollow.blob.to.version"
    public static let schemaHash = "hollow.schema.hash"
    public static let schemaChanged = "hollow.schema.changedFromPriorVersion"
    public static let cycleStart = "hollow.metric.cycle.start"
    public static let deltaChainCounter = "hollow.delta.chain.version.counter"
}
