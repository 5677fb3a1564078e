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

    /// Whether blobs are checked against the digests the producer recorded (see ``BlobDigests``).
    public let verifiesDigests: Bool
    /// The filter snapshots are loaded with (deltas follow the loaded state's filter); nil loads everything.
    public let filter: HollowFilterConfig?

    /// Creates a loader.
    /// - Parameters:
    ///   - retriever: where blobs come from (a filesystem store, a cache, any other retriever).
    ///   - maxDeltasBeforeDoubleSnapshot: longer delta chains from a loaded state are replaced by a snapshot.
    ///   - verifiesDigests: check every blob against its recorded digest before applying it (blobs without one
    ///     load unverified); false skips the check.
    ///   - filter: load only the types and fields it keeps (Java: `withFilterConfig`).
    public init(
        retriever: any BlobRetriever, maxDeltasBeforeDoubleSnapshot: Int = 32, verifiesDigests: Bool = true,
        filter: HollowFilterConfig? = nil
    ) {
        planner = UpdatePlanner(retriever: retriever, maxDeltasBeforeDoubleSnapshot: maxDeltasBeforeDoubleSnapshot)
        self.verifiesDigests = verifiesDigests
        self.filter = filter
    }

    /// A loaded version with the plan that reached it.
    public struct Loaded: Sendable {
        /// The state.
        public var state: ReadState
        /// The blobs applied to reach it.
        public var plan: UpdatePlan
        /// Whether every blob of the plan matched a recorded digest.
        public var verification: BlobVerification
        /// The version loaded.
        public var version: Int64 { plan.destinationVersion }
    }

    /// Loads exactly `version` from scratch: the nearest snapshot at or below it plus deltas, or else the nearest
    /// snapshot above it plus reverse deltas.
    /// - Throws: ``RefreshError`` (`.versionNotFound` when no path reaches `version`, `.retrievalFailed` or
    ///   `.blobInvalid` when a blob cannot be read or applied).
    public func load(version: Int64) async throws -> Loaded {
        let plan = try await planner.plan(from: nil, to: version)
        return try await loaded(plan, from: nil)
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
        return try await loaded(plan, from: nil)
    }

    /// Moves `current` (at `currentVersion`, nil when nothing is loaded) to `version` the cheapest way: deltas,
    /// reverse deltas, or a snapshot when the chain is too long or the schema changes.
    public func update(_ current: ReadState?, at currentVersion: Int64?, to version: Int64) async throws -> Loaded {
        let plan = try await planner.plan(
            from: current == nil ? nil : currentVersion,
            currentSchemaHash: current?.headerTags[HollowHeaderTag.schemaHash], to: version)
        return try await loaded(plan, from: current)
    }

    private func loaded(_ plan: UpdatePlan, from base: ReadState?) async throws -> Loaded {
        let applied = try await applyVerifying(plan, to: base)
        guard let state = applied.steps.last?.to ?? base else {
            throw RefreshError(.versionNotFound, "no snapshot to start from", requestedVersion: plan.destinationVersion)
        }
        return Loaded(state: state, plan: plan, verification: applied.verification)
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
        try await applyVerifying(plan, to: base).steps
    }

    /// The states reached by applying a plan, and whether every blob applied matched a recorded digest.
    public struct AppliedPlan: Sendable {
        /// Every state reached, as ``applyStepwise(_:to:)`` returns them.
        public var steps: [Step]
        /// `.verified` when every blob of the plan (at least one) matched its recorded digest.
        public var verification: BlobVerification
    }

    /// Like ``applyStepwise(_:to:)``, and also says whether the plan's blobs were verified.
    ///
    /// Each blob is checked against the digest recorded with it (``BlobRetriever/retrieveBlobDigests(version:)``)
    /// before it is applied. On a mismatch the retriever is told (``BlobRetriever/blobFailedVerification(_:)``,
    /// a cache drops its copy) and the blob is read once more; a second mismatch fails with `.blobDamaged`.
    /// - Throws: ``RefreshError`` as ``apply(_:to:)``, and `.blobDamaged` naming the blob and both digests.
    public func applyVerifying(_ plan: UpdatePlan, to base: ReadState?) async throws -> AppliedPlan {
        var steps: [Step] = []
        var state: ReadState
        var verified = true
        let requested = plan.destinationVersion
        if let snapshot = plan.snapshot {
            let filter = self.filter
            let (loaded, ok) = try await read(snapshot, requested: requested) {
                try ReadState.load(snapshot: $0, filter: filter)
            }
            state = loaded
            verified = verified && ok
            steps.append((nil, state))
        } else if let base {
            state = base
        } else {
            throw RefreshError(.versionNotFound, "no snapshot to start from", requestedVersion: requested)
        }
        for blob in plan.transitions {
            let from = state
            let (next, ok) = try await read(blob, requested: requested) { input in
                blob.type == .delta ? try from.applying(delta: input) : try from.applying(reverseDelta: input)
            }
            state = next
            verified = verified && ok
            steps.append((from, state))
        }
        return AppliedPlan(steps: steps, verification: verified && !steps.isEmpty ? .verified : .unverified)
    }

    /// The digest recorded for `blob`, or nil.
    /// - Throws: ``RefreshError`` `.retrievalFailed` when the record exists but cannot be read.
    public func recordedDigest(of blob: Blob, requested: Int64? = nil) async throws -> BlobDigest? {
        do {
            return try await retriever.retrieveBlobDigests(version: BlobDigests.recordingVersion(of: blob))?[blob]
        } catch {
            throw RefreshError(
                .retrievalFailed, "could not read the recorded digest of \(blob.fileName): \(error)",
                requestedVersion: requested)
        }
    }

    /// Reads `blob` through `body` (which loads or applies it from its ``BlobInput`` in bounded pieces), checks
    /// the bytes read against the blob's recorded digest, and returns the result and whether the blob was verified.
    ///
    /// The digest is computed while `body` reads the blob; the new state is only returned once it matched, so a
    /// damaged blob never becomes a state. When `body` stops early (a refused blob), the rest is hashed to tell
    /// damage (`.blobDamaged`, after one more read) from a blob that is whole but invalid (`.blobInvalid`).
    private func read(
        _ blob: Blob, requested: Int64, _ body: (BlobInput) throws -> ReadState
    ) async throws -> (ReadState, Bool) {
        let recorded = verifiesDigests ? try await recordedDigest(of: blob, requested: requested) : nil
        func retrievalFailed(_ error: any Error) -> RefreshError {
            RefreshError(.retrievalFailed, "could not read \(blob.fileName): \(error)", requestedVersion: requested)
        }
        func attempt() async throws -> (result: Result<ReadState, any Error>, digest: BlobDigest?) {
            let input: BlobInput
            do {
                input = try await blob.input()
            } catch {
                throw retrievalFailed(error)
            }
            guard recorded != nil else { return (Result { try body(input) }, nil) }
            let recorder = BlobDigestRecorder()
            let result = Result { try body(input.recordingDigest(into: recorder)) }
            if let digest = recorder.digest { return (result, digest) }
            do {
                return (result, try input.digest())
            } catch {
                throw retrievalFailed(error)
            }
        }
        var (result, digest) = try await attempt()
        if let recorded, let computed = digest, computed != recorded {
            // Drop a cached copy and read the blob again from its source.
            await retriever.blobFailedVerification(blob)
            (result, digest) = try await attempt()
            if let computed = digest, computed != recorded {
                await retriever.blobFailedVerification(blob)
                let error = BlobDigestError.mismatch(blobName: blob.fileName, recorded: recorded, computed: computed)
                throw RefreshError(
                    .blobDamaged, "\(error.message) (read twice; the state was not changed)", requestedVersion: requested)
            }
        }
        do {
            return (try result.get(), recorded != nil)
        } catch let error as HollowFilterError {
            throw RefreshError(.filterRefused, "\(blob.fileName): \(error.message)", requestedVersion: requested)
        } catch let error as BlobDecodingError where error.code == .readFailed {
            throw retrievalFailed(error)
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
