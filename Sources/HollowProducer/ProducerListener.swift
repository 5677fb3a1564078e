import HollowCore

/// What happened in one cycle (Java: `HollowProducerListener.ProducerStatus` / `CycleStatus`).
public struct CycleStatus: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// A new version was published and announced.
        case published
        /// The data did not change: nothing was published (Java: "no delta").
        case unchanged
        /// The cycle failed and the producer rolled back to the last announced state.
        case failed(String)
    }
    /// The version the cycle minted (for `.unchanged`, the version still current).
    public var version: Int64
    public var outcome: Outcome
    public var duration: Duration
    /// Bytes of each blob written this cycle, by file name.
    public var blobSizes: [String: Int]
    /// Why the snapshot of a published version is missing from the store: its asynchronous upload failed on
    /// every attempt (``HollowProducer/SnapshotPublishing/asynchronous(retries:retryDelay:)``); nil otherwise.
    public var snapshotFailure: String? = nil
}

/// Observes producer cycles (Java: `HollowProducerListener`, `AnnouncementListener`). Every method has an
/// empty default.
public protocol ProducerListener: Sendable {
    func cycleStarted(version: Int64)
    func blobsPublished(version: Int64, blobs: [String: Int])
    func announcementCompleted(version: Int64)
    /// An asynchronously published snapshot landed in the store, after the version was announced.
    func snapshotPublished(version: Int64, bytes: Int)
    /// An attempt to publish a snapshot asynchronously failed; `willRetry` is false after the last attempt (the
    /// version stays announced without its snapshot, and the next cycle publishes a snapshot again).
    func snapshotPublishFailed(version: Int64, attempt: Int, willRetry: Bool, error: any Error)
    func cycleCompleted(_ status: CycleStatus)
}

extension ProducerListener {
    public func cycleStarted(version: Int64) {}
    public func blobsPublished(version: Int64, blobs: [String: Int]) {}
    public func announcementCompleted(version: Int64) {}
    public func snapshotPublished(version: Int64, bytes: Int) {}
    public func snapshotPublishFailed(version: Int64, attempt: Int, willRetry: Bool, error: any Error) {}
    public func cycleCompleted(_ status: CycleStatus) {}
}

/// The error a cycle fails with when the integrity check finds that the blobs do not reproduce the state.
public struct IntegrityCheckFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "integrity check failed: \(message)" }
}
