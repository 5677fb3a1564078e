// Compaction of the ordinal space (Java's `HollowCompactor`): over a long delta chain, removed records leave
// holes in a type's ordinals that every snapshot and every consumer still pays for (fixed-length bits per
// hole). A compaction state moves the records at the high end of the ordinal space into the holes: the
// moved records are removed and added back, identical, at the hole ordinals, and the records that reference
// them (transitively) are rewritten to point at the new ordinals. The data does not change; consumers follow
// the compaction state as an ordinary delta.

/// When a type is a candidate for compaction (Java: `HollowCompactor.CompactionConfig`). Both criteria must
/// hold.
public struct CompactionConfig: Sendable, Hashable {
    /// A type is a candidate only when its holes cost more than this many bytes (approximately: holes times
    /// the fixed-length bits of a record).
    public var minCandidateHoleCostInBytes: Int
    /// A type is a candidate only when more than this percentage of its ordinal space are holes.
    public var minCandidateHolePercentage: Int

    /// Creates a configuration.
    /// - Parameters:
    ///   - minCandidateHoleCostInBytes: the hole cost a type must exceed.
    ///   - minCandidateHolePercentage: the hole percentage (0-100) a type must exceed.
    public init(minCandidateHoleCostInBytes: Int, minCandidateHolePercentage: Int) {
        self.minCandidateHoleCostInBytes = minCandidateHoleCostInBytes
        self.minCandidateHolePercentage = minCandidateHolePercentage
    }
}

/// The holes of one type of a state (what the compaction criteria look at).
public struct TypeHoleStatistics: Sendable, Hashable {
    /// The type's name.
    public var type: String
    /// Length of the ordinal space: the highest populated ordinal + 1.
    public var ordinalSpace: Int
    /// Ordinals below the highest populated one that hold no record.
    public var holes: Int
    /// Approximate bytes the holes cost: per shard, holes times the fixed-length bits of a record.
    public var approximateHoleCostInBytes: Int
    /// `holes` as a percentage of `ordinalSpace` (0 for an empty type).
    public var holePercentage: Double { ordinalSpace == 0 ? 0 : Double(holes) / Double(ordinalSpace) * 100 }
}

/// Plans and performs a compaction (Java: `HollowCompactor`): finds the types whose holes meet a
/// ``CompactionConfig`` and, in a cycle of a ``HollowWriteStateEngine`` that holds the same state as the
/// `readState` given here, relocates their high-end records into their holes.
///
/// A single compaction state only compacts types that do not reference each other (directly or transitively),
/// because relocating a type rewrites every record that references it; the remaining candidates are
/// compacted by the next compaction state.
public struct HollowCompactor: Sendable {
    /// The state being compacted (the write engine's previous state).
    public let readState: ReadState
    /// The criteria.
    public let config: CompactionConfig
    /// The types this compaction relocates, in dependency order (no two depend on each other).
    public let targets: [String]

    /// Plans a compaction of `readState`.
    public init(readState: ReadState, config: CompactionConfig) {
        self.readState = readState
        self.config = config
        var chosen: [String] = []
        let graph = SchemaGraph(readState.schemas)
        for name in graph.dependencyOrder {
            guard let stats = readState.holeStatistics(of: name),
                  stats.holePercentage > Double(config.minCandidateHolePercentage),
                  stats.approximateHoleCostInBytes > config.minCandidateHoleCostInBytes else { continue }
            if !chosen.contains(where: { graph.dependsTransitively(name, on: $0) }) { chosen.append(name) }
        }
        self.targets = chosen
    }

    /// True when some type meets the criteria (Java: `needsCompaction`).
    public var needsCompaction: Bool { !targets.isEmpty }

    /// What a compaction did: per type, how many records were moved or rewritten.
    public struct Summary: Sendable, Hashable {
        /// Records moved into holes, per compacted type.
        public var relocated: [String: Int]
        /// Records rewritten because they reference moved (or rewritten) records, per referencing type.
        public var rewritten: [String: Int]
    }

    /// Populates `engine`'s current cycle with the compacted state: every record of the previous state, the
    /// high-end records of the ``targets`` at hole ordinals, and the records that reference them rewritten.
    /// Call it on an engine prepared for the next cycle whose previous state is ``readState`` (a producer's
    /// `runCompactionCycle` does), with no records added yet.
    /// - Throws: `.wrongPhase` if the engine is not prepared for a cycle; `.invalidValue` if the engine's
    ///   previous state is not ``readState``.
    @discardableResult
    public func compact(_ engine: HollowWriteStateEngine) throws(HollowWriteError) -> Summary {
        for schema in readState.schemas {
            guard let t = engine.typeState(schema.name) else {
                throw HollowWriteError(.invalidValue, "the engine has no type \(schema.name) of the state to compact")
            }
            var populated = WriteBitSet()
            readState.types[schema.name].map { OrdinalBits.forEach($0.populated) { populated.insert($0) } }
            guard t.previous == populated else {
                throw HollowWriteError(.invalidValue, "the engine's previous state of \(schema.name) is not the state to compact")
            }
        }
        try engine.addAllObjectsFromPreviousCycle()
        var remap: [String: [Int: Int]] = [:]
        var summary = Summary(relocated: [:], rewritten: [:])
        for name in targets {
            guard let t = engine.typeState(name), let typeState = readState.types[name] else { continue }
            let populated = typeState.populated
            let cardinality = typeState.populatedCount
            var high = OrdinalBits.highest(populated)
            var hole = -1
            var moved: [Int: Int] = [:]
            var buf: [UInt8] = []
            while high >= cardinality {
                repeat { hole += 1 } while OrdinalBits.contains(populated, hole)
                guard let record = HollowWriteStateEngine.record(of: readState, type: typeState.schema, ordinal: high) else { break }
                buf.removeAll(keepingCapacity: true)
                try engine.encodeUnchecked(record, for: t, into: &buf)
                t.current.remove(high)
                t.put(buf, at: hole)
                t.current.insert(hole)
                moved[high] = hole
                repeat { high -= 1 } while high >= cardinality && !OrdinalBits.contains(populated, high)
            }
            t.recalculateFreeOrdinals()
            remap[name] = moved
            summary.relocated[name] = moved.count
        }
        // Rewrite what references moved records, referenced types first so each type sees its references'
        // final ordinals.
        let graph = SchemaGraph(readState.schemas)
        for name in graph.dependencyOrder where !targets.contains(name) {
            guard let schema = readState.schema(named: name), let typeState = readState.types[name] else { continue }
            let touched = schema.referencedTypes.filter { !(remap[$0]?.isEmpty ?? true) }
            guard !touched.isEmpty else { continue }
            var moved: [Int: Int] = [:]
            for o in OrdinalBits.ordinals(typeState.populated) where references(schema, o, moved: remap) {
                guard let record = HollowWriteStateEngine.record(of: readState, type: schema, ordinal: o, remap: remap) else { continue }
                let added = try engine.add(record, to: name)
                if added != o {
                    engine.typeState(name)?.current.remove(o)
                    moved[o] = added
                }
            }
            if !moved.isEmpty {
                remap[name] = moved
                summary.rewritten[name] = moved.count
            }
        }
        return summary
    }

    /// True if record `o` of `schema` references a record that moved.
    private func references(_ schema: HollowSchema, _ o: Int, moved remap: [String: [Int: Int]]) -> Bool {
        func hit(_ type: String, _ ordinal: Int?) -> Bool { ordinal.map { remap[type]?[$0] != nil } ?? false }
        switch schema {
        case .object(let s):
            guard let t = readState.objectType(s.name) else { return false }
            for (f, field) in s.fields.enumerated() where field.type == .reference {
                if let type = field.referencedType, remap[type] != nil, case .reference(let r)? = t.value(o, f), hit(type, r) {
                    return true
                }
            }
            return false
        case .list(let s):
            return remap[s.elementType] != nil && (readState.listType(s.name)?.elementOrdinals(o).contains { hit(s.elementType, $0) } ?? false)
        case .set(let s):
            return remap[s.elementType] != nil && (readState.setType(s.name)?.elementOrdinals(o).contains { hit(s.elementType, $0) } ?? false)
        case .map(let s):
            return readState.mapType(s.name)?.entries(o).contains { hit(s.keyType, $0.key) || hit(s.valueType, $0.value) } ?? false
        }
    }
}

/// The reference graph of a set of schemas.
struct SchemaGraph {
    let schemas: [String: HollowSchema]
    /// Type names, every type after the types it references (ties by name); cycles are broken by name.
    let dependencyOrder: [String]

    init(_ list: [HollowSchema]) {
        var byName: [String: HollowSchema] = [:]
        for s in list { byName[s.name] = s }
        schemas = byName
        var order: [String] = []
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        func visit(_ name: String) {
            guard state[name] == nil, let s = byName[name] else { return }
            state[name] = 1
            for r in s.referencedTypes.sorted() { visit(r) }
            state[name] = 2
            order.append(name)
        }
        for name in byName.keys.sorted() { visit(name) }
        dependencyOrder = order
    }

    /// True if `type` references `other`, directly or through other types.
    func dependsTransitively(_ type: String, on other: String) -> Bool {
        var seen: Set<String> = [type]
        var stack = [type]
        while let t = stack.popLast() {
            for r in schemas[t]?.referencedTypes ?? [] {
                if r == other { return true }
                if seen.insert(r).inserted { stack.append(r) }
            }
        }
        return false
    }
}

extension ReadState {
    /// The holes of type `name` (nil for an unknown type), as Java's compactor measures them.
    public func holeStatistics(of name: String) -> TypeHoleStatistics? {
        guard let t = types[name] else { return nil }
        let space = OrdinalBits.highest(t.populated) + 1
        let bits: [Int] =
            switch t.storage {
            case .object(let l): l.base.map(\.bitsPerRecord)
            case .list(let l): l.base.map(\.bitsPerPointer)
            case .set(let l): l.base.map { $0.bitsPerPointer + $0.bitsPerSize }
            case .map(let l): l.base.map { $0.bitsPerPointer + $0.bitsPerSize }
            }
        var costBits = 0
        var holes = 0
        if t.maxOrdinal >= 0 {
            let mask = max(1, bits.count) - 1
            for o in 0...t.maxOrdinal where !OrdinalBits.contains(t.populated, o) {
                if o < space { holes += 1 }
                costBits += bits.isEmpty ? 0 : bits[o & mask]
            }
        }
        return TypeHoleStatistics(type: name, ordinalSpace: space, holes: holes, approximateHoleCostInBytes: costBits >> 3)
    }
}
