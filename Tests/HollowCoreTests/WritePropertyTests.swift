import HollowCore
import Testing

/// A small deterministic generator (SplitMix64) so every failure is reproducible from its seed.
struct WriteRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}

/// Random schemas and records over several cycles: every cycle, the snapshot equals the previous state
/// plus the delta, and the new state plus the reverse delta equals the previous state.
@Suite struct WritePropertyTests {
    static let strings = ["", "a", "hello world", "日本語", "🎬", "Amélie", "\u{0}", "tab\tnl\n\u{1}", "🎬 \"q\" \\", String(repeating: "x", count: 300)]
    static let ints: [Int32] = [0, 1, -1, Int32.max, Int32.min + 1, Int32.min, 42, -100_000]
    static let longs: [Int64] = [0, 1, -1, Int64.max, Int64.min + 1, Int64.min, 1 << 40, -(1 << 50)]
    static let floats: [Float] = [0, -0.0, 1.5, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
    static let doubles: [Double] = [0, -0.0, 2.25, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]

    /// A generated data model: object types T0…Tn (each may reference earlier types and collections of them).
    struct Model {
        var schemas: [HollowSchema] = []
        var objectNames: [String] = []

        init(rng: inout WriteRNG) {
            let scalarTypes: [HollowFieldType] = [.int, .long, .float, .double, .boolean, .string, .bytes]
            let numObjects = 2 + rng.int(4)
            for i in 0..<numObjects {
                let name = "T\(i)"
                var fields: [HollowObjectSchema.Field] = []
                let numFields = 1 + rng.int(6)
                for f in 0..<numFields {
                    if i > 0 && rng.chance(0.35) {
                        let target = objectNames[rng.int(i)]
                        switch rng.int(4) {
                        case 0: fields.append(.init(name: "f\(f)", type: .reference, referencedType: target))
                        case 1:
                            let list = "ListOf\(target)"
                            if !schemas.contains(where: { $0.name == list }) { schemas.append(.list(HollowListSchema(name: list, elementType: target))) }
                            fields.append(.init(name: "f\(f)", type: .reference, referencedType: list))
                        case 2:
                            let set = "SetOf\(target)"
                            if !schemas.contains(where: { $0.name == set }) {
                                schemas.append(.set(HollowSetSchema(name: set, elementType: target, hashKey: Self.hashKey(target, schemas, &rng))))
                            }
                            fields.append(.init(name: "f\(f)", type: .reference, referencedType: set))
                        default:
                            let other = objectNames[rng.int(i)]
                            let map = "MapOf\(target)To\(other)"
                            if !schemas.contains(where: { $0.name == map }) {
                                schemas.append(.map(HollowMapSchema(name: map, keyType: target, valueType: other, hashKey: Self.hashKey(target, schemas, &rng))))
                            }
                            fields.append(.init(name: "f\(f)", type: .reference, referencedType: map))
                        }
                    } else {
                        fields.append(.init(name: "f\(f)", type: rng.pick(scalarTypes)))
                    }
                }
                let pk: [String]? = rng.chance(0.3) ? [fields[0].name] : nil
                schemas.append(.object(HollowObjectSchema(name: name, fields: fields, primaryKey: pk)))
                objectNames.append(name)
            }
            schemas.append(.object(HollowObjectSchema(name: "Unused", fields: [.init(name: "x", type: .string)])))
        }

        static func hashKey(_ type: String, _ schemas: [HollowSchema], _ rng: inout WriteRNG) -> [String]? {
            guard rng.chance(0.5), case .object(let s)? = schemas.first(where: { $0.name == type }) else { return nil }
            let candidates = s.fields.filter { $0.type != .reference && $0.type != .bytes }.map(\.name)
            guard !candidates.isEmpty else { return nil }
            return [rng.pick(candidates)]
        }
    }

    /// Adds a record of `type` built from `seed` (and its children) and returns its ordinal.
    static func add(_ type: String, seed: UInt64, depth: Int, model: Model, engine: HollowWriteStateEngine) throws -> Int {
        var rng = WriteRNG(seed: seed)
        let schema = model.schemas.first { $0.name == type }!
        switch schema {
        case .object(let s):
            var rec = HollowObjectWriteRecord(schema: s)
            for (i, f) in s.fields.enumerated() {
                if rng.chance(0.12) { continue }  // null
                let v: HollowFieldValue
                switch f.type {
                case .int: v = .int(rng.chance(0.5) ? rng.pick(ints) : Int32(truncatingIfNeeded: rng.next() % 1000))
                case .long: v = .long(rng.chance(0.5) ? rng.pick(longs) : Int64(rng.int(100_000)))
                case .float: v = .float(rng.pick(floats))
                case .double: v = .double(rng.pick(doubles))
                case .boolean: v = .boolean(rng.chance(0.5))
                case .string: v = .string(rng.chance(0.7) ? rng.pick(strings) : "s\(rng.int(50))")
                case .bytes: v = .bytes((0..<rng.int(6)).map { _ in UInt8(rng.int(256)) })
                case .reference:
                    guard depth < 4 else { continue }
                    v = .reference(try add(f.referencedType!, seed: rng.next() % 40, depth: depth + 1, model: model, engine: engine))
                }
                try rec.set(fieldAt: i, v)
            }
            return try engine.add(rec)
        case .list(let s):
            let n = rng.chance(0.2) ? 0 : rng.int(5)
            var e: [Int] = []
            for _ in 0..<n { e.append(try add(s.elementType, seed: rng.next() % 40, depth: depth + 1, model: model, engine: engine)) }
            return try engine.add(.list(e), to: type)
        case .set(let s):
            let n = rng.chance(0.2) ? 0 : rng.int(6)
            var e: [Int] = []
            for _ in 0..<n { e.append(try add(s.elementType, seed: rng.next() % 40, depth: depth + 1, model: model, engine: engine)) }
            return try engine.add(.set(e), to: type)
        case .map(let s):
            let n = rng.chance(0.2) ? 0 : rng.int(5)
            var entries: [Int: Int] = [:]
            for _ in 0..<n {
                let k = try add(s.keyType, seed: rng.next() % 40, depth: depth + 1, model: model, engine: engine)
                entries[k] = try add(s.valueType, seed: rng.next() % 40, depth: depth + 1, model: model, engine: engine)
            }
            return try engine.add(.map(entries.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }), to: type)
        }
    }

    @Test(arguments: 1...25)
    func deltasAndReverseDeltasMatchSnapshots(seed: UInt64) throws {
        var rng = WriteRNG(seed: seed &* 7919)
        let model = Model(rng: &rng)
        let shardSize = rng.chance(0.3) ? 64 : Int.max
        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: shardSize)
        for s in model.schemas { try engine.addTypeState(s) }
        let top = model.objectNames.last!
        var entities: [UInt64] = (0..<(5 + rng.int(40))).map { _ in rng.next() }
        var previous: ReadState?
        for cycle in 1...6 {
            if cycle > 1 {
                entities = entities.compactMap { e in
                    if rng.chance(0.15) { return nil }  // removal
                    if rng.chance(0.15) { return rng.next() }  // modification
                    return e
                }
                for _ in 0..<rng.int(10) { entities.append(rng.next()) }
                if cycle == 4 { entities = [] }  // an empty state
            }
            for e in entities { _ = try Self.add(top, seed: e, depth: 0, model: model, engine: engine) }
            engine.headerTags = ["cycle": "\(cycle)", "seed": "\(seed)"]
            let snapshot = try ReadState.load(snapshot: engine.writeSnapshot())
            if let prev = previous {
                let delta = engine.writeDelta(), reverse = engine.writeReverseDelta()
                let forward = try prev.applying(delta: delta)
                #expect(forward.canonicalJSON() == snapshot.canonicalJSON(), "seed \(seed) cycle \(cycle): previous + delta")
                let back = try snapshot.applying(reverseDelta: reverse)
                #expect(back.canonicalJSON() == prev.canonicalJSON(), "seed \(seed) cycle \(cycle): new + reverse delta")
                // Follow the chain through the delta (as a consumer would) for the next cycle.
                previous = forward
            } else {
                previous = snapshot
            }
            let header = try HollowBlobHeader.read(engine.writeHeader())
            #expect(header.headerTags == engine.headerTags)
            #expect(header.schemas == engine.schemas)
            engine.prepareForNextCycle()
        }
    }

}
