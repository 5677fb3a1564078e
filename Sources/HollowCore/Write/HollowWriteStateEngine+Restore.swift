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
            guard state.types[schema.name] != nil else { continue }
            let ordinals = state.populatedOrdinals(of: schema.name)
            var recs: [(ordinal: Int, record: HollowWriteRecord)] = []
            recs.reserveCapacity(ordinals.count)
            for o in ordinals {
                if let rec = record(of: state, type: schema, ordinal: o) { recs.append((o, rec)) }
            }
            out[schema.name] = recs
        }
        return out
    }

    /// The record at `ordinal` of type `schema` in a loaded state as a write record (nil if the type is absent).
    /// - Parameter remap: new ordinals of referenced records, per referenced type name (compaction).
    static func record(
        of state: ReadState, type schema: HollowSchema, ordinal o: Int, remap: [String: [Int: Int]] = [:]
    ) -> HollowWriteRecord? {
        func mapped(_ type: String, _ ordinal: Int) -> Int { remap[type]?[ordinal] ?? ordinal }
        switch schema {
        case .object(let s):
            guard let t = state.objectType(s.name) else { return nil }
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
                    case .reference(let x): .reference(mapped(s.fields[f].referencedType ?? "", x))
                    }
                try? rec.set(fieldAt: f, v)
            }
            return .object(rec)
        case .list(let s):
            guard let t = state.listType(s.name) else { return nil }
            return .list(t.elementOrdinals(o).map { mapped(s.elementType, $0) })
        case .set(let s):
            guard let t = state.setType(s.name) else { return nil }
            return .set(t.elementOrdinals(o).map { mapped(s.elementType, $0) })
        case .map(let s):
            guard let t = state.mapType(s.name) else { return nil }
            return .map(t.entries(o).map { (key: mapped(s.keyType, $0.key), value: mapped(s.valueType, $0.value)) })
        }
    }
}
