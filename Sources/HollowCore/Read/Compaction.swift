// Compaction: when the records that deltas added (patch segments) make up a large share of a type, the type
// is re-encoded into one fresh base segment holding exactly its populated records, so a long delta chain
// neither slows reads down nor keeps removed records alive. Runs inside `applying(delta:)`, on the new state
// only; amortised it costs a small constant share of the delta work.

extension TypeState {
    /// This type state, or a compacted copy when patches hold a large share of its records.
    func compactedIfWorthIt() -> TypeState {
        let patches = patchCount
        guard patches > 0, patches * 4 >= populatedCount else { return self }
        return compacted()
    }

    /// The same records, re-encoded into a single base segment (one shard, ordinals as they are).
    func compacted() -> TypeState {
        let ordinals = OrdinalBits.ordinals(populated)
        let count = (ordinals.last ?? -1) + 1
        let storage: TypeStorage
        switch schema {
        case .object(let s): storage = .object(Layers(base: [compactObjects(s, ordinals, count)], shardShift: 0))
        case .list: storage = .list(Layers(base: [compactLists(ordinals, count)], shardShift: 0))
        case .set: storage = .set(Layers(base: [compactSets(ordinals, count)], shardShift: 0))
        case .map: storage = .map(Layers(base: [compactMaps(ordinals, count)], shardShift: 0))
        }
        return TypeState(schema: schema, populated: populated, maxOrdinal: maxOrdinal, shardCount: shardCount, storage: storage)
    }

    private func compactObjects(_ schema: HollowObjectSchema, _ ordinals: [Int], _ count: Int) -> ObjectSegment {
        let fields = schema.fields
        // Source value of field f for ordinal o: nil = null, else the stored value or the heap bytes.
        func source(_ o: Int, _ f: Int) -> (ObjectSegment, Int, Int)? {
            guard let (seg, i) = object(o) else { return nil }
            let own = seg.fieldMap[f]
            guard own >= 0, seg.fieldTypes[own] == fields[f].type, !seg.isNull(i, own) else { return nil }
            return (seg, i, own)
        }
        var widths = [Int](repeating: 0, count: fields.count)
        var heapSizes = [Int](repeating: 0, count: fields.count)
        for (f, field) in fields.enumerated() {
            switch field.type {
            case .int, .long, .reference:
                var w = 1
                for o in ordinals {
                    if let (seg, i, own) = source(o, f) { w = max(w, bitLength(seg.raw(i, own) &+ 1)) }
                }
                widths[f] = min(w, 64)
            case .boolean: widths[f] = 2
            case .float: widths[f] = 32
            case .double: widths[f] = 64
            case .string, .bytes:
                var total = 0
                for o in ordinals {
                    if let (seg, i, own) = source(o, f), let r = seg.varRange(i, own) { total += r.count }
                }
                heapSizes[f] = total
                widths[f] = bitLength(UInt64(total) + 1) + 1
            }
        }
        let bitsPerRecord = widths.reduce(0, +)
        var offsets: [Int] = []
        var acc = 0
        for w in widths {
            offsets.append(acc)
            acc += w
        }
        var fixed = PackedBits(bitCount: count * bitsPerRecord)
        var heaps: [[UInt8]] = heapSizes.map { n in
            var h: [UInt8] = []
            h.reserveCapacity(n)
            return h
        }
        var next = 0
        for o in 0..<count {
            let populatedHere = next < ordinals.count && ordinals[next] == o
            if populatedHere { next += 1 }
            let base = o * bitsPerRecord
            for (f, field) in fields.enumerated() {
                let w = widths[f]
                let bit = base + offsets[f]
                let src = populatedHere ? source(o, f) : nil
                switch field.type {
                case .string, .bytes:
                    if let (seg, i, own) = src, let r = seg.varRange(i, own) {
                        heaps[f].append(contentsOf: seg.heaps[own][r])
                        fixed.orIn(bit, w, UInt64(heaps[f].count))
                    } else {
                        let nullBit: UInt64 = populatedHere ? UInt64(1) << UInt64(w - 1) : 0
                        fixed.orIn(bit, w, UInt64(heaps[f].count) | nullBit)
                    }
                case .int, .long, .reference, .boolean:
                    if let (seg, i, own) = src {
                        fixed.orIn(bit, w, seg.raw(i, own))
                    } else if populatedHere {
                        fixed.orIn(bit, w, allOnes(w))
                    }
                case .float:
                    if let (seg, i, own) = src { fixed.orIn(bit, w, seg.raw(i, own)) } else if populatedHere { fixed.orIn(bit, w, 0x7FC0_0001) }
                case .double:
                    if let (seg, i, own) = src {
                        fixed.orIn(bit, w, seg.raw(i, own))
                    } else if populatedHere {
                        fixed.orIn(bit, w, 0x7FF8_0000_0000_0001)
                    }
                }
            }
        }
        return ObjectSegment(
            recordCount: count, fieldNames: fields.map(\.name), fieldTypes: fields.map(\.type), widths: widths, fixed: fixed,
            heaps: heaps, fieldMap: Array(fields.indices))
    }

    private func compactLists(_ ordinals: [Int], _ count: Int) -> ListSegment {
        var total = 0
        var maxElement = 0
        for o in ordinals {
            guard let (seg, i) = list(o) else { continue }
            let r = seg.range(i)
            total += r.count
            for p in r { maxElement = max(maxElement, seg.element(p)) }
        }
        let eWidth = max(1, bitLength(UInt64(maxElement)))
        let pWidth = max(1, bitLength(UInt64(total)))
        var pointers = PackedBits(bitCount: count * pWidth)
        var elements = PackedBits(bitCount: total * eWidth)
        var end = 0
        var next = 0
        for o in 0..<count {
            if next < ordinals.count && ordinals[next] == o {
                next += 1
                if let (seg, i) = list(o) {
                    for p in seg.range(i) {
                        elements.orIn(end * eWidth, eWidth, UInt64(seg.element(p)))
                        end += 1
                    }
                }
            }
            pointers.orIn(o * pWidth, pWidth, UInt64(end))
        }
        return ListSegment(
            recordCount: count, bitsPerPointer: pWidth, bitsPerElement: eWidth, totalElements: total, pointers: pointers,
            elements: elements)
    }

    private func compactSets(_ ordinals: [Int], _ count: Int) -> SetSegment {
        var totalBuckets = 0
        var maxElement = 0
        var maxSize = 0
        for o in ordinals {
            guard let (seg, i) = set(o) else { continue }
            let r = seg.range(i)
            totalBuckets += r.count
            maxSize = max(maxSize, seg.size(i))
            for b in r { if let e = seg.element(b) { maxElement = max(maxElement, e) } }
        }
        let eWidth = bitLength(UInt64(maxElement) + 1)
        let sWidth = bitLength(UInt64(maxSize))
        let pWidth = max(1, bitLength(UInt64(totalBuckets)))
        var pointers = PackedBits(bitCount: count * (pWidth + sWidth))
        var buckets = PackedBits(bitCount: totalBuckets * eWidth)
        var end = 0
        var next = 0
        for o in 0..<count {
            var size = 0
            if next < ordinals.count && ordinals[next] == o {
                next += 1
                if let (seg, i) = set(o) {
                    size = seg.size(i)
                    for b in seg.range(i) {
                        buckets.orIn(end * eWidth, eWidth, seg.element(b).map(UInt64.init) ?? allOnes(eWidth))
                        end += 1
                    }
                }
            }
            pointers.orIn(o * (pWidth + sWidth), pWidth, UInt64(end))
            pointers.orIn(o * (pWidth + sWidth) + pWidth, sWidth, UInt64(size))
        }
        return SetSegment(
            recordCount: count, bitsPerPointer: pWidth, bitsPerSize: sWidth, bitsPerElement: eWidth, totalBuckets: totalBuckets,
            pointers: pointers, buckets: buckets)
    }

    private func compactMaps(_ ordinals: [Int], _ count: Int) -> MapSegment {
        var totalBuckets = 0
        var maxKey = 0
        var maxValue = 0
        var maxSize = 0
        for o in ordinals {
            guard let (seg, i) = map(o) else { continue }
            let r = seg.range(i)
            totalBuckets += r.count
            maxSize = max(maxSize, seg.size(i))
            for b in r {
                if let e = seg.entry(b) {
                    maxKey = max(maxKey, e.key)
                    maxValue = max(maxValue, e.value)
                }
            }
        }
        let kWidth = bitLength(UInt64(maxKey) + 1)
        let vWidth = max(1, bitLength(UInt64(maxValue)))
        let sWidth = bitLength(UInt64(maxSize))
        let pWidth = max(1, bitLength(UInt64(totalBuckets)))
        var pointers = PackedBits(bitCount: count * (pWidth + sWidth))
        var buckets = PackedBits(bitCount: totalBuckets * (kWidth + vWidth))
        var end = 0
        var next = 0
        for o in 0..<count {
            var size = 0
            if next < ordinals.count && ordinals[next] == o {
                next += 1
                if let (seg, i) = map(o) {
                    size = seg.size(i)
                    for b in seg.range(i) {
                        let bit = end * (kWidth + vWidth)
                        if let e = seg.entry(b) {
                            buckets.orIn(bit, kWidth, UInt64(e.key))
                            buckets.orIn(bit + kWidth, vWidth, UInt64(e.value))
                        } else {
                            buckets.orIn(bit, kWidth, allOnes(kWidth))
                        }
                        end += 1
                    }
                }
            }
            pointers.orIn(o * (pWidth + sWidth), pWidth, UInt64(end))
            pointers.orIn(o * (pWidth + sWidth) + pWidth, sWidth, UInt64(size))
        }
        return MapSegment(
            recordCount: count, bitsPerPointer: pWidth, bitsPerSize: sWidth, bitsPerKey: kWidth, bitsPerValue: vWidth,
            totalBuckets: totalBuckets, pointers: pointers, buckets: buckets)
    }
}

extension ReadState {
    /// A copy of this state with every type re-encoded into one compact base segment (for tests and for
    /// consumers that want to drop the data of removed records right away).
    func compactedCopy() -> ReadState {
        ReadState(
            randomizedTag: randomizedTag, headerTags: headerTags, schemas: schemas,
            types: types.mapValues { $0.compacted() }, ignoredSchemaChanges: ignoredSchemaChanges, filter: filter)
    }
}
