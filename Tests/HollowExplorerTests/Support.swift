import Foundation
import HollowCore
import HollowExplorer
import HollowFilesystem
import Synchronization

/// The Java fixture stores (real filesystem stores written by Java Hollow).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HollowCoreTests/Fixtures/java-hollow")
    static func store(_ name: String) -> String { root.appendingPathComponent(name).path }
}

/// A fixture directory as the `hollow` executable wires it: the filesystem store's retriever.
func DirectoryStore(directory: String) -> FilesystemBlobRetriever {
    try! FilesystemBlobRetriever(path: directory)
}

/// Builds states from the fixtures' canonical dumps (`expected-<v>.json`, written by the Java consumer).
struct DumpLoader: ExplorerStateLoader {
    struct Missing: Error, CustomStringConvertible { var description: String }

    func state(at version: Int64, from store: any BlobStore) async throws -> any ExplorerStateView {
        let path = store.location + "/expected-\(version).json"
        guard let data = FileManager.default.contents(atPath: path) else { throw Missing(description: "no \(path)") }
        return try DumpStateView(version: version, json: data)
    }
}

/// A state view backed by a canonical JSON dump.
struct DumpStateView: ExplorerStateView {
    let version: Int64
    let headerTags: [String: String]
    let typeNames: [String]
    let schemas: [String: HollowSchema]
    let records: [String: [Int: ExplorerRecord]]

    init(version: Int64, json data: Data) throws {
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        self.version = version
        headerTags = root["headerTags"] as? [String: String] ?? [:]
        var schemas: [String: HollowSchema] = [:]
        var records: [String: [Int: ExplorerRecord]] = [:]
        var names: [String] = []
        for t in root["types"] as! [[String: Any]] {
            let name = t["name"] as! String
            names.append(name)
            let s = t["schema"] as! [String: Any]
            let schema: HollowSchema
            switch s["kind"] as! String {
            case "OBJECT":
                let fields = (s["fields"] as! [[String: Any]]).map {
                    HollowObjectSchema.Field(
                        name: $0["name"] as! String, type: HollowFieldType(rawValue: $0["type"] as! String)!,
                        referencedType: $0["referencedType"] as? String)
                }
                schema = .object(HollowObjectSchema(name: name, fields: fields, primaryKey: s["primaryKey"] as? [String]))
            case "LIST": schema = .list(HollowListSchema(name: name, elementType: s["elementType"] as! String))
            case "SET": schema = .set(HollowSetSchema(name: name, elementType: s["elementType"] as! String, hashKey: s["hashKey"] as? [String]))
            default:
                schema = .map(HollowMapSchema(name: name, keyType: s["keyType"] as! String, valueType: s["valueType"] as! String, hashKey: s["hashKey"] as? [String]))
            }
            schemas[name] = schema
            var recs: [Int: ExplorerRecord] = [:]
            for r in t["records"] as! [[String: Any]] {
                let o = (r["ordinal"] as! NSNumber).intValue
                switch schema {
                case .object(let os):
                    let fields = r["fields"] as! [String: Any]
                    recs[o] = .object(os.fields.map { f in Self.value(fields[f.name], f.type) })
                case .list: recs[o] = .list((r["elements"] as! [NSNumber]).map(\.intValue))
                case .set: recs[o] = .set((r["elements"] as! [NSNumber]).map(\.intValue))
                case .map:
                    recs[o] = .map((r["entries"] as! [[NSNumber]]).map { .init(key: $0[0].intValue, value: $0[1].intValue) })
                }
            }
            records[name] = recs
        }
        typeNames = names.sorted()
        self.schemas = schemas
        self.records = records
    }

    static func value(_ v: Any?, _ type: HollowFieldType) -> ExplorerFieldValue {
        guard let v, !(v is NSNull) else { return .null }
        switch type {
        case .int: return .int((v as! NSNumber).int64Value)
        case .long: return .long((v as! NSNumber).int64Value)
        case .boolean: return .boolean((v as! NSNumber).boolValue)
        case .float: return .float(Float(bitPattern: UInt32((v as! String).dropFirst(2), radix: 16)!))
        case .double: return .double(Double(bitPattern: UInt64((v as! String).dropFirst(2), radix: 16)!))
        case .string: return .string(v as! String)
        case .bytes:
            let s = Array((v as! String).utf8)
            return .bytes(stride(from: 0, to: s.count, by: 2).map { UInt8(String(decoding: s[$0..<$0 + 2], as: UTF8.self), radix: 16)! })
        case .reference: return .reference((v as! NSNumber).intValue)
        }
    }

    func schema(of type: String) -> HollowSchema? { schemas[type] }
    func populatedOrdinals(of type: String) -> [Int] { (records[type] ?? [:]).keys.sorted() }
    func maxOrdinal(of type: String) -> Int { (records[type] ?? [:]).keys.max() ?? -1 }
    func footprint(of type: String) -> Int? { nil }
    func record(of type: String, ordinal: Int) -> ExplorerRecord? { records[type]?[ordinal] }
}

/// Operations kept in memory: what the MQTT side would report, and the pins the explorer asked for.
final class InMemoryOperations: ExplorerOperations {
    struct Action: Sendable, Equatable { var pin: Bool; var version: Int64?; var group: String?; var reason: String }
    private let state: Mutex<(OperationsSnapshot, [Action])>

    init(_ snapshot: OperationsSnapshot) { state = Mutex((snapshot, [])) }

    var actions: [Action] { state.withLock { $0.1 } }

    func snapshot() async throws -> OperationsSnapshot { state.withLock { $0.0 } }

    func pin(version: Int64, group: String?, reason: String) async throws {
        state.withLock {
            $0.0.pins.removeAll { $0.group == group }
            $0.0.pins.append(PinStatus(group: group, version: version, reason: reason))
            $0.1.append(Action(pin: true, version: version, group: group, reason: reason))
        }
    }

    func unpin(group: String?, reason: String) async throws {
        state.withLock {
            $0.0.pins.removeAll { $0.group == group }
            $0.1.append(Action(pin: false, version: nil, group: group, reason: reason))
        }
    }
}
