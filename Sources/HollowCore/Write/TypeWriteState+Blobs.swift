// Type sections of snapshots, deltas and reverse deltas (FORMAT.md §5–§8), one function per kind.

enum SectionKind { case snapshot, delta, reverseDelta }

extension ByteWriter {
    mutating func writeFixedArray(_ a: WriteBitArray, bits: Int, varLong: Bool = true) {
        let numWords = bits <= 0 ? 0 : (bits - 1) / 64 + 1
        if varLong { writeVarLong(Int64(numWords)) } else { writeVarInt(Int32(numWords)) }
        writeInt64s(a.words, count: numWords)
    }
}

extension TypeWriteState {
    /// Writes the whole section: schema, shard envelope, payload.
    func writeSection(_ kind: SectionKind, to w: inout ByteWriter, keyHash: ((Int) -> Int32)?) {
        schema.write(to: &w)
        let shards = kind == .reverseDelta ? revNumShards : numShards
        w.writeVarInt(Int32(1 + ByteWriter.varIntSize(Int32(shards))))
        w.writeVarInt(0)
        w.writeVarInt(Int32(shards))
        if shards > 1 { w.writeVarInt(Int32(maxOrdinal)) }
        let maxShard = kind == .reverseDelta ? revMaxShardOrdinal : maxShardOrdinal
        let (from, to): (WriteBitSet, WriteBitSet) =
            switch kind {
            case .snapshot: (WriteBitSet(), current)
            case .delta: (previous, current)
            case .reverseDelta: (current, previous)
            }
        let isSnapshot = kind == .snapshot
        var plan = ShardPlan(shards: shards, from: from, to: to, maxOrdinal: maxOrdinal, snapshot: isSnapshot)
        let collection = kind == .reverseDelta ? (revCollectionStats ?? collectionStats) : collectionStats
        switch schema {
        case .object(let s):
            writeObject(s, &w, &plan, maxShard)
        case .list:
            writeList(collection!, &w, &plan, maxShard)
        case .set(let s):
            writeSetOrMap(collection!, isMap: false, hashed: s.hashKey != nil ? keyHash : nil, &w, &plan, maxShard)
        case .map(let s):
            writeSetOrMap(collection!, isMap: true, hashed: s.hashKey != nil ? keyHash : nil, &w, &plan, maxShard)
        }
        if isSnapshot { current.serialize(to: &w) }
    }

    /// Which ordinals go into each shard of a section, and the gap-encoded removed/added lists of a delta.
    struct ShardPlan {
        let shards: Int
        let snapshot: Bool
        /// Ordinals whose record is written, ascending, per shard (snapshot: every slot 0...maxOrdinal,
        /// flagged populated or hole; delta: added only).
        var written: [[(ordinal: Int, populated: Bool)]]
        var removed: [[UInt8]]
        var added: [[UInt8]]

        init(shards: Int, from: WriteBitSet, to: WriteBitSet, maxOrdinal: Int, snapshot: Bool) {
            self.shards = shards
            self.snapshot = snapshot
            written = Array(repeating: [], count: shards)
            removed = Array(repeating: [], count: shards)
            added = Array(repeating: [], count: shards)
            let mask = shards - 1
            if snapshot {
                if maxOrdinal >= 0 {
                    for s in 0..<shards { written[s].reserveCapacity((maxOrdinal + 1) / shards + 1) }
                    for o in 0...maxOrdinal { written[o & mask].append((o, to.contains(o))) }
                }
                return
            }
            var prevAdded = Array(repeating: 0, count: shards)
            var prevRemoved = Array(repeating: 0, count: shards)
            let n = max(from.words.count, to.words.count)
            for wi in 0..<n {
                let f = wi < from.words.count ? from.words[wi] : 0
                let t = wi < to.words.count ? to.words[wi] : 0
                var changed = f ^ t
                while changed != 0 {
                    let b = changed.trailingZeroBitCount
                    changed &= changed - 1
                    let o = wi * 64 + b
                    let shard = o & mask
                    let so = o / shards
                    if (t >> UInt64(b)) & 1 != 0 {
                        written[shard].append((o, true))
                        appendVarInt(&added[shard], UInt32(so - prevAdded[shard]))
                        prevAdded[shard] = so
                    } else {
                        appendVarInt(&removed[shard], UInt32(so - prevRemoved[shard]))
                        prevRemoved[shard] = so
                    }
                }
            }
        }

        func writeHeader(_ w: inout ByteWriter, shard: Int, maxShardOrdinal: Int) {
            w.writeVarInt(Int32(maxShardOrdinal))
            if !snapshot {
                w.writeVarLong(Int64(removed[shard].count))
                w.writeBytes(removed[shard])
                w.writeVarLong(Int64(added[shard].count))
                w.writeBytes(added[shard])
            }
        }
    }

    // MARK: OBJECT

    private func writeObject(_ s: HollowObjectSchema, _ w: inout ByteWriter, _ plan: inout ShardPlan, _ maxShard: [Int]) {
        let st = objectStats!
        let n = s.fields.count
        let types = s.fields.map(\.type)
        data.withUnsafeBufferPointer { d in
            for shard in 0..<plan.shards {
                let slots = plan.written[shard]
                var fixed = WriteBitArray(bits: st.bitsPerRecord * slots.count)
                var heaps = Array(repeating: [UInt8](), count: n)
                if plan.snapshot {
                    for f in 0..<n where st.varLength[f] > 0 { heaps[f].reserveCapacity(st.varLength[f] / plan.shards + 64) }
                }
                var bit = 0
                for (o, populated) in slots {
                    if populated {
                        var p = recordRange(o).lowerBound
                        for f in 0..<n {
                            let off = bit + st.bitOffset[f]
                            let width = st.bitsPerField[f]
                            switch types[f] {
                            case .boolean:
                                fixed.set(off, 2, d[p] == 0x80 ? 3 : UInt64(d[p]))
                                p += 1
                            case .float:
                                var v: UInt64 = 0
                                for _ in 0..<4 { v = v << 8 | UInt64(d[p]); p += 1 }
                                fixed.set(off, 32, v)
                            case .double:
                                var v: UInt64 = 0
                                for _ in 0..<8 { v = v << 8 | UInt64(d[p]); p += 1 }
                                fixed.set(off, 64, v)
                            case .int, .long, .reference:
                                if d[p] == 0x80 {
                                    fixed.set(off, width, st.nullValue[f])
                                    p += 1
                                } else {
                                    fixed.set(off, width, readVar(d, &p))
                                }
                            case .string, .bytes:
                                if d[p] == 0x80 {
                                    fixed.set(off, width, UInt64(heaps[f].count) | (1 << UInt64(width - 1)))
                                    p += 1
                                } else {
                                    let len = Int(readVar(d, &p))
                                    heaps[f].append(contentsOf: UnsafeBufferPointer(rebasing: d[p..<(p + len)]))
                                    p += len
                                    fixed.set(off, width, UInt64(heaps[f].count))
                                }
                            }
                        }
                    } else {
                        for f in 0..<n where types[f] == .string || types[f] == .bytes {
                            fixed.set(bit + st.bitOffset[f], st.bitsPerField[f], UInt64(heaps[f].count))
                        }
                    }
                    bit += st.bitsPerRecord
                }
                plan.writeHeader(&w, shard: shard, maxShardOrdinal: maxShard[shard])
                for f in 0..<n { w.writeVarInt(Int32(st.bitsPerField[f])) }
                w.writeFixedArray(fixed, bits: bit)
                for f in 0..<n {
                    w.writeVarLong(Int64(heaps[f].count))
                    w.writeBytes(heaps[f])
                }
            }
        }
    }

    // MARK: LIST

    private func writeList(_ st: CollectionStats, _ w: inout ByteWriter, _ plan: inout ShardPlan, _ maxShard: [Int]) {
        data.withUnsafeBufferPointer { d in
            for shard in 0..<plan.shards {
                let slots = plan.written[shard]
                var numElements = 0
                for (o, populated) in slots where populated {
                    var p = recordRange(o).lowerBound
                    numElements += Int(readVar(d, &p))
                }
                var pointers = WriteBitArray(bits: st.bitsPerPointer * slots.count)
                let elementCapacity = plan.snapshot ? st.totals[shard] : numElements
                var elements = WriteBitArray(bits: st.bitsPerElement * elementCapacity)
                var counter = 0
                for (i, (o, populated)) in slots.enumerated() {
                    if populated {
                        var p = recordRange(o).lowerBound
                        let size = Int(readVar(d, &p))
                        for _ in 0..<size {
                            elements.set(counter * st.bitsPerElement, st.bitsPerElement, readVar(d, &p))
                            counter += 1
                        }
                    }
                    pointers.set(i * st.bitsPerPointer, st.bitsPerPointer, UInt64(counter))
                }
                plan.writeHeader(&w, shard: shard, maxShardOrdinal: maxShard[shard])
                w.writeVarInt(Int32(st.bitsPerPointer))
                w.writeVarInt(Int32(st.bitsPerElement))
                w.writeVarLong(Int64(st.totals[shard]))
                w.writeFixedArray(pointers, bits: st.bitsPerPointer * slots.count, varLong: false)
                w.writeFixedArray(elements, bits: st.bitsPerElement * elementCapacity, varLong: false)
            }
        }
    }

    // MARK: SET and MAP

    private func writeSetOrMap(_ st: CollectionStats, isMap: Bool, hashed: ((Int) -> Int32)?, _ w: inout ByteWriter,
                               _ plan: inout ShardPlan, _ maxShard: [Int]) {
        let bitsPerEntry = st.bitsPerElement + (isMap ? st.bitsPerValue : 0)
        let fixedPortion = st.bitsPerSize + st.bitsPerPointer
        let emptyKey: UInt64 = st.bitsPerElement == 64 ? ~0 : (1 << UInt64(st.bitsPerElement)) - 1
        data.withUnsafeBufferPointer { d in
            for shard in 0..<plan.shards {
                let slots = plan.written[shard]
                var numBuckets = 0
                for (o, populated) in slots where populated {
                    var p = recordRange(o).lowerBound
                    numBuckets += HollowHashing.hashTableSize(Int(readVar(d, &p)))
                }
                let bucketCapacity = plan.snapshot ? st.totals[shard] : numBuckets
                var pointers = WriteBitArray(bits: fixedPortion * slots.count)
                var buckets = WriteBitArray(bits: bitsPerEntry * bucketCapacity)
                var counter = 0
                for (i, (o, populated)) in slots.enumerated() {
                    if populated {
                        var p = recordRange(o).lowerBound
                        let size = Int(readVar(d, &p))
                        let tableSize = HollowHashing.hashTableSize(size)
                        let mask = tableSize - 1
                        for j in 0..<tableSize { buckets.set((counter + j) * bitsPerEntry, st.bitsPerElement, emptyKey) }
                        var key = 0
                        for _ in 0..<size {
                            key += Int(readVar(d, &p))
                            let value = isMap ? readVar(d, &p) : 0
                            let h = hashed?(key) ?? HollowHashing.hashInt(Int32(truncatingIfNeeded: key))
                            var b = Int(UInt32(bitPattern: h)) & mask
                            while buckets.get((counter + b) * bitsPerEntry, st.bitsPerElement) != emptyKey {
                                b = (b + 1) & mask
                            }
                            let off = (counter + b) * bitsPerEntry
                            buckets.set(off, st.bitsPerElement, UInt64(key))
                            if isMap { buckets.set(off + st.bitsPerElement, st.bitsPerValue, value) }
                        }
                        counter += tableSize
                        pointers.set(i * fixedPortion + st.bitsPerPointer, st.bitsPerSize, UInt64(size))
                    }
                    pointers.set(i * fixedPortion, st.bitsPerPointer, UInt64(counter))
                }
                plan.writeHeader(&w, shard: shard, maxShardOrdinal: maxShard[shard])
                w.writeVarInt(Int32(st.bitsPerPointer))
                w.writeVarInt(Int32(st.bitsPerSize))
                w.writeVarInt(Int32(st.bitsPerElement))
                if isMap { w.writeVarInt(Int32(st.bitsPerValue)) }
                w.writeVarLong(Int64(st.totals[shard]))
                w.writeFixedArray(pointers, bits: fixedPortion * slots.count, varLong: false)
                w.writeFixedArray(buckets, bits: bitsPerEntry * bucketCapacity, varLong: false)
            }
        }
    }
}
