import HollowCore
import Testing

/// A delta whose schemas differ from the loaded state's is detected, and applied as Java does when
/// applied anyway: old schema kept, new fields and types dropped, and the drops reported.
@Suite struct SchemaChangeTests {
    /// Writes a blob: header, then the given type sections (already encoded).
    static func blob(origin: Int64, destination: Int64, version: Int, schemas: [HollowSchema], sections: [[UInt8]]) -> [UInt8] {
        var schemaBytes = ByteWriter()
        schemaBytes.writeVarInt(Int32(schemas.count))
        for s in schemas { s.write(to: &schemaBytes) }
        var w = ByteWriter()
        w.writeInt32(1030)
        w.writeInt64(origin)
        w.writeInt64(destination)
        w.writeVarInt(Int32(schemaBytes.count + 1))
        w.writeBytes(schemaBytes.bytes)
        w.writeVarInt(0)
        w.writeInt16(1)
        w.writeUTF("hollow.blob.to.version")
        w.writeUTF("\(version)")
        w.writeVarInt(Int32(sections.count))
        for s in sections { w.writeBytes(s) }
        return w.bytes
    }

    static let t1 = HollowSchema.object(HollowObjectSchema(name: "T", fields: [.init(name: "a", type: .int)]))
    static let t2 = HollowSchema.object(
        HollowObjectSchema(name: "T", fields: [.init(name: "a", type: .int), .init(name: "b", type: .string)]))
    static let u = HollowSchema.object(HollowObjectSchema(name: "U", fields: [.init(name: "x", type: .long)]))

    /// State 1: T has a = 1 (ordinal 0) and a = -1 (ordinal 1).
    static func snapshot() -> [UInt8] {
        var s = ByteWriter()
        t1.write(to: &s)
        s.writeBytes([2, 0, 1])  // one shard
        s.writeVarInt(1)  // maxShardOrdinal
        s.writeVarInt(3)  // bitsPerField a
        s.writeVarLong(1)  // one word
        s.writeInt64(2 | 1 << 3)  // zigzag(1) = 2, zigzag(-1) = 1
        s.writeVarLong(0)  // heap of a
        s.writeInt32(1)  // populated bit set: one word
        s.writeInt64(0b11)
        return blob(origin: -1, destination: 111, version: 1, schemas: [t1], sections: [s.bytes])
    }

    /// Delta 1→2 with T gaining field b and a new type U: removes ordinal 0, adds ordinal 2 (a = 5, b = "abc").
    static func delta() -> [UInt8] {
        var t = ByteWriter()
        t2.write(to: &t)
        t.writeBytes([2, 0, 1])
        t.writeVarInt(2)  // maxShardOrdinal
        t.writeVarLong(1)
        t.writeUInt8(0)  // removed: ordinal 0
        t.writeVarLong(1)
        t.writeUInt8(2)  // added: ordinal 2
        t.writeVarInt(5)  // bits a
        t.writeVarInt(4)  // bits b
        t.writeVarLong(1)
        t.writeInt64(10 | 3 << 5)  // a = zigzag(5) = 10, b ends at byte 3
        t.writeVarLong(0)
        t.writeVarLong(3)
        t.writeBytes(Array("abc".utf8))
        var uSection = ByteWriter()
        u.write(to: &uSection)
        uSection.writeBytes([2, 0, 1])
        uSection.writeVarInt(0)
        uSection.writeUInt8(0)  // removed: none
        uSection.writeVarLong(1)
        uSection.writeUInt8(0)  // added: ordinal 0
        uSection.writeVarInt(8)
        uSection.writeVarLong(1)
        uSection.writeInt64(14)
        uSection.writeVarLong(0)
        return blob(origin: 111, destination: 222, version: 2, schemas: [t2, u], sections: [t.bytes, uSection.bytes])
    }

    @Test func detectsAndAppliesJavaStyle() throws {
        let s1 = try ReadState.load(snapshot: Self.snapshot())
        let t = try #require(s1.objectType("T"))
        #expect(t.populatedOrdinals == [0, 1])
        #expect(t.readInt(0, "a") == 1)
        #expect(t.readInt(1, "a") == -1)

        let delta = Self.delta()
        #expect(try s1.deltaChangesSchemas(delta))
        let changes = s1.schemaChanges(in: try HollowBlobHeader.read(delta))
        #expect(changes.contains("type T has a different schema"))
        #expect(changes.contains("type U is new"))

        let s2 = try s1.applying(delta: delta)
        #expect(s2.schemas == [Self.t1])
        #expect(s2.typeNames == ["T"])
        let t2 = try #require(s2.objectType("T"))
        #expect(t2.populatedOrdinals == [1, 2])
        #expect(t2.readInt(1, "a") == -1)
        #expect(t2.readInt(2, "a") == 5)
        #expect(s2.ignoredSchemaChanges.contains("field T.b added by the delta was ignored"))
        #expect(s2.ignoredSchemaChanges.contains { $0.hasPrefix("type U added by the delta") })
        #expect(s2.canonicalJSON().contains(#"{"ordinal":2,"fields":{"a":5}}"#))
        #expect(s1.ignoredSchemaChanges.isEmpty)
    }

    /// Primary keys that point at each other in a loop (schemas come from blobs) do not hang or crash
    /// key-path resolution.
    @Test func cyclicPrimaryKeys() throws {
        let a = HollowSchema.object(HollowObjectSchema(
            name: "A", fields: [.init(name: "b", type: .reference, referencedType: "B"), .init(name: "x", type: .int)], primaryKey: ["b"]))
        let b = HollowSchema.object(HollowObjectSchema(
            name: "B", fields: [.init(name: "a", type: .reference, referencedType: "A"), .init(name: "y", type: .int)], primaryKey: ["a"]))
        func emptySection(_ schema: HollowSchema) -> [UInt8] {
            var w = ByteWriter()
            schema.write(to: &w)
            w.writeBytes([2, 0, 1])
            w.writeVarInt(-1)  // no records
            w.writeVarInt(0)
            w.writeVarInt(0)
            w.writeVarLong(0)
            w.writeVarLong(0)
            w.writeVarLong(0)
            w.writeInt32(0)  // empty populated bit set
            return w.bytes
        }
        let blob = Self.blob(origin: -1, destination: 7, version: 1, schemas: [a, b], sections: [emptySection(a), emptySection(b)])
        let state = try ReadState.load(snapshot: blob)
        #expect(state.typeNames == ["A", "B"])
        let index = try HollowPrimaryKeyIndex(state: state, type: "A")
        #expect(index.count == 0)
        #expect(index.getMatchingOrdinal(1) == -1)
    }
}
