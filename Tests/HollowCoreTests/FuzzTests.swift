import HollowCore
import Testing

/// Thousands of random and mutated blobs derived from the fixtures (fixed seed): every one either fails
/// with a BlobDecodingError or yields a state that dumps and reads without crashing; the state a delta was
/// applied to is never changed.
@Suite struct FuzzTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static func mutate(_ blob: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = blob
        let kind = rng.below(7)
        switch kind {
        case 0:  // flip a few random bits
            for _ in 0..<(1 + rng.below(4)) where !b.isEmpty { b[rng.below(b.count)] ^= UInt8(1 << rng.below(8)) }
        case 1:  // overwrite a byte with an extreme value
            if !b.isEmpty { b[rng.below(b.count)] = [0x00, 0x7F, 0x80, 0xFF][rng.below(4)] }
        case 2:  // truncate
            b = Array(b[0..<rng.below(b.count)])
        case 3:  // delete a range
            if b.count > 2 {
                let start = rng.below(b.count - 1)
                let end = min(b.count, start + 1 + rng.below(16))
                b.removeSubrange(start..<end)
            }
        case 4:  // insert random bytes
            let at = rng.below(b.count + 1)
            b.insert(contentsOf: (0..<(1 + rng.below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 5:  // mutate only the first 400 bytes (header, schemas, first section), where lengths live
            for _ in 0..<(1 + rng.below(3)) where !b.isEmpty { b[rng.below(min(b.count, 400))] = UInt8(truncatingIfNeeded: rng.next()) }
        default:  // a valid header followed by random bytes
            let keep = min(b.count, 20 + rng.below(200))
            b = Array(b[0..<keep]) + (0..<rng.below(300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
        return b
    }

    /// Reads everything a consumer could read from `state`.
    static func exercise(_ state: ReadState) {
        _ = state.canonicalJSONBytes()
        for name in state.typeNames {
            if let t = state.objectType(name) {
                for o in t.populatedOrdinals.prefix(50) {
                    for f in t.schema.fields.indices { _ = t.value(o, f) }
                }
            } else if let t = state.setType(name) {
                for o in t.populatedOrdinals.prefix(50) {
                    for e in t.elementOrdinals(o) { _ = t.contains(o, element: e) }
                }
            } else if let t = state.mapType(name) {
                for o in t.populatedOrdinals.prefix(50) {
                    for e in t.entries(o) { _ = t.get(o, key: e.key) }
                }
            } else if let t = state.listType(name) {
                for o in t.populatedOrdinals.prefix(50) { _ = t.elementOrdinals(o) }
            }
        }
    }

    @Test(arguments: Paths.datasets)
    func mutatedBlobs(dataset: String) throws {
        var rng = SplitMix(state: 0x5EED_0000 &+ UInt64(dataset.utf8.count))
        let base = [try fixture(dataset, "snapshot-1"), try fixture(dataset, "snapshot-2")]
        let s1 = try ReadState.load(snapshot: base[0])
        let s2 = try ReadState.load(snapshot: base[1])
        let deltas = [try fixture(dataset, "delta-1-2"), try fixture(dataset, "reversedelta-2-1")]
        let before1 = s1.canonicalJSONBytes()
        var loaded = 0
        var refused = 0
        for i in 0..<700 {
            let which = rng.below(4)
            let source = which < 2 ? base[which] : deltas[which - 2]
            let blob = Self.mutate(source, &rng)
            do {
                let state: ReadState
                switch which {
                case 0, 1: state = try ReadState.load(snapshot: blob)
                case 2: state = try s1.applying(delta: blob)
                default: state = try s2.applying(reverseDelta: blob)
                }
                Self.exercise(state)
                loaded += 1
            } catch {
                #expect(!error.message.isEmpty, "iteration \(i)")
                refused += 1
            }
        }
        #expect(s1.canonicalJSONBytes() == before1)
        #expect(loaded + refused == 700)
        print("FuzzTests \(dataset): \(loaded) mutated blobs loaded consistently, \(refused) refused with an error")
    }

    @Test func randomBytes() throws {
        var rng = SplitMix(state: 42)
        let s1 = try ReadState.load(snapshot: try fixture("metrics", "snapshot-1"))
        let header = Array(try fixture("metrics", "delta-1-2")[0..<16])
        for _ in 0..<1500 {
            let n = rng.below(256)
            var blob = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if rng.below(2) == 0 { blob = [0, 0, 4, 6] + blob }  // right magic, random rest
            if rng.below(4) == 0 { blob = header + blob }  // right magic and origin tag
            _ = try? ReadState.load(snapshot: blob).canonicalJSONBytes()
            _ = try? s1.applying(delta: blob).canonicalJSONBytes()
            _ = try? HollowBlobSummary.inspect(blob)
        }
        try #require(s1.canonicalJSON() == (try expectedDump("metrics", 1)))
    }
}
