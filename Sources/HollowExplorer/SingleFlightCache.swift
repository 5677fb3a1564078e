import Synchronization

/// Values computed once per key and remembered (the newest `capacity` keys), with concurrent first requests for
/// one key sharing a single computation: the first caller computes, later callers await its result.
///
/// The explorer keeps its version-pair diffs here. The computation is not cancelled with its caller: it always
/// finishes, so the callers waiting on it always get an answer.
final class SingleFlightCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Where a value came from.
    enum Source: Sendable, Equatable {
        /// Computed by this call.
        case computed
        /// Computed by a concurrent call this one waited for.
        case awaited
        /// Remembered from an earlier call.
        case cached
    }

    private enum Entry {
        case ready(Value)
        case inFlight([CheckedContinuation<Value?, Never>])
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Keys of ready entries, least recently used first.
        var order: [Key] = []
    }

    private enum Action {
        case use(Value)
        case wait
        case compute
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The value for `key`: remembered, awaited from a computation in flight, or computed now by `compute`.
    func value(for key: Key, compute: () async -> Value) async -> (value: Value, source: Source) {
        let action = state.withLock { s -> Action in
            switch s.entries[key] {
            case .ready(let v)?:
                s.order.removeAll { $0 == key }
                s.order.append(key)
                return .use(v)
            case .inFlight?:
                return .wait
            case nil:
                s.entries[key] = .inFlight([])
                return .compute
            }
        }
        switch action {
        case .use(let v):
            return (v, .cached)
        case .wait:
            let awaited = await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
                let ready = state.withLock { s -> Value?? in
                    switch s.entries[key] {
                    case .ready(let v)?: return .some(v)
                    case .inFlight(let waiters)?:
                        s.entries[key] = .inFlight(waiters + [c])
                        return nil
                    case nil:
                        return .some(nil)  // finished and already evicted again: compute it here
                    }
                }
                if let ready { c.resume(returning: ready) }
            }
            if let awaited { return (awaited, .awaited) }
            let v = await compute()
            finish(key, v)
            return (v, .computed)
        case .compute:
            let v = await compute()
            finish(key, v)
            return (v, .computed)
        }
    }

    /// Stores `value` for `key` and hands it to the callers waiting for it.
    private func finish(_ key: Key, _ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value?, Never>] in
            var waiters: [CheckedContinuation<Value?, Never>] = []
            if case .inFlight(let w)? = s.entries[key] { waiters = w }
            if case .ready? = s.entries[key] { return waiters }
            s.entries[key] = .ready(value)
            s.order.append(key)
            while s.order.count > capacity { s.entries[s.order.removeFirst()] = nil }
            return waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    /// How many callers are waiting for the computation of `key` (for tests).
    func waiting(for key: Key) -> Int {
        state.withLock { s in
            if case .inFlight(let w)? = s.entries[key] { return w.count }
            return 0
        }
    }
}
