// The canonical JSON dump of a read state, byte-identical to the Java dump program's output
// (Tests/HollowCoreTests/Fixtures/java-hollow/README.md, "Canonical JSON dump format").
//
// Its string writer (`JSONOut.unit`) is deliberately not `JSONValue.escape(_:into:)`: it reproduces the Java
// dump's escaping byte for byte (only `"`, `\`, U+0000-U+001F and U+007F escaped, always as `\u00xx`, `<`, `>`
// and `&` as is) and works on the heap's UTF-16 units, which may hold unpaired surrogates (written as `\udxxx`)
// that no Swift `String` can carry. FixtureDumpTests compare its output with Java's dumps.

extension ReadState {
    /// The canonical JSON dump of this state: randomized tag, sorted header tags, and every type (sorted by
    /// name) with its schema and its populated records in ordinal order.
    public func canonicalJSON() -> String {
        String(decoding: canonicalJSONBytes(), as: UTF8.self)
    }

    /// ``canonicalJSON()`` as UTF-8 bytes, without building a `String`.
    public func canonicalJSONBytes() -> [UInt8] {
        var out = JSONOut()
        writeCanonicalJSON { out.bytes.append(contentsOf: $0) }
        return out.bytes
    }

    /// Streams the canonical JSON dump to `sink` in chunks (for dumps of hundreds of megabytes).
    public func writeCanonicalJSON(to sink: ([UInt8]) -> Void) {
        var out = JSONOut()
        out.bytes.reserveCapacity(1 << 20)
        func flush() {
            if out.bytes.count >= 1 << 20 {
                sink(out.bytes)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        out.raw("{\"randomizedTag\":")
        out.int(randomizedTag)
        out.raw(",\n\"headerTags\":{")
        for (i, key) in headerTags.keys.sorted(by: javaLess).enumerated() {
            if i > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            out.string(headerTags[key] ?? "")
        }
        out.raw("},\n\"types\":[")
        for (i, name) in typeNames.enumerated() {
            out.raw(i == 0 ? "\n" : ",\n")
            guard let type = types[name] else { continue }
            out.raw("{\"name\":")
            out.string(name)
            out.raw(",\"schema\":")
            out.schema(type.schema)
            out.raw(",\"records\":[")
            var first = true
            var failed = false
            OrdinalBits.forEach(type.populated) { ordinal in
                out.raw(first ? "\n" : ",\n")
                first = false
                if !out.record(type, ordinal) { failed = true }
                flush()
            }
            _ = failed
            out.raw(first ? "]}" : "\n]}")
        }
        out.raw(typeNames.isEmpty ? "]}\n" : "\n]}\n")
        sink(out.bytes)
    }
}

struct JSONOut {
    var bytes: [UInt8] = []
    private var sortScratch: [Int] = []
    private var pairScratch: [(Int, Int)] = []

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ v: Int64) {
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            uint(v == Int64.min ? UInt64(Int64.max) + 1 : UInt64(-v))
        } else {
            uint(UInt64(v))
        }
    }

    mutating func int(_ v: Int) { int(Int64(v)) }

    mutating func uint(_ v: UInt64) {
        let start = bytes.count
        var n = v
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10))
            n /= 10
        } while n > 0
        var i = start
        var j = bytes.count - 1
        while i < j {
            bytes.swapAt(i, j)
            i += 1
            j -= 1
        }
    }

    mutating func hex(_ v: UInt64, digits: Int) {
        raw("\"0x")
        var shift = (digits - 1) * 4
        while shift >= 0 {
            let d = UInt8((v >> UInt64(shift)) & 0xF)
            bytes.append(d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10)
            shift -= 4
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var it = JavaUTF16.units(s).makeIterator()
        var pending: UInt16? = nil
        while let u = pending ?? it.next() {
            pending = nil
            pending = unit(u) { it.next() }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes one UTF-16 unit (pairing surrogates with the next unit); returns a unit it read ahead but did not use.
    @inline(__always)
    private mutating func unit(_ u: UInt16, next: () -> UInt16?) -> UInt16? {
        switch u {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0..<0x20, 0x7F: escape(u)
        case 0x20..<0x80: bytes.append(UInt8(u))
        case 0x80..<0x800:
            bytes.append(0xC0 | UInt8(u >> 6))
            bytes.append(0x80 | UInt8(u & 0x3F))
        case 0xD800..<0xDC00:
            if let low = next() {
                if (0xDC00..<0xE000).contains(low) {
                    let scalar = 0x10000 + (UInt32(u - 0xD800) << 10) + UInt32(low - 0xDC00)
                    bytes.append(0xF0 | UInt8(scalar >> 18))
                    bytes.append(0x80 | UInt8((scalar >> 12) & 0x3F))
                    bytes.append(0x80 | UInt8((scalar >> 6) & 0x3F))
                    bytes.append(0x80 | UInt8(scalar & 0x3F))
                    return nil
                }
                escape(u)
                return low
            }
            escape(u)
        case 0xDC00..<0xE000: escape(u)
        default:
            bytes.append(0xE0 | UInt8(u >> 12))
            bytes.append(0x80 | UInt8((u >> 6) & 0x3F))
            bytes.append(0x80 | UInt8(u & 0x3F))
        }
        return nil
    }

    private mutating func escape(_ u: UInt16) {
        raw("\\u")
        var shift = 12
        while shift >= 0 {
            let d = UInt8((u >> UInt16(shift)) & 0xF)
            bytes.append(d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10)
            shift -= 4
        }
    }

    /// A string stored as VarInt UTF-16 units in `heap[range]`.
    mutating func heapString(_ heap: [UInt8], _ range: Range<Int>) {
        bytes.append(UInt8(ascii: "\""))
        var i = range.lowerBound
        let end = range.upperBound
        func nextUnit() -> UInt16? {
            guard i < end else { return nil }
            var b = heap[i]
            i += 1
            var v = UInt32(b & 0x7F)
            while b & 0x80 != 0 && i < end {
                b = heap[i]
                i += 1
                v = (v &<< 7) | UInt32(b & 0x7F)
            }
            return UInt16(truncatingIfNeeded: v)
        }
        var pending: UInt16? = nil
        while let u = pending ?? nextUnit() {
            pending = nil
            if u >= 0x20 && u < 0x7F && u != 0x22 && u != 0x5C {
                bytes.append(UInt8(u))
                continue
            }
            pending = unit(u, next: nextUnit)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func stringList(_ items: [String]?) {
        guard let items else {
            raw("null")
            return
        }
        raw("[")
        for (i, s) in items.enumerated() {
            if i > 0 { raw(",") }
            string(s)
        }
        raw("]")
    }

    mutating func schema(_ schema: HollowSchema) {
        switch schema {
        case .object(let s):
            raw("{\"kind\":\"OBJECT\",\"primaryKey\":")
            stringList(s.primaryKey)
            raw(",\"fields\":[")
            for (i, f) in s.fields.enumerated() {
                if i > 0 { raw(",") }
                raw("{\"name\":")
                string(f.name)
                raw(",\"type\":")
                string(f.type.rawValue)
                if f.type == .reference {
                    raw(",\"referencedType\":")
                    string(f.referencedType ?? "")
                }
                raw("}")
            }
            raw("]}")
        case .list(let s):
            raw("{\"kind\":\"LIST\",\"elementType\":")
            string(s.elementType)
            raw("}")
        case .set(let s):
            raw("{\"kind\":\"SET\",\"elementType\":")
            string(s.elementType)
            raw(",\"hashKey\":")
            stringList(s.hashKey)
            raw("}")
        case .map(let s):
            raw("{\"kind\":\"MAP\",\"keyType\":")
            string(s.keyType)
            raw(",\"valueType\":")
            string(s.valueType)
            raw(",\"hashKey\":")
            stringList(s.hashKey)
            raw("}")
        }
    }

    /// Writes one record; false if its data could not be located (written as empty).
    mutating func record(_ type: TypeState, _ ordinal: Int) -> Bool {
        raw("{\"ordinal\":")
        int(ordinal)
        switch type.schema {
        case .object(let schema):
            raw(",\"fields\":{")
            let slot = type.object(ordinal)
            for (fi, field) in schema.fields.enumerated() {
                if fi > 0 { raw(",") }
                string(field.name)
                raw(":")
                guard let (seg, index) = slot else {
                    raw("null")
                    continue
                }
                let own = seg.fieldMap[fi]
                guard own >= 0, seg.fieldTypes[own] == field.type, !seg.isNull(index, own) else {
                    raw("null")
                    continue
                }
                let v = seg.raw(index, own)
                switch field.type {
                case .int: int(Int64(ZigZag.decode32(v)))
                case .long: int(ZigZag.decode64(v))
                case .reference: uint(v)
                case .boolean: v == 1 ? raw("true") : raw("false")
                case .float: hex(v & 0xFFFF_FFFF, digits: 8)
                case .double: hex(v, digits: 16)
                case .string:
                    if let r = seg.varRange(index, own) { heapString(seg.heaps[own], r) } else { raw("null") }
                case .bytes:
                    if let r = seg.varRange(index, own) {
                        bytes.append(UInt8(ascii: "\""))
                        let heap = seg.heaps[own]
                        for i in r {
                            let b = heap[i]
                            bytes.append(hexDigit(b >> 4))
                            bytes.append(hexDigit(b & 0xF))
                        }
                        bytes.append(UInt8(ascii: "\""))
                    } else {
                        raw("null")
                    }
                }
            }
            raw("}}")
            return slot != nil
        case .list:
            raw(",\"elements\":[")
            let slot = type.list(ordinal)
            if let (seg, index) = slot {
                for (k, p) in seg.range(index).enumerated() {
                    if k > 0 { raw(",") }
                    int(seg.element(p))
                }
            }
            raw("]}")
            return slot != nil
        case .set:
            raw(",\"elements\":[")
            let slot = type.set(ordinal)
            if let (seg, index) = slot {
                sortScratch.removeAll(keepingCapacity: true)
                for b in seg.range(index) { if let e = seg.element(b) { sortScratch.append(e) } }
                sortScratch.sort()
                for (k, e) in sortScratch.enumerated() {
                    if k > 0 { raw(",") }
                    int(e)
                }
            }
            raw("]}")
            return slot != nil
        case .map:
            raw(",\"entries\":[")
            let slot = type.map(ordinal)
            if let (seg, index) = slot {
                pairScratch.removeAll(keepingCapacity: true)
                for b in seg.range(index) { if let e = seg.entry(b) { pairScratch.append((e.key, e.value)) } }
                pairScratch.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                for (k, e) in pairScratch.enumerated() {
                    raw(k > 0 ? ",[" : "[")
                    int(e.0)
                    raw(",")
                    int(e.1)
                    raw("]")
                }
            }
            raw("]}")
            return slot != nil
        }
    }

    @inline(__always)
    private func hexDigit(_ d: UInt8) -> UInt8 { d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10 }
}
