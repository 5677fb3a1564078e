public import HollowCore
import Hummingbird
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
    public var randomizedTag: Int64? { state.randomizedTag }
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

    static func convert(_ v: HollowValue?) -> ExplorerFieldValue {
        switch v {
        case nil: .null
        case .int(let v): .int(Int64(v))
        case .long(let v): .long(v)
        case .float(let v): .float(v)
        case .double(let v): .double(v)
        case .boolean(let v): .boolean(v)
        case .string(let v): .string(v)
        case .bytes(let v): .bytes(v)
        case .reference(let v): .reference(v)
        }
    }

    public func field(of type: String, ordinal: Int, index: Int) -> ExplorerFieldValue? {
        guard ordinal >= 0, let t = state.objectType(type), index >= 0, index < t.schema.fields.count,
            ordinal <= t.maxOrdinal, t.isPopulated(ordinal)
        else { return nil }
        return Self.convert(t.value(ordinal, index))
    }

    public func record(of type: String, ordinal: Int) -> ExplorerRecord? {
        guard ordinal >= 0 else { return nil }
        switch state.schema(named: type) {
        case .object:
            guard let t = state.objectType(type), ordinal <= t.maxOrdinal, t.isPopulated(ordinal) else { return nil }
            return .object(t.schema.fields.indices.map { Self.convert(t.value(ordinal, $0)) })
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

/// Loads states with ``StateLoader``: from the nearest state it loaded recently by (reverse) deltas when the
/// planner finds a short chain, else from a snapshot.
public final class ReadStateLoader: ExplorerStateLoader {
    private let recent = Mutex<[(Int64, ReadState)]>([])
    private let keep: Int

    /// - Parameter keep: how many recently loaded states to remember as starting points for deltas.
    public init(keep: Int = 4) { self.keep = max(1, keep) }

    public func state(at version: Int64, from store: any BlobStore) async throws -> any ExplorerStateView {
        let readState = try await load(version, store)
        recent.withLock {
            $0.removeAll { $0.0 == version }
            $0.append((version, readState))
            if $0.count > keep { $0.removeFirst($0.count - keep) }
        }
        return ReadStateView(readState, version: version)
    }

    private func load(_ version: Int64, _ store: any BlobStore) async throws -> ReadState {
        let nearest = recent.withLock { $0.min { abs($0.0 - version) < abs($1.0 - version) } }
        if let nearest, nearest.0 == version { return nearest.1 }
        let loader = StateLoader(retriever: store)
        do {
            return try await loader.update(nearest?.1, at: nearest?.0, to: version).state
        } catch let error as RefreshError where error.code == .versionNotFound {
            throw HTTPError(.notFound, message: "version \(version) cannot be reached from a snapshot in the store")
        }
    }
}
