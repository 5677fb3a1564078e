extension HollowJSONAdapter {
    /// The populated records of `type` in `state` as JSON lines (ordinal order), in the mapping that
    /// ``addLines(_:)`` reads: null members are left out, sets in element-ordinal order.
    /// - Throws: `.unknownType` if the state has no such type.
    public static func jsonLines(of type: String, in state: ReadState) throws(HollowWriteError) -> [String] {
        guard state.schema(named: type) != nil else {
            throw HollowWriteError(.unknownType, "the state has no type \(type)")
        }
        return state.populatedOrdinals(of: type).map { json(type, $0, state, topLevel: true).serialized() }
    }

    /// One record as a JSON value.
    public static func json(of type: String, ordinal: Int, in state: ReadState) -> JSONValue {
        json(type, ordinal, state, topLevel: true)
    }

    static func json(_ type: String, _ o: Int, _ state: ReadState, topLevel: Bool = false) -> JSONValue {
        switch state.schema(named: type) {
        case .object(let s)?:
            guard let t = state.objectType(type) else { return .null }
            if !topLevel, s.fields.count == 1 { return fieldJSON(t, s.fields[0], o, 0, state) }
            var members: [(key: String, value: JSONValue)] = []
            for (i, f) in s.fields.enumerated() {
                let v = fieldJSON(t, f, o, i, state)
                if v != .null { members.append((f.name, v)) }
            }
            return .object(members)
        case .list(let s)?:
            return .array((state.listType(type)?.elementOrdinals(o) ?? []).map { json(s.elementType, $0, state) })
        case .set(let s)?:
            return .array((state.setType(type)?.elementOrdinals(o) ?? []).sorted().map { json(s.elementType, $0, state) })
        case .map(let s)?:
            let entries = (state.mapType(type)?.entries(o) ?? []).sorted { $0.key < $1.key }
            if case .object(let ks)? = state.schema(named: s.keyType), ks.fields.count == 1, ks.fields[0].type == .string {
                var members: [(key: String, value: JSONValue)] = []
                for e in entries {
                    if case .string(let k) = json(s.keyType, e.key, state) { members.append((k, json(s.valueType, e.value, state))) }
                }
                return .object(members)
            }
            return .array(entries.map { .array([json(s.keyType, $0.key, state), json(s.valueType, $0.value, state)]) })
        case nil:
            return .null
        }
    }

    static func fieldJSON(_ t: HollowObjectTypeReadState, _ f: HollowObjectSchema.Field, _ o: Int, _ i: Int, _ state: ReadState) -> JSONValue {
        switch t.value(o, i) {
        case nil: return .null
        case .int(let v)?: return .int(v)
        case .long(let v)?: return .int(v)
        case .float(let v)?: return v.isNaN ? .string("NaN") : v.isInfinite ? .string(v < 0 ? "-Infinity" : "Infinity") : .number("\(v)")
        case .double(let v)?: return .double(v)
        case .boolean(let v)?: return .bool(v)
        case .string(let v)?: return .string(v)
        case .bytes(let v)?: return .string(Base64.encode(v))
        case .reference(let r)?: return json(f.referencedType ?? "", r, state)
        }
    }
}
