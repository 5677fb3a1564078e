public import HollowCore
public import Logging

/// Publishes a dataset as a chain of Hollow states (Java: `HollowProducer`).
///
/// Each ``runCycle(_:)`` populates a new state and, if it differs from the last announced one, runs Java's
/// cycle: write the blobs (header, snapshot when due, delta and reverse delta) → integrity check (the last
/// announced state + delta must equal the pending snapshot, and pending + reverse delta the last state, by
/// checksum) → validators → publish the blobs → announce. Unlike Java, blobs are published only after they
/// passed the checks, so a store never holds a delta to a version that failed. Any failure rolls the producer
/// back to the last announced state, and the next cycle's delta starts from it.
public actor HollowProducer {
    /// The handle a cycle's populate closure adds records with (Java: `HollowProducer.WriteState`).
    public final class WriteState {
        /// The engine records go into; use it for schemas and records without the mapper.
        public let stateEngine: HollowWriteStateEngine
        /// The Codable mapper bound to the engine.
        public let objectMapper: HollowObjectMapper
        /// The version this cycle will publish.
        public let version: Int64
        /// The last announced state (nil on the first cycle).
        public let priorState: ReadState?

        init(stateEngine: HollowWriteStateEngine, objectMapper: HollowObjectMapper, version: Int64, priorState: ReadState?) {
            self.stateEngine = stateEngine
            self.objectMapper = objectMapper
            self.version = version
            self.priorState = priorState
        }

        /// Adds a record (and, recursively, the records it references) to the new state.
        @discardableResult
        public func add<T: Encodable>(_ value: T) throws -> Int { try objectMapper.add(value) }

        /// Adds a record that writes itself (``HollowRecord``, no Codable) and the records it references.
        @discardableResult
        @inlinable
        public func add<T: HollowRecord>(_ value: T) throws -> Int { try objectMapper.add(value) }

        /// Adds a value that is both ``HollowRecord`` and `Encodable` through its ``HollowRecord`` conformance.
        @discardableResult
        @inlinable
        public func add<T: HollowRecord & Encodable>(_ value: T) throws -> Int { try objectMapper.add(value) }
    }

    /// When a cycle's snapshot is published (Java: `withSnapshotPublishExecutor`).
    public struct SnapshotPublishing: Sendable, Hashable {
        enum Mode: Hashable { case synchronous, asynchronous(retries: Int, retryDelay: Duration) }
        let mode: Mode

        /// The snapshot is published before the deltas, and the version announced once everything is stored
        /// (the default).
        public static let synchronous = SnapshotPublishing(mode: .synchronous)

        /// The deltas are published and the version announced without waiting for the snapshot, which uploads
        /// meanwhile: a consumer that starts before it lands loads an older snapshot and follows deltas. A failed
        /// upload is retried `retries` times, waiting `retryDelay`, doubled after each attempt; if every attempt
        /// fails the version stays announced without its snapshot (never reported as published), listeners get
        /// ``ProducerListener/snapshotPublishFailed(version:attempt:willRetry:error:)``, and the next cycle
        /// publishes a snapshot again. The first cycle (no delta to follow) always publishes its snapshot first.
        /// ``HollowProducer/runCycle(publishEvenIfUnchanged:_:)`` returns once the upload ended.
        public static func asynchronous(retries: Int = 3, retryDelay: Duration = .seconds(1)) -> SnapshotPublishing {
            SnapshotPublishing(mode: .asynchronous(retries: max(0, retries), retryDelay: retryDelay))
        }
    }

    private let publisher: any Publisher
    private let announcer: (any Announcer)?
    private let validators: [any ValidatorListener]
    private let listeners: [any ProducerListener]
    private let versionMinter: any VersionMinter
    private let logger: Logger
    private let instruments: ProducerInstruments
    /// Snapshots are published on the first cycle and then every `numStatesBetweenSnapshots + 1` cycles.
    public let numStatesBetweenSnapshots: Int
    /// Projected bytes per type shard (Java's default 16 MiB).
    public let targetMaxTypeShardSize: Int
    /// When snapshots are published relative to the deltas and the announcement.
    public let snapshotPublishing: SnapshotPublishing
    /// Where a cycle's blobs wait, as files, while they are published; nil keeps them in memory.
    public let blobStager: (any BlobStager)?
    /// Whether a type's shard count follows its size along the chain (Java: `withTypeResharding`).
    public let allowTypeResharding: Bool

    private var engine: HollowWriteStateEngine
    private var mapper: HollowObjectMapper
    private var registeredSchemas: [HollowSchema] = []
    private var modelTypes: [any Decodable.Type] = []
    private var recordTypes: [any HollowRecord.Type] = []
    /// The last announced state and version.
    public private(set) var readState: ReadState?
    public private(set) var lastAnnouncedVersion: Int64?
    /// The checksum of `readState`, when a cycle computed it (the next cycle's integrity check reuses it).
    private var readStateChecksum: StateChecksum?
    private var statesSinceSnapshot = 0

    /// Creates a producer.
    /// - Parameters:
    ///   - publisher: stores the blobs (filesystem, NFS, ...).
    ///   - announcer: announces each version (MQTT, `announced.version`); nil publishes without announcing.
    ///   - validators: checks run on every pending state before it is published.
    ///   - listeners: observers of every cycle.
    ///   - versionMinter: mints versions; time-based by default.
    ///   - numStatesBetweenSnapshots: deltas published between two snapshots (0 = a snapshot every cycle).
    ///   - targetMaxTypeShardSize: projected bytes per type shard.
    ///   - snapshotPublishing: `.asynchronous()` announces a version once its deltas are stored, while its
    ///     snapshot still uploads.
    ///   - allowTypeResharding: let each type's shard count double or halve between versions as its size crosses
    ///     `targetMaxTypeShardSize` (see ``HollowWriteStateEngine/allowTypeResharding``).
    ///   - blobStager: stages each cycle's blobs in files once they are written and checked; the publisher reads
    ///     them from there (Java: `withBlobStager`). Nil keeps them in memory until they are published.
    ///   - logger: where cycles are logged.
    ///   - metricsDimensions: dimensions (Prometheus labels) of the producer's swift-metrics instruments, e.g.
    ///     `[("namespace", "movies")]` (see docs/metrics.md).
    public init(
        publisher: any Publisher,
        announcer: (any Announcer)? = nil,
        validators: [any ValidatorListener] = [],
        listeners: [any ProducerListener] = [],
        versionMinter: any VersionMinter = TimeBasedVersionMinter(),
        numStatesBetweenSnapshots: Int = 0,
        targetMaxTypeShardSize: Int = 16 << 20,
        snapshotPublishing: SnapshotPublishing = .synchronous,
        allowTypeResharding: Bool = false,
        blobStager: (any BlobStager)? = nil,
        logger: Logger = .hollowDisabled,
        metricsDimensions: [(String, String)] = []
    ) {
        self.instruments = ProducerInstruments(dimensions: metricsDimensions)
        self.publisher = publisher
        self.announcer = announcer
        self.validators = validators
        self.listeners = listeners
        self.versionMinter = versionMinter
        self.numStatesBetweenSnapshots = max(0, numStatesBetweenSnapshots)
        self.targetMaxTypeShardSize = targetMaxTypeShardSize
        self.snapshotPublishing = snapshotPublishing
        self.allowTypeResharding = allowTypeResharding
        self.blobStager = blobStager
        self.logger = logger
        self.engine = HollowWriteStateEngine(targetMaxTypeShardSize: targetMaxTypeShardSize)
        self.engine.allowTypeResharding = allowTypeResharding
        self.mapper = HollowObjectMapper(engine: engine)
    }

    // MARK: Data model

    /// Registers the types of a Codable data model, so they exist in every state even without records.
    public func initializeDataModel(_ types: any Decodable.Type...) throws {
        for type in types {
            try Self.register(type, in: mapper)
            modelTypes.append(type)
        }
    }

    private static func register<T: Decodable>(_ type: T.Type, in mapper: HollowObjectMapper) throws {
        _ = try mapper.initializeTypeState(for: type)
    }

    /// Registers the types of a data model written through ``HollowRecord`` conformances (no Codable), so
    /// they exist in every state even without records.
    public func initializeDataModel(records types: any HollowRecord.Type...) throws {
        for type in types {
            try Self.register(record: type, in: mapper)
            recordTypes.append(type)
        }
    }

    private static func register<T: HollowRecord>(record type: T.Type, in mapper: HollowObjectMapper) throws {
        _ = try mapper.initializeTypeState(for: type)
    }

    /// Registers schemas (for records added through the engine rather than the mapper).
    public func initializeDataModel(schemas: [HollowSchema]) throws {
        for schema in schemas { try engine.addTypeState(schema) }
        registeredSchemas.append(contentsOf: schemas)
    }

    // MARK: Restore

    /// Loads `version` from the store and continues its delta chain (Java: `HollowProducer.restore`): the
    /// next cycle publishes a delta from it. Call once at start-up, after ``initializeDataModel(_:)``.
    /// - Returns: the restored state.
    @discardableResult
    public func restore(version: Int64, retriever: any BlobRetriever) async throws -> ReadState {
        let loaded = try await StateLoader(retriever: retriever).load(version: version)
        let state = loaded.state
        try rebuildEngine(from: state)
        readState = state
        readStateChecksum = nil
        lastAnnouncedVersion = version
        // The restored version is `transitions.count` deltas past its snapshot: keep the snapshot spacing (a
        // version reached back from a newer snapshot starts a new spacing).
        statesSinceSnapshot = loaded.plan.transitions.first?.type == .delta ? loaded.plan.transitions.count : 0
        (versionMinter as? TimeBasedVersionMinter)?.advance(past: version)
        (versionMinter as? CountingVersionMinter)?.advance(past: version)
        logger.info("restored", metadata: ["hollow.version": "\(version)"])
        return state
    }

    /// A fresh engine holding `state` as its previous cycle (restore and rollback).
    private func rebuildEngine(from state: ReadState?) throws {
        let fresh = HollowWriteStateEngine(targetMaxTypeShardSize: targetMaxTypeShardSize)
        fresh.allowTypeResharding = allowTypeResharding
        let freshMapper = HollowObjectMapper(engine: fresh)
        for type in modelTypes { try Self.register(type, in: freshMapper) }
        for type in recordTypes { try Self.register(record: type, in: freshMapper) }
        for schema in registeredSchemas { try fresh.addTypeState(schema) }
        if let state {
            for schema in state.schemas where fresh.schema(named: schema.name) == nil { try fresh.addTypeState(schema) }
            try fresh.restore(from: state)
        }
        engine = fresh
        mapper = freshMapper
    }

    // MARK: Cycles

    /// Runs one cycle: `populate` adds every record of the new state.
    /// - Parameter publishEvenIfUnchanged: publish a new version even when its records equal the last announced
    ///   state's (an empty delta). The unpin procedure needs it: a producer restored at a pinned version whose
    ///   data is the one to keep must still publish the delta out of the pinned version (see docs/operations.md).
    /// - Returns: the version now current: the new one, or the last announced one if nothing changed.
    /// - Throws: whatever failed (populate, integrity check, validation, publishing, announcing); the producer
    ///   has then rolled back to the last announced state.
    @discardableResult
    public func runCycle(publishEvenIfUnchanged: Bool = false, _ populate: (WriteState) throws -> Void) async throws -> Int64 {
        let start = ContinuousClock.now
        let version = versionMinter.mint()
        for l in listeners { l.cycleStarted(version: version) }
        var blobSizes: [String: Int] = [:]
        var phase = PhaseClock(instruments)
        do {
            engine.prepareForNextCycle()
            try populate(WriteState(stateEngine: engine, objectMapper: mapper, version: version, priorState: readState))
            phase.end(.populate)
            if lastAnnouncedVersion != nil, !publishEvenIfUnchanged, !engine.hasChangedSinceLastCycle {
                try rebuildEngine(from: readState)
                let current = lastAnnouncedVersion!
                logger.debug("cycle unchanged", metadata: ["hollow.version": "\(current)"])
                for l in listeners {
                    l.cycleCompleted(.init(version: current, outcome: .unchanged, duration: .now - start, blobSizes: [:]))
                }
                instruments.recordCycle(.unchanged, duration: .now - start)
                return current
            }
            setHeaderTags(version: version)
            let blobs = try await writeAndCheck(version: version)
            phase.end(.write)
            let pending = blobs.pending
            try validate(pending)
            phase.end(.validate)
            // The digest record goes first: by the time a blob is visible, its digest can be checked.
            try await publisher.publishDigests(blobs.digests)
            let deferSnapshot: Bool
            if case .asynchronous = snapshotPublishing.mode, lastAnnouncedVersion != nil { deferSnapshot = true } else { deferSnapshot = false }
            let deferredSnapshot = deferSnapshot ? blobs.toPublish.first { $0.type == .snapshot } : nil
            let toPublish = deferredSnapshot == nil ? blobs.toPublish : blobs.toPublish.filter { $0.type != .snapshot }
            // The deferred snapshot uploads while the deltas are published and the version announced.
            async let snapshotUpload = Self.publishDeferred(
                deferredSnapshot, size: deferredSnapshot.map { blobs.sizes[$0.fileName] ?? 0 } ?? 0, publisher: publisher,
                mode: snapshotPublishing.mode, listeners: listeners, logger: logger)
            for blob in toPublish {
                try await publisher.publish(blob)
                let size = blobs.sizes[blob.fileName] ?? 0
                blobSizes[blob.fileName] = size
                instruments.recordBlob(blob.type, bytes: size)
            }
            phase.end(.publish)
            for l in listeners { l.blobsPublished(version: version, blobs: blobSizes) }
            if let announcer {
                try await announcer.announce(version: version)
                phase.end(.announce)
                for l in listeners { l.announcementCompleted(version: version) }
            }
            readState = pending
            readStateChecksum = blobs.pendingChecksum
            lastAnnouncedVersion = version
            var snapshotStored = blobs.snapshotPublished && deferredSnapshot == nil
            var snapshotFailure: String?
            if let deferredSnapshot {
                switch await snapshotUpload {
                case .some(.success(let size)):
                    snapshotStored = true
                    blobSizes[deferredSnapshot.fileName] = size
                    instruments.recordBlob(.snapshot, bytes: size)
                    for l in listeners { l.snapshotPublished(version: version, bytes: size) }
                case .some(.failure(let error)):
                    snapshotFailure = "\(deferredSnapshot.fileName) was not published: \(error)"
                    instruments.recordSnapshotPublishFailure()
                case .none:
                    break
                }
            }
            // A snapshot that did not land is due again next cycle.
            statesSinceSnapshot =
                snapshotStored ? 0 : (snapshotFailure != nil ? numStatesBetweenSnapshots : statesSinceSnapshot + 1)
            let duration = ContinuousClock.now - start
            instruments.recordPublished(version: version, state: pending, duration: duration)
            logger.info("cycle published", metadata: ["hollow.version": "\(version)", "hollow.cycle.blobs": "\(blobSizes.count)"])
            for l in listeners {
                l.cycleCompleted(
                    .init(version: version, outcome: .published, duration: duration, blobSizes: blobSizes, snapshotFailure: snapshotFailure))
            }
            return version
        } catch {
            logger.warning("cycle failed, rolled back", metadata: ["hollow.version": "\(version)", "error": "\(error)"])
            do { try rebuildEngine(from: readState) } catch {
                logger.error("rollback failed", metadata: ["error": "\(error)"])
            }
            for l in listeners {
                l.cycleCompleted(.init(version: version, outcome: .failed("\(error)"), duration: .now - start, blobSizes: blobSizes))
            }
            instruments.recordCycle(.failed, duration: .now - start)
            throw error
        }
    }

    // MARK: Compaction

    /// Runs a compaction cycle when some type meets `config` (Java: `HollowProducer.runCompactionCycle`): the
    /// new state holds the same records as the last announced one, with records from the high end of each
    /// compacted type's ordinal space moved into its holes (and the records that reference them rewritten).
    /// It is published and announced like any cycle (delta, reverse delta, snapshot when due), so consumers
    /// follow it as an ordinary delta; later snapshots are smaller. Types that reference each other are
    /// compacted by successive calls.
    /// - Returns: the version of the compaction state, or nil when nothing was announced yet or no type meets
    ///   the criteria (then nothing is published).
    /// - Throws: as ``runCycle(_:)``; the producer then rolled back to the last announced state.
    @discardableResult
    public func runCompactionCycle(_ config: CompactionConfig) async throws -> Int64? {
        guard let state = readState else { return nil }
        let compactor = HollowCompactor(readState: state, config: config)
        guard compactor.needsCompaction else {
            logger.debug("compaction not needed", metadata: ["hollow.version": "\(lastAnnouncedVersion ?? -1)"])
            return nil
        }
        var summary: HollowCompactor.Summary?
        let version = try await runCycle { newState in summary = try compactor.compact(newState.stateEngine) }
        logger.info(
            "compaction cycle published",
            metadata: [
                "hollow.version": "\(version)", "hollow.compaction.types": "\(compactor.targets.joined(separator: ","))",
                "hollow.compaction.relocated": "\(summary?.relocated.values.reduce(0, +) ?? 0)",
            ])
        return version
    }

    /// Publishes a snapshot deferred by ``SnapshotPublishing/asynchronous(retries:retryDelay:)``, retrying with
    /// a doubling delay; nil when there is none. Listeners hear of every failed attempt.
    private nonisolated static func publishDeferred(
        _ blob: Blob?, size: Int, publisher: any Publisher, mode: SnapshotPublishing.Mode, listeners: [any ProducerListener], logger: Logger
    ) async -> Result<Int, any Error>? {
        guard let blob, case .asynchronous(let retries, let retryDelay) = mode else { return nil }
        var delay = retryDelay
        for attempt in 1...(retries + 1) {
            do {
                try await publisher.publish(blob)
                return .success(size)
            } catch {
                let willRetry = attempt <= retries && !Task.isCancelled
                logger.log(
                    level: willRetry ? .warning : .error, willRetry ? "snapshot publish failed, retrying" : "snapshot publish failed",
                    metadata: ["hollow.version": "\(blob.toVersion)", "hollow.attempt": "\(attempt)", "error": "\(error)"])
                for l in listeners { l.snapshotPublishFailed(version: blob.toVersion, attempt: attempt, willRetry: willRetry, error: error) }
                guard willRetry else { return .failure(error) }
                do { try await Task.sleep(for: delay) } catch { return .failure(error) }
                delay = delay * 2
            }
        }
        return nil
    }

    private func setHeaderTags(version: Int64) {
        var tags = engine.headerTags
        tags[HollowHeaderTag.toVersion] = String(version)
        tags[HollowHeaderTag.cycleStart] = String(Self.epochMillis())
        tags[HollowHeaderTag.schemaHash] = Self.schemaHash(engine.schemas)
        if let previous = readState?.headerTags[HollowHeaderTag.schemaHash], previous != tags[HollowHeaderTag.schemaHash] {
            tags[HollowHeaderTag.schemaChanged] = "true"
        } else {
            tags.removeValue(forKey: HollowHeaderTag.schemaChanged)
        }
        engine.headerTags = tags
    }

    private struct WrittenBlobs {
        var toPublish: [Blob]
        var pending: ReadState
        /// Nil when there was no previous state to check against.
        var pendingChecksum: StateChecksum?
        var snapshotPublished: Bool
        /// The digests of the published snapshot, delta and reverse delta (also in the header blob's tags).
        var digests: BlobDigests
        /// The size of each blob to publish, by file name.
        var sizes: [String: Int]
    }

    /// Writes the cycle's blobs and checks them: previous + delta == pending, pending + reverse == previous.
    /// The header blob records the digests of the others in its tags (``BlobDigests``). With a ``blobStager``, the
    /// blobs returned are read from their staged files and the arrays they were written to are released.
    private func writeAndCheck(version: Int64) async throws -> WrittenBlobs {
        let snapshot = engine.writeSnapshot()
        // The pending state is loaded on another core while the deltas are written and applied.
        async let loading = ReadState.load(snapshot: snapshot)
        var written: [(blob: Blob, bytes: [UInt8])] = []
        var pendingSum: StateChecksum?
        let snapshotDue = lastAnnouncedVersion == nil || statesSinceSnapshot >= numStatesBetweenSnapshots
        if let previous = readState, let from = lastAnnouncedVersion {
            let delta = engine.writeDelta()
            let reverse = engine.writeReverseDelta()
            let forward = try previous.applying(delta: delta)
            let backward = try forward.applying(reverseDelta: reverse)
            let pending = try await loading
            // Java's four checksums (current, pending, current + delta, pending + reverse delta), hashed in
            // parallel; the current state's is the one computed as the pending state's in the last cycle.
            var states = [pending, forward, backward]
            if readStateChecksum == nil { states.append(previous) }
            let sums = await StateChecksum.of(states)
            let previousSum = readStateChecksum ?? sums[3]
            guard sums[1] == sums[0] else {
                throw IntegrityCheckFailure(message: "state \(from) + delta-\(from)-\(version) differs from snapshot-\(version)")
            }
            guard sums[2] == previousSum else {
                throw IntegrityCheckFailure(message: "state \(version) + reversedelta-\(version)-\(from) differs from state \(from)")
            }
            pendingSum = sums[0]
            written.append((Blob(type: .delta, fromVersion: from, toVersion: version, bytes: delta), delta))
            written.append((Blob(type: .reverseDelta, fromVersion: version, toVersion: from, bytes: reverse), reverse))
        }
        let pending = try await loading
        if snapshotDue { written.append((Blob(type: .snapshot, toVersion: version, bytes: snapshot), snapshot)) }
        var toPublish = written.map(\.blob)
        var digests = BlobDigests(version: version)
        for (blob, bytes) in written { digests.byBlobName[blob.fileName] = BlobDigest(of: bytes) }
        let header = engine.writeHeader(extraTags: digests.headerTags)
        let headerBlob = Blob(type: .header, toVersion: version, bytes: header)
        toPublish.append(headerBlob)
        written.append((headerBlob, header))
        var sizes: [String: Int] = [:]
        for (blob, bytes) in written { sizes[blob.fileName] = bytes.count }
        if let blobStager {
            let contents = written
            toPublish = try await BlockingIO.run { try contents.map { try blobStager.stage($0.bytes, as: $0.blob) } }
        }
        // Snapshot before deltas: a consumer that sees the delta can always find a snapshot chain too.
        toPublish.sort { order($0.type) < order($1.type) }
        return WrittenBlobs(
            toPublish: toPublish, pending: pending, pendingChecksum: pendingSum, snapshotPublished: snapshotDue,
            digests: digests, sizes: sizes)
    }

    private func order(_ type: BlobType) -> Int {
        switch type {
        case .snapshot: 0
        case .reverseDelta: 1
        case .delta: 2
        case .header: 3
        }
    }

    private func validate(_ pending: ReadState) throws {
        guard !validators.isEmpty else { return }
        let results = validators.map { $0.validate(pending: pending, previous: readState) }
        if results.contains(where: { $0.status != .passed }) { throw ValidationFailure(results: results) }
    }

    static func epochMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// A stable hash of the schemas (FNV-1a over their binary form), for `hollow.schema.hash`.
    static func schemaHash(_ schemas: [HollowSchema]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for schema in schemas.sorted(by: { $0.name < $1.name }) {
            var w = ByteWriter()
            schema.write(to: &w)
            for b in w.bytes {
                hash ^= UInt64(b)
                hash = hash &* 0x100_0000_01b3
            }
        }
        return String(Int64(bitPattern: hash))
    }
}

#if canImport(Glibc)
import Glibc
#endif
