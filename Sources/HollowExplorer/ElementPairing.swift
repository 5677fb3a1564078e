import HollowCore

/// Pairs the unequal elements of two LISTs or SETs shown side by side, the way Java's diff UI pairs collection
/// elements (`HollowEffigyCollectionPairer`): by the element type's primary key when it has one, else by the least
/// difference between the elements' leaf values.
enum ElementPairing {
    /// At most this many (removed × added) comparisons by difference; beyond it, elements are paired in order.
    static let maxComparisons = 2_500
    /// How many references deep an element's leaf values are collected, and at most how many.
    static let leafDepth = 3
    static let maxLeaves = 200

    /// Pairs of (index in `ea`, index in `eb`) among `removed` and `added`, ordered by the first index.
    static func pairs(
        _ a: LoadedState, _ ta: String, _ ea: [Int], removed: [Int],
        _ b: LoadedState, _ tb: String, _ eb: [Int], added: [Int]
    ) -> [(Int, Int)] {
        guard !removed.isEmpty, !added.isEmpty else { return [] }
        var out: [(Int, Int)]
        if ta == tb, a.primaryKey(ta) != nil, b.primaryKey(tb) != nil {
            out = byKey(a, ta, ea, removed, b, tb, eb, added)
        } else if removed.count * added.count <= maxComparisons {
            out = byLeastDifference(a, ta, ea, removed, b, tb, eb, added)
        } else {
            out = Array(zip(removed, added))
        }
        out.sort { $0.0 < $1.0 }
        return out
    }

    /// Elements whose primary keys are equal (Java: `pairByMatchHint`).
    private static func byKey(
        _ a: LoadedState, _ ta: String, _ ea: [Int], _ removed: [Int],
        _ b: LoadedState, _ tb: String, _ eb: [Int], _ added: [Int]
    ) -> [(Int, Int)] {
        var byKey: [String: Int] = [:]
        for j in added { if let k = b.keyText(tb, eb[j]), byKey[k] == nil { byKey[k] = j } }
        var out: [(Int, Int)] = []
        for i in removed {
            guard let k = a.keyText(ta, ea[i]), let j = byKey.removeValue(forKey: k) else { continue }
            out.append((i, j))
        }
        return out
    }

    /// Java's `pairByMinDifference`: each element is the multiset of its leaf values (field name and value,
    /// references followed); two elements differ by the leaves one has and the other lacks. Pairs are taken least
    /// different first, in rounds that admit at most 1, 2, 4, 8 and then any number of leaves the "to" element
    /// adds; elements with no leaf in common stay unpaired.
    private static func byLeastDifference(
        _ a: LoadedState, _ ta: String, _ ea: [Int], _ removed: [Int],
        _ b: LoadedState, _ tb: String, _ eb: [Int], _ added: [Int]
    ) -> [(Int, Int)] {
        let from = removed.map { leaves(a, ta, ea[$0]) }
        let to = added.map { leaves(b, tb, eb[$0]) }
        struct Candidate {
            var score: Int
            var extra: Int
            var i: Int
            var j: Int
        }
        var candidates: [Candidate] = []
        for (i, f) in from.enumerated() {
            let total = f.values.reduce(0, +)
            for (j, t) in to.enumerated() {
                var similar = 0, extra = 0
                for (leaf, n) in t {
                    let m = f[leaf] ?? 0
                    similar += min(n, m)
                    extra += max(0, n - m)
                }
                let score = (total - similar) + extra
                guard similar > 0 || score == 0 else { continue }
                candidates.append(Candidate(score: score, extra: extra, i: i, j: j))
            }
        }
        candidates.sort { ($0.score, $0.i, $0.j) < ($1.score, $1.i, $1.j) }
        var pairedFrom = Set<Int>(), pairedTo = Set<Int>()
        var out: [(Int, Int)] = []
        let limit = min(removed.count, added.count)
        for maxExtra in [1, 2, 4, 8, Int.max] where out.count < limit {
            for c in candidates where c.extra < maxExtra && out.count < limit {
                guard !pairedFrom.contains(c.i), !pairedTo.contains(c.j) else { continue }
                pairedFrom.insert(c.i)
                pairedTo.insert(c.j)
                out.append((removed[c.i], added[c.j]))
            }
        }
        return out
    }

    /// The leaf values of record `ordinal` of `type`: `field=value` for every field that is not a reference,
    /// references followed `leafDepth` levels (deeper ones count as their target's content hash), counted.
    static func leaves(_ s: LoadedState, _ type: String, _ ordinal: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        var budget = maxLeaves
        collect(s, type, ordinal, depth: leafDepth, into: &out, budget: &budget)
        return out
    }

    private static func collect(
        _ s: LoadedState, _ type: String, _ ordinal: Int, depth: Int, into out: inout [String: Int], budget: inout Int
    ) {
        guard budget > 0, let schema = s.schema(type), let record = s.record(type, ordinal) else { return }
        func follow(_ name: String, _ target: String?, _ o: Int) {
            guard let target else { return }
            if depth > 0 {
                collect(s, target, o, depth: depth - 1, into: &out, budget: &budget)
            } else {
                leaf(name + "#" + String(s.hash(target, o), radix: 16))
            }
        }
        func leaf(_ text: String) {
            guard budget > 0 else { return }
            budget -= 1
            out[text, default: 0] += 1
        }
        switch (schema, record) {
        case (.object(let os), .object(let values)):
            for (i, v) in values.enumerated() where i < os.fields.count {
                let f = os.fields[i]
                if case .reference(let o) = v {
                    follow(f.name, f.referencedType, o)
                } else {
                    leaf(f.name + "=" + v.text)
                }
            }
        case (.list(let ls), .list(let elements)):
            for e in elements { follow("element", ls.elementType, e) }
        case (.set(let ss), .set(let elements)):
            for e in elements { follow("element", ss.elementType, e) }
        case (.map(let ms), .map(let entries)):
            for e in entries {
                follow("key", ms.keyType, e.key)
                follow("value", ms.valueType, e.value)
            }
        default:
            return
        }
    }
}
