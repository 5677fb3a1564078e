extension HollowWriteStateEngine {
    /// Restores from a loaded state so that a restarted producer continues the delta chain (Java's
    /// `restoreFrom(HollowReadStateEngine)`): the state's records become the previous state with their
    /// ordinals, its randomized tag and header tags the previous ones, its shard counts are kept.
    /// Types of the state that are not registered yet are registered first (in the state's order).
    /// - Throws: `.wrongPhase` if the engine already holds records; `.schemaConflict` if a registered
    ///   type has another schema than the state's.
    public func restore(from state: ReadState) throws(HollowWriteError) {
        for schema in state.schemas where self.schema(named: schema.name) == nil {
            try addTypeState(schema)
        }
        for schema in state.schemas where self.schema(named: schema.name) != schema {
            throw HollowWriteError(.schemaConflict, "type \(schema.name) is registered with another schema than the restored state's")
        }
        var shards: [String: Int] = [:]
        for schema in state.schemas {
            let count: Int? =
                switch schema {
                case .object: state.objectType(schema.name)?.shardCount
                case .list: state.listType(schema.name)?.shardCount
                case .set: state.setType(schema.name)?.shardCount
                case .map: state.mapType(schema.name)?.shardCount
                }
            if let count, count > 0 { shards[schema.name] = count }
        }
        try restore(
            records: Self.records(of: state), randomizedTag: state.randomizedTag, headerTags: state.headerTags,
            numShards: shards)
    }

    /// Every populated record of a loaded state as write records, per type, with its ordinal.
    public static func records(of state: ReadState) -> [String: [(ordinal: Int, record: HollowWriteRecord)]] {
        var out: [String: [(ordinal: Int, record: HollowWriteRecord)]] = [:]
        for schema in state.schemas {
            var recs: [(ordinal: Int, record: HollowWriteRecord)] = []
            switch schema {
            case .object(let s):
                guard let t = state.objectType(s.name) else { continue }
                recs.reserveCapacity(t.populatedCount)
                for o in t.populatedOrdinals {
                    var rec = HollowObjectWriteRecord(schema: s)
                    for f in 0..<s.fields.count {
                        let v: HollowFieldValue? =
                            switch t.value(o, f) {
                            case nil: nil
                            case .int(let x): .int(x)
                            case .long(let x): .long(x)
                            case .float(let x): .float(x)
                            case .double(let x): .double(x)
                            case .boolean(let x): .boolean(x)
                            case .string(let x): .string(x)
                            case .bytes(let x): .bytes(x)
                            case .reference(let x): .reference(x)
                            }
                        try? rec.set(fieldAt: f, v)
                    }
                    recs.append((o, .object(rec)))
                }
            case .list(let s):
                guard let t = state.listType(s.name) else { continue }
                for o in t.populatedOrdinals { recs.append((o, .list(t.elementOrdinals(o)))) }
            case .set(let s):
                guard let t = state.setType(s.name) else { continue }
                for o in t.populatedOrdinals { recs.append((o, .set(t.elementOrdinals(o)))) }
            case .map(let s):
                guard let t = state.mapType(s.name) else { continue }
                for o in t.populatedOrdinals { recs.append((o, .map(t.entries(o)))) }
            }
            out[schema.name] = recs
        }
        return out
    }
}
