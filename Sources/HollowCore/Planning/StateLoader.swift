/// Builds the ``ReadState`` of a version from any ``BlobRetriever``: the one way from a store to a state.
///
/// The consumer, producer restore, the `hollow` commands (`dump`, `inspect`, `store --check`), the explorer and
/// kea-edge all load through it. It plans with ``UpdatePlanner`` (the only planner) and applies the plan:
/// a snapshot, then deltas forward or reverse deltas back.
public struct StateLoader: Sendable {
    /// The planner, over the retriever the loader reads from.
    public let planner: UpdatePlanner

    /// The retriever blobs come from.
    public var retriever: any BlobRetriever { planner.retriever }

    /// The filter snapshots are loaded with (deltas follow the loaded state's filter); nil loads everything.
    public let filter: HollowFilterConfig?

    /// Creates a loader.
    /// - Parameters:
    ///   - retriever: where blobs come from (a filesystem store, a cache, any other retriever).
    ///   - maxDeltasBeforeDoubleSnapshot: longer delta chains from a loaded state are replaced by a snapshot.
    ///   - filter: load only the types and fields it keeps (Java: `withFilterConfig`).
    public init(retriever: any BlobRetriever, maxDeltasBeforeDoubleSnapshot: Int = 32, filter: HollowFilterConfig? = nil) {
        planner = UpdatePlanner(retriever: retriever, maxDeltasBeforeDoubleSnapshot: maxDeltasBeforeDoubleSnapshot)
        self.filter = filter
    }

    /// A loaded version with the plan that reached it.
    public struct Loaded: Sendable {
        /// The state.
        public var state: ReadState
        /// The blobs applied to reach it.
        public var plan: UpdatePlan
        /// The version loaded.
        public var version: Int64 { plan.destinationVersion }
    }

    /// Loads exactly `version` from scratch: the nearest snapshot at or below it plus deltas, or else the nearest
    /// snapshot above it plus reverse deltas.
    /// - Throws: ``RefreshError`` (`.versionNotFound` when no path reaches `version`, `.retrievalFailed` or
    ///   `.blobInvalid` when a blob cannot be read or applied).
    public func load(version: Int64) async throws -> Loaded {
        let plan = try await planner.plan(from: nil, to: version)
        return Loaded(state: try await apply(plan, to: nil), plan: plan)
    }

    /// Loads `version` starting from the snapshot of exactly `snapshotVersion`, then deltas forward or reverse
    /// deltas back, however long the chain.
    /// - Throws: ``RefreshError`` `.versionNotFound` when there is no such snapshot or no chain from it.
    public func load(version: Int64, fromSnapshot snapshotVersion: Int64) async throws -> Loaded {
        guard let snapshot = try await retriever.retrieveSnapshotBlob(desiredVersion: snapshotVersion),
            snapshot.toVersion == snapshotVersion
        else {
            throw RefreshError(.versionNotFound, "no snapshot of version \(snapshotVersion)", requestedVersion: version)
        }
        guard let chain = try await planner.transitions(from: snapshotVersion, to: version) else {
            let kind = snapshotVersion < version ? "delta" : "reverse delta"
            throw RefreshError(
                .versionNotFound, "no \(kind) chain from version \(snapshotVersion) to \(version)",
                requestedVersion: version)
        }
        let plan = UpdatePlan(snapshot: snapshot, transitions: chain, destinationVersion: version)
        return Loaded(state: try await apply(plan, to: nil), plan: plan)
    }

    /// Moves `current` (at `currentVersion`, nil when nothing is loaded) to `version` the cheapest way: deltas,
    /// reverse deltas, or a snapshot when the chain is too long or the schema changes.
    public func update(_ current: ReadState?, at currentVersion: Int64?, to version: Int64) async throws -> Loaded {
        let plan = try await planner.plan(
            from: current == nil ? nil : currentVersion,
            currentSchemaHash: current?.headerTags[HollowHeaderTag.schemaHash], to: version)
        return Loaded(state: try await apply(plan, to: current), plan: plan)
    }

    /// Applies `plan` to `base` (ignored when the plan starts with a snapshot) and returns the new state; `base`
    /// itself is never changed.
    /// - Throws: ``RefreshError`` `.retrievalFailed` when a blob cannot be read, `.blobInvalid` when it is refused.
    public func apply(_ plan: UpdatePlan, to base: ReadState?) async throws -> ReadState {
        let steps = try await applyStepwise(plan, to: base)
        if let last = steps.last { return last.to }
        guard let base else {
            throw RefreshError(.versionNotFound, "no snapshot to start from", requestedVersion: plan.destinationVersion)
        }
        return base  // an empty plan: already at the destination
    }

    /// One state reached while applying a plan: a loaded snapshot (`from` is nil) or one delta or reverse delta.
    public typealias Step = (from: ReadState?, to: ReadState)

    /// Like ``apply(_:to:)``, but returns every state reached on the way, in order (the last one is the
    /// destination; none for an empty plan), for listeners that follow each transition (e.g. indexes updated per
    /// delta).
    /// - Throws: ``RefreshError`` as ``apply(_:to:)``.
    public func applyStepwise(_ plan: UpdatePlan, to base: ReadState?) async throws -> [Step] {
        var steps: [Step] = []
        var state: ReadState
        let requested = plan.destinationVersion
        if let snapshot = plan.snapshot {
            let filter = self.filter
            state = try await Self.read(snapshot, requested: requested) { try ReadState.load(snapshot: $0, filter: filter) }
            steps.append((nil, state))
        } else if let base {
            state = base
        } else {
            throw RefreshError(.versionNotFound, "no snapshot to start from", requestedVersion: requested)
        }
        for blob in plan.transitions {
            let from = state
            state = try await Self.read(blob, requested: requested) { bytes in
                blob.type == .delta ? try from.applying(delta: bytes) : try from.applying(reverseDelta: bytes)
            }
            steps.append((from, state))
        }
        return steps
    }

    private static func read(
        _ blob: Blob, requested: Int64, _ body: ([UInt8]) throws -> ReadState
    ) async throws -> ReadState {
        let bytes: [UInt8]
        do {
            bytes = try await blob.bytes()
        } catch {
            throw RefreshError(.retrievalFailed, "could not read \(blob.fileName): \(error)", requestedVersion: requested)
        }
        do {
            return try body(bytes)
        } catch let error as HollowFilterError {
            throw RefreshError(.filterRefused, "\(blob.fileName): \(error.message)", requestedVersion: requested)
        } catch {
            throw RefreshError(.blobInvalid, "\(blob.fileName) was refused: \(error)", requestedVersion: requested)
        }
    }
}

extension ReadState {
    /// The state of exactly `version` in `retriever`'s store (see ``StateLoader/load(version:)``).
    public static func load(version: Int64, from retriever: any BlobRetriever) async throws -> ReadState {
        try await StateLoader(retriever: retriever).load(version: version).state
    }
}
