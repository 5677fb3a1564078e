public import HollowCore
import Synchronization

/// An ``ExplorerStateView`` over a ``ReadState``.
public struct ReadStateView: ExplorerStateView {
    /// The state shown.
    public let state: ReadState
    public let version: Int64

    /// Shows `state` as `version` (its `hollow.blob.to.version` tag when nil).
    public init(_ state: ReadState, version: Int64? = nil) {
        self.state = state
        self.version = version ?? state.version ?? 0
    }

    public var headerTags: [String: String] { state.headerTags }
    public var typeNames: [String] { state.typeNames.sorted() }
    public func schema(of type: String) -> HollowSchema? { state.schema(named: type) }
    public func populatedOrdinals(of type: String) -> [Int] { state.populatedOrdinals(of: type) }
    public func footprint(of type: String) -> Int? { state.loadedByteCount(ofType: type) }

    private func typeState(_ type: String) -> (any HollowTypeReadState)? {
        switch state.schema(named: type) {
        case .object: state.objectType(type)
        case .list: state.listType(type)
        case .set: state.setType(type)
        case .map: state.mapType(type)
        case nil: nil
        }
    }

    public func maxOrdinal(of type: String) -> Int { typeState(type)?.maxOrdinal ?? -1 }

    public func record(of type: String, ordinal: Int) -> ExplorerRecord? {
        guard ordinal >= 0 else { return nil }
        switch state.schema(named: type) {
        case .object:
            guard let t = state.objectType(type), ordinal <= t.maxOrdinal, t.isPopulated(ordinal) else { return nil }
            var values: [ExplorerFieldValue] = []
            values.reserveCapacity(t.schema.fields.count)
            for i in t.schema.fields.indices {
                switch t.value(ordinal, i) {
                case nil: values.append(.null)
                case .int(let v): values.append(.int(Int64(v)))
                case .long(let v): values.append(.long(v))
                case .float(let v): values.append(.float(v))
                case .double(let v): values.append(.double(v))
                case .boolean(let v): values.append(.boolean(v))
                case .string(let v): values.append(.string(v))
                case .bytes(let v): values.append(.bytes(v))
                case .reference(let v): values.append(.reference(v))
                }
            }
            return .object(values)
        case .list:
            guard let t = state.listType(type), ordinal <= t.maxOrdinal, t.isPopulated(ordinal) else { return nil }
            return .list(t.elementOrdinals(ordinal))
        case .set:
            guard let t = state.setType(type), ordinal <= t.maxOrdinal, t.isPopulated(ordinal) else { return nil }
            return .set(t.elementOrdinals(ordinal).sorted())
        case .map:
            guard let t = state.mapType(type), ordinal <= t.maxOrdinal, t.isPopulated(ordinal) else { return nil }
            return .map(t.entries(ordinal).map { .init(key: $0.key, value: $0.value) }
                .sorted { $0.key != $1.key ? $0.key < $1.key : $0.value < $1.value })
        case nil:
            return nil
        }
    }
}

/// Loads states with ``ReadState``: the nearest snapshot plus (reverse) deltas, or a delta from a state it
/// loaded recently.
public final class ReadStateLoader: ExplorerStateLoader {
    private let recent = Mutex<[(Int64, ReadState)]>([])
    private let keep: Int

    /// - Parameter keep: how many recently loaded states to remember as starting points for deltas.
    public init(keep: Int = 4) { self.keep = max(1, keep) }

    public func state(at version: Int64, from store: any ExplorerStore, inventory: [StoredBlob]) async throws -> any ExplorerStateView {
        let readState = try await load(version, store, inventory)
        recent.withLock {
            $0.removeAll { $0.0 == version }
            $0.append((version, readState))
            if $0.count > keep { $0.removeFirst($0.count - keep) }
        }
        return ReadStateView(readState, version: version)
    }

    private func load(_ version: Int64, _ store: any ExplorerStore, _ inventory: [StoredBlob]) async throws -> ReadState {
        if let hit = recent.withLock({ $0.first { $0.0 == version }?.1 }) { return hit }
        // A recent neighbour one (reverse) delta away is cheaper than a snapshot.
        let neighbours = recent.withLock { $0 }
        for (v, s) in neighbours.reversed() {
            if let d = inventory.first(where: { $0.fromVersion == v && $0.toVersion == version && $0.type == .delta }) {
                return try s.applying(delta: try await store.bytes(of: d))
            }
            if let d = inventory.first(where: { $0.fromVersion == v && $0.toVersion == version && $0.type == .reverseDelta }) {
                return try s.applying(reverseDelta: try await store.bytes(of: d))
            }
        }
        guard let plan = LoadPlan.make(for: version, inventory: inventory) else {
            throw ExplorerError(.notFound, "version \(version) cannot be reached from a snapshot in the store")
        }
        var state = try ReadState.load(snapshot: try await store.bytes(of: plan.snapshot))
        for d in plan.deltas {
            let bytes = try await store.bytes(of: d)
            state = d.type == .delta ? try state.applying(delta: bytes) : try state.applying(reverseDelta: bytes)
        }
        return state
    }
}
