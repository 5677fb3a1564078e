import HollowCore
import Synchronization

/// A state the explorer holds, with lazily built per-type indexes (populated ordinals, primary keys, content
/// hashes). Readers never block each other for long: each index is built once, outside the lock.
final class LoadedState: Sendable {
    let view: any ExplorerStateView
    private let populatedCache = Mutex<[String: [Int]]>([:])
    private let keyCache = Mutex<[String: [String: Int]]>([:])
    private let hashCache = Mutex<[String: [UInt64]]>([:])

    init(_ view: any ExplorerStateView) { self.view = view }

    var version: Int64 { view.version }

    func schema(_ type: String) -> HollowSchema? { view.schema(of: type) }

    func populated(_ type: String) -> [Int] {
        if let p = populatedCache.withLock({ $0[type] }) { return p }
        let p = view.populatedOrdinals(of: type)
        populatedCache.withLock { $0[type] = p }
        return p
    }

    func record(_ type: String, _ ordinal: Int) -> ExplorerRecord? { view.record(of: type, ordinal: ordinal) }

    /// The primary key field paths of `type`, or nil.
    func primaryKey(_ type: String) -> [String]? {
        if case .object(let s) = view.schema(of: type) { return s.primaryKey }
        return nil
    }

    // MARK: Field paths

    /// The value at `path` (`studio.name`) of record `ordinal`, following references. A reference to a record with a
    /// single field (a `String` type) is followed to that field's value. Nil when the path does not exist.
    func value(_ type: String, _ ordinal: Int, path: [Substring]) -> ExplorerFieldValue? {
        var type = type
        var ordinal = ordinal
        var rest = path[...]
        while true {
            guard case .object(let schema) = view.schema(of: type) else { return nil }
            let fieldIndex: Int
            if let name = rest.first {
                guard let i = schema.fields.firstIndex(where: { $0.name == name }) else { return nil }
                fieldIndex = i
                rest = rest.dropFirst()
            } else if schema.fields.count == 1 {
                fieldIndex = 0
            } else {
                return nil
            }
            guard let value = view.field(of: type, ordinal: ordinal, index: fieldIndex) else { return nil }
            guard case .reference(let target) = value, let next = schema.fields[fieldIndex].referencedType else {
                return rest.isEmpty ? value : nil
            }
            if rest.isEmpty {
                // Follow a reference to a single-field record (String, Integer) to its value.
                guard case .object(let s) = view.schema(of: next), s.fields.count == 1 else { return value }
            }
            type = next
            ordinal = target
        }
    }

    /// The text of a record's primary key (its values joined by U+001F), or nil.
    func keyText(_ type: String, _ ordinal: Int) -> String? {
        guard let key = primaryKey(type) else { return nil }
        var parts: [String] = []
        for path in key {
            guard let v = value(type, ordinal, path: path.split(separator: ".")) else { return nil }
            parts.append(v.text)
        }
        return parts.joined(separator: "\u{1F}")
    }

    /// Primary key text → ordinal for `type` (empty when the type has no primary key).
    func keyIndex(_ type: String) -> [String: Int] {
        if let k = keyCache.withLock({ $0[type] }) { return k }
        var index: [String: Int] = [:]
        if primaryKey(type) != nil {
            let ordinals = populated(type)
            index.reserveCapacity(ordinals.count)
            for o in ordinals { if let k = keyText(type, o) { index[k] = o } }
        }
        keyCache.withLock { $0[type] = index }
        return index
    }

    // MARK: Content hashes

    /// A hash of each record's content with references replaced by their targets' hashes, indexed by ordinal
    /// (0 for unpopulated ordinals). Two records with equal hashes have (almost surely) equal deep content.
    func hashes(_ type: String) -> [UInt64] { hashes(type, visiting: []) }

    private func hashes(_ type: String, visiting: Set<String>) -> [UInt64] {
        if let h = hashCache.withLock({ $0[type] }) { return h }
        guard let schema = view.schema(of: type) else { return [] }
        let maxOrdinal = view.maxOrdinal(of: type)
        var out = [UInt64](repeating: 0, count: max(0, maxOrdinal + 1))
        // Referenced types first (the type graph is acyclic).
        var refs: [String: [UInt64]] = [:]
        let visiting = visiting.union([type])
        for r in Set(schema.referencedTypes) where !visiting.contains(r) { refs[r] = hashes(r, visiting: visiting) }
        // Each field's (or element's, key's, value's) target hashes, resolved once instead of per reference.
        let none: [UInt64] = []
        func targets(_ t: String?) -> [UInt64] { t.flatMap { refs[$0] } ?? none }
        func ref(_ h: [UInt64], _ o: Int) -> UInt64 { o >= 0 && o < h.count ? h[o] : 0x9E37_79B9 &+ UInt64(o) }
        var fieldTargets: [[UInt64]] = []
        var elementTargets = none, keyTargets = none, valueTargets = none
        switch schema {
        case .object(let s): fieldTargets = s.fields.map { targets($0.referencedType) }
        case .list(let s): elementTargets = targets(s.elementType)
        case .set(let s): elementTargets = targets(s.elementType)
        case .map(let s):
            keyTargets = targets(s.keyType)
            valueTargets = targets(s.valueType)
        }
        for o in populated(type) where o < out.count {
            var h = FNV()
            switch view.record(of: type, ordinal: o) {
            case .object(let values):
                for (i, v) in values.enumerated() {
                    h.add(UInt64(i))
                    switch v {
                    case .reference(let t):
                        if i < fieldTargets.count { h.add(ref(fieldTargets[i], t)) }
                    case .null: h.add(0x6E75_6C6C)
                    case .int(let x), .long(let x): h.add(UInt64(bitPattern: x))
                    case .boolean(let b): h.add(b ? 3 : 2)
                    case .float(let f): h.add(UInt64(f.bitPattern))
                    case .double(let d): h.add(d.bitPattern)
                    case .string(let str): h.add(str)
                    case .bytes(let b): h.add(bytes: b)
                    }
                }
            case .list(let elements):
                for e in elements { h.add(ref(elementTargets, e)) }
            case .set(let elements):
                for e in elements.map({ ref(elementTargets, $0) }).sorted() { h.add(e) }
            case .map(let entries):
                let pairs = entries.map { (ref(keyTargets, $0.key), ref(valueTargets, $0.value)) }
                for (k, v) in pairs.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) {
                    h.add(k)
                    h.add(v)
                }
            case nil: break
            }
            out[o] = h.value == 0 ? 1 : h.value
        }
        hashCache.withLock { $0[type] = out }
        return out
    }
}

/// 64-bit FNV-1a.
struct FNV {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ x: UInt64) {
        var x = x
        for _ in 0..<8 {
            value = (value ^ (x & 0xFF)) &* 0x100_0000_01b3
            x >>= 8
        }
    }
    mutating func add(_ s: String) {
        for b in s.utf8 { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
        add(UInt64(s.utf8.count))
    }
    mutating func add(bytes: [UInt8]) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
        add(UInt64(bytes.count) ^ 0xB17E5)
    }
}
