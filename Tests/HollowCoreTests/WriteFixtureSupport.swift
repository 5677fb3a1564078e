import Foundation
import HollowCore

/// Test helpers of the write side: the Java fixtures, and records rebuilt from a canonical dump
/// (`expected-N.json`, see the fixtures' README) so the writer can be checked without the reader.
enum WriteFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/java-hollow")

    static func bytes(_ dataset: String, _ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(dataset).appendingPathComponent(file)))
    }

    static func text(_ dataset: String, _ file: String) throws -> String {
        String(decoding: try bytes(dataset, file), as: UTF8.self)
    }
}

/// A state parsed from a canonical dump.
struct WriteDump {
    var randomizedTag: Int64
    var headerTags: [String: String]
    var schemas: [String: HollowSchema]
    var records: [String: [(ordinal: Int, record: HollowWriteRecord)]]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(json: String) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw Failure(description: "dump is not an object")
        }
        randomizedTag = (root["randomizedTag"] as? NSNumber)?.int64Value ?? 0
        headerTags = root["headerTags"] as? [String: String] ?? [:]
        schemas = [:]
        records = [:]
        for case let type as [String: Any] in root["types"] as? [Any] ?? [] {
            let name = type["name"] as! String
            let schema = try Self.schema(name, type["schema"] as! [String: Any])
            schemas[name] = schema
            var recs: [(Int, HollowWriteRecord)] = []
            for case let r as [String: Any] in type["records"] as? [Any] ?? [] {
                let ordinal = (r["ordinal"] as! NSNumber).intValue
                recs.append((ordinal, try Self.record(schema, r)))
            }
            records[name] = recs
        }
    }

    private static func keys(_ v: Any?) -> [String]? { v as? [String] }

    static func schema(_ name: String, _ s: [String: Any]) throws -> HollowSchema {
        switch s["kind"] as? String {
        case "OBJECT":
            let fields = (s["fields"] as? [[String: Any]] ?? []).map { f in
                HollowObjectSchema.Field(
                    name: f["name"] as! String, type: HollowFieldType(rawValue: f["type"] as! String)!,
                    referencedType: f["referencedType"] as? String)
            }
            return .object(HollowObjectSchema(name: name, fields: fields, primaryKey: keys(s["primaryKey"])))
        case "LIST": return .list(HollowListSchema(name: name, elementType: s["elementType"] as! String))
        case "SET":
            return .set(HollowSetSchema(name: name, elementType: s["elementType"] as! String, hashKey: keys(s["hashKey"])))
        case "MAP":
            return .map(
                HollowMapSchema(
                    name: name, keyType: s["keyType"] as! String, valueType: s["valueType"] as! String,
                    hashKey: keys(s["hashKey"])))
        default: throw Failure(description: "unknown kind in \(name)")
        }
    }

    static func hex(_ s: String) -> UInt64 { UInt64(s.dropFirst(2), radix: 16)! }

    static func record(_ schema: HollowSchema, _ r: [String: Any]) throws -> HollowWriteRecord {
        switch schema {
        case .object(let s):
            var rec = HollowObjectWriteRecord(schema: s)
            let fields = r["fields"] as! [String: Any]
            for f in s.fields {
                guard let v = fields[f.name], !(v is NSNull) else { continue }
                let value: HollowFieldValue
                switch f.type {
                case .int: value = .int((v as! NSNumber).int32Value)
                case .long: value = .long((v as! NSNumber).int64Value)
                case .reference: value = .reference((v as! NSNumber).intValue)
                case .boolean: value = .boolean((v as! NSNumber).boolValue)
                case .float: value = .float(Float(bitPattern: UInt32(hex(v as! String))))
                case .double: value = .double(Double(bitPattern: hex(v as! String)))
                case .string: value = .string(v as! String)
                case .bytes:
                    let h = Array((v as! String).utf8)
                    var out: [UInt8] = []
                    var i = 0
                    while i + 1 < h.count {
                        out.append(UInt8(String(decoding: h[i...i + 1], as: UTF8.self), radix: 16)!)
                        i += 2
                    }
                    value = .bytes(out)
                }
                try rec.set(f.name, value)
            }
            return .object(rec)
        case .list: return .list((r["elements"] as! [NSNumber]).map(\.intValue))
        case .set: return .set((r["elements"] as! [NSNumber]).map(\.intValue))
        case .map:
            return .map((r["entries"] as! [[NSNumber]]).map { (key: $0[0].intValue, value: $0[1].intValue) })
        }
    }

    /// Type names so that referenced types come before the types referencing them.
    func dependencyOrder(preferred: [String]) -> [String] {
        var out: [String] = []
        var visiting = Set<String>()
        func visit(_ n: String) {
            guard !out.contains(n), !visiting.contains(n), let s = schemas[n] else { return }
            visiting.insert(n)
            for r in s.referencedTypes { visit(r) }
            out.append(n)
        }
        for n in preferred { visit(n) }
        for n in schemas.keys.sorted() { visit(n) }
        return out
    }
}

/// Reads the header of a Java blob far enough to return its schema list and where the type sections start.
func writeTestParseHeader(_ blob: [UInt8]) throws -> (schemas: [HollowSchema], tags: [String: String], bodyOffset: Int) {
    var r = ByteReader(blob)
    _ = try r.readInt32()
    _ = try r.readInt64()
    _ = try r.readInt64()
    _ = try r.readVarInt()
    let n = Int(try r.readVarInt())
    var schemas: [HollowSchema] = []
    for _ in 0..<n { schemas.append(try HollowSchema.read(from: &r)) }
    let skip = Int(try r.readVarInt())
    try r.skip(skip)
    let tagCount = Int(try r.readInt16())
    var tags: [String: String] = [:]
    for _ in 0..<tagCount {
        let k = try r.readUTF()
        tags[k] = try r.readUTF()
    }
    _ = try r.readVarInt()
    return (schemas, tags, r.offset)
}
