import HollowCore

/// Publishes changes record by record instead of whole states (Java: `HollowIncrementalProducer`):
/// `addOrModify` and `delete` by primary key accumulate, and ``runCycle()`` publishes them as one new state.
///
/// It keeps the current records of its type keyed by primary key and re-adds them every cycle; the write
/// engine deduplicates unchanged records into their old ordinals, so the delta holds only the change.
public actor HollowIncrementalProducer<Key: Hashable & Sendable, Record: Codable & Sendable> {
    private let producer: HollowProducer
    private let key: @Sendable (Record) -> Key
    private var records: [Key: Record] = [:]
    private var changed = false

    /// - Parameters:
    ///   - producer: the producer that runs the cycles (its data model should include `Record`).
    ///   - key: the primary key of a record.
    public init(producer: HollowProducer, key: @escaping @Sendable (Record) -> Key) {
        self.producer = producer
        self.key = key
    }

    /// Starts from existing records (e.g. decoded from a restored state).
    public func seed(_ initial: [Record]) {
        for r in initial { records[key(r)] = r }
    }

    /// Adds a record, or replaces the record with the same primary key.
    public func addOrModify(_ record: Record) {
        records[key(record)] = record
        changed = true
    }

    /// Removes the record with primary key `key`; returns whether there was one.
    @discardableResult
    public func delete(_ key: Key) -> Bool {
        let removed = records.removeValue(forKey: key) != nil
        changed = changed || removed
        return removed
    }

    /// The number of records the next state will hold.
    public var count: Int { records.count }

    /// Publishes the accumulated changes as a new state (nothing if there are none).
    /// - Returns: the version now current.
    @discardableResult
    public func runCycle() async throws -> Int64 {
        let snapshot = Array(records.values)
        let version = try await producer.runCycle { state in
            for r in snapshot { try state.add(r) }
        }
        changed = false
        return version
    }
}
