public import HollowCore

/// One field value of an OBJECT record, as the explorer shows it.
public enum ExplorerFieldValue: Sendable, Hashable {
    case null
    case int(Int64)
    case long(Int64)
    case boolean(Bool)
    case float(Float)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// A reference to the record `ordinal` of the field's referenced type.
    case reference(Int)

    /// The value as plain text: what a key lookup or a field search compares against.
    public var text: String {
        switch self {
        case .null: "null"
        case .int(let v), .long(let v): String(v)
        case .boolean(let v): v ? "true" : "false"
        case .float(let v): v.isNaN ? "NaN" : String(v)
        case .double(let v): v.isNaN ? "NaN" : String(v)
        case .string(let s): s
        case .bytes(let b): hex(b)
        case .reference(let o): "#\(o)"
        }
    }
}

/// The content of one record: the fields of an OBJECT, or the element / entry ordinals of a collection.
public enum ExplorerRecord: Sendable, Hashable {
    /// Field values in schema order.
    case object([ExplorerFieldValue])
    /// Element ordinals in list order.
    case list([Int])
    /// Element ordinals (ascending).
    case set([Int])
    /// (key ordinal, value ordinal) entries, sorted by key then value.
    case map([MapEntry])

    /// One entry of a MAP record.
    public struct MapEntry: Sendable, Hashable {
        public var key: Int
        public var value: Int
        public init(key: Int, value: Int) {
            self.key = key
            self.value = value
        }
    }
}

/// A read-only view of one Hollow state that the explorer renders.
///
/// `ReadState` is adapted to it (`ReadStateView`); tests may back it with anything that reproduces a state.
public protocol ExplorerStateView: Sendable {
    /// The state's version.
    var version: Int64 { get }
    /// The header tags of the blob the state came from.
    var headerTags: [String: String] { get }
    /// Hollow's randomized tag of the state (the destination tag of the last blob applied), when known. Diffs use
    /// it to recognise two states joined by a delta, whose unchanged records keep their ordinals; without it
    /// (the default) a diff compares every record.
    var randomizedTag: Int64? { get }
    /// All type names, sorted.
    var typeNames: [String] { get }
    /// The schema of `type`, or nil if the state has no such type.
    func schema(of type: String) -> HollowSchema?
    /// The populated ordinals of `type`, ascending.
    func populatedOrdinals(of type: String) -> [Int]
    /// The greatest ordinal `type` has room for (-1 when empty).
    func maxOrdinal(of type: String) -> Int
    /// The approximate bytes the type's data occupies in memory, when known.
    func footprint(of type: String) -> Int?
    /// The content of record `ordinal` of `type`, or nil when that ordinal is not populated.
    func record(of type: String, ordinal: Int) -> ExplorerRecord?
    /// Field `index` of OBJECT record `ordinal` of `type`, or nil when the record or field does not exist.
    /// The default reads the whole record; views override it to read one field.
    func field(of type: String, ordinal: Int, index: Int) -> ExplorerFieldValue?
}

extension ExplorerStateView {
    public var randomizedTag: Int64? { nil }

    public func field(of type: String, ordinal: Int, index: Int) -> ExplorerFieldValue? {
        guard case .object(let values) = record(of: type, ordinal: ordinal), index >= 0, index < values.count else { return nil }
        return values[index]
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
