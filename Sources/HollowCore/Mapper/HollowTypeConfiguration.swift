/// What Java Hollow's object-mapper annotations declare, for a Swift type mapped by ``HollowObjectMapper``.
/// Every requirement has a default (Java's defaults), so a type declares only what it needs:
///
/// ```swift
/// struct Movie: Codable, HollowTypeConfiguration {
///     static let hollowPrimaryKey = ["id"]            // @HollowPrimaryKey(fields = "id")
///     static let hollowInlineFields: Set = ["title"]  // @HollowInline String title
///     var id: Int32
///     var title: String
/// }
/// ```
public protocol HollowTypeConfiguration {
    /// The Hollow type name (`@HollowTypeName`); default: the Swift type's name.
    static var hollowTypeName: String? { get }
    /// Primary key field paths (`@HollowPrimaryKey`); default none.
    static var hollowPrimaryKey: [String]? { get }
    /// Fields stored inline instead of as references (`@HollowInline`): `String` becomes STRING, and
    /// optional `Int32`/`Int64`/`Bool`/`Float`/`Double` become nullable INT/LONG/BOOLEAN/FLOAT/DOUBLE.
    static var hollowInlineFields: Set<String> { get }
    /// Hash keys of set and map fields (`@HollowHashKey`), by field name; an empty array declares "no hash
    /// key". Default: the element (key) type's primary key, or its only field when that is not a reference.
    static var hollowHashKeys: [String: [String]] { get }
    /// Type names of collection fields (`@HollowTypeName` on a field / `@HollowCollectionTypeName`).
    static var hollowFieldTypeNames: [String: String] { get }
    /// A fixed shard count (`@HollowShardLargeType`); default: chosen from the data size.
    static var hollowNumShards: Int? { get }
}

extension HollowTypeConfiguration {
    public static var hollowTypeName: String? { nil }
    public static var hollowPrimaryKey: [String]? { nil }
    public static var hollowInlineFields: Set<String> { [] }
    public static var hollowHashKeys: [String: [String]] { [:] }
    public static var hollowFieldTypeNames: [String: String] { [:] }
    public static var hollowNumShards: Int? { nil }
}

/// An insertion-ordered map that the mapper writes as a Hollow MAP, adding keys and values in this order
/// (a Swift `Dictionary` is written in key order when its keys are `Comparable`, else in iteration order).
public struct HollowOrderedMap<Key: Hashable & Codable, Value: Codable>: Codable, ExpressibleByDictionaryLiteral {
    /// The entries in order.
    public var entries: [(key: Key, value: Value)]

    public init(_ entries: [(key: Key, value: Value)] = []) { self.entries = entries }
    public init(dictionaryLiteral elements: (Key, Value)...) { entries = elements.map { (key: $0.0, value: $0.1) } }

    /// The value for `key`, or nil.
    public subscript(key: Key) -> Value? { entries.first { $0.key == key }?.value }
    public var count: Int { entries.count }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        entries = []
        while !c.isAtEnd {
            let k = try c.decode(Key.self)
            let v = try c.decode(Value.self)
            entries.append((k, v))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for e in entries {
            try c.encode(e.key)
            try c.encode(e.value)
        }
    }
}

extension HollowOrderedMap: Equatable where Value: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// An insertion-ordered set that the mapper writes as a Hollow SET, adding elements in this order
/// (a Swift `Set` is written in sorted order when its elements are `Comparable`, else in iteration order).
public struct HollowOrderedSet<Element: Hashable & Codable>: Codable, ExpressibleByArrayLiteral, Equatable {
    /// The elements in order, without duplicates.
    public private(set) var elements: [Element]

    public init(_ elements: [Element] = []) {
        var seen = Set<Element>()
        self.elements = elements.filter { seen.insert($0).inserted }
    }
    public init(arrayLiteral elements: Element...) { self.init(elements) }
    public var count: Int { elements.count }
    public func contains(_ e: Element) -> Bool { elements.contains(e) }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var out: [Element] = []
        while !c.isAtEnd { out.append(try c.decode(Element.self)) }
        self.init(out)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for e in elements { try c.encode(e) }
    }

    /// Equal when they hold the same elements, in any order (like a set).
    public static func == (a: Self, b: Self) -> Bool { Set(a.elements) == Set(b.elements) }
}

// MARK: - Collection markers: how the mapper recognizes lists, sets, maps and optionals by their static type.

protocol HollowListMarker {
    static var hollowElementType: any Decodable.Type { get }
    var hollowElements: [any Encodable] { get }
    static func hollowMake(_ elements: [Any]) -> Self
    /// Writes the elements of `value` (whose type is `Self`) in order; returns their ordinals.
    static func hollowWriteElements<V>(of value: V, _ sink: ElementSink) throws -> [Int]
}

protocol HollowSetMarker {
    static var hollowElementType: any Decodable.Type { get }
    var hollowElements: [any Encodable] { get }
    static func hollowMake(_ elements: [Any]) -> Self
    /// Writes the elements of `value` (whose type is `Self`) in the order the set is written.
    static func hollowWriteElements<V>(of value: V, _ sink: ElementSink) throws -> [Int]
}

protocol HollowMapMarker {
    static var hollowKeyType: any Decodable.Type { get }
    static var hollowValueType: any Decodable.Type { get }
    var hollowEntries: [(key: any Encodable, value: any Encodable)] { get }
    static func hollowMake(_ entries: [(Any, Any)]) -> Self
    /// Writes the entries of `value` (whose type is `Self`): key then value, entry by entry.
    static func hollowWriteEntries<V>(of value: V, keys: ElementSink, values: ElementSink) throws -> [(key: Int, value: Int)]
}

protocol HollowOptionalMarker {
    static var hollowWrappedType: any Decodable.Type { get }
    var hollowWrapped: (any Encodable)? { get }
    static func hollowMake(_ value: Any?) -> Self
}

/// `[UInt8]` is BYTES, not a list.
protocol HollowBytesMarker {}
extension Array: HollowBytesMarker where Element == UInt8 {}

/// `<` on `T` when `T` is `Comparable` (one conformance lookup per call, then static comparisons).
private func hollowComparator<T>(_ t: T.Type) -> ((T, T) -> Bool)? {
    guard let c = T.self as? any Comparable.Type else { return nil }
    func make<C: Comparable>(_: C.Type) -> (T, T) -> Bool {
        { unsafeBitCast($0, to: C.self) < unsafeBitCast($1, to: C.self) }
    }
    return make(c)
}

private func sortedIfComparable<T, K>(_ items: [T], by key: (T) -> K) -> [T] {
    guard let less = hollowComparator(K.self) else { return items }
    return items.sorted { less(key($0), key($1)) }
}

extension Array: HollowListMarker where Element: Codable {
    static var hollowElementType: any Decodable.Type { Element.self }
    var hollowElements: [any Encodable] { map { $0 } }
    static func hollowMake(_ elements: [Any]) -> Self { elements.map { $0 as! Element } }
    static func hollowWriteElements<V>(of value: V, _ sink: ElementSink) throws -> [Int] {
        let a = unsafeBitCast(value, to: Self.self)
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for e in a { out.append(try sink.write(e)) }
        return out
    }
}

extension Set: HollowSetMarker where Element: Codable {
    static var hollowElementType: any Decodable.Type { Element.self }
    var hollowElements: [any Encodable] { sortedIfComparable(Array(self), by: { $0 }).map { $0 } }
    static func hollowMake(_ elements: [Any]) -> Self { Set(elements.map { $0 as! Element }) }
    static func hollowWriteElements<V>(of value: V, _ sink: ElementSink) throws -> [Int] {
        try sortedIfComparable(Array(unsafeBitCast(value, to: Self.self)), by: { $0 }).map { try sink.write($0) }
    }
}

extension HollowOrderedSet: HollowSetMarker {
    static var hollowElementType: any Decodable.Type { Element.self }
    var hollowElements: [any Encodable] { elements.map { $0 } }
    static func hollowMake(_ elements: [Any]) -> Self { Self(elements.map { $0 as! Element }) }
    static func hollowWriteElements<V>(of value: V, _ sink: ElementSink) throws -> [Int] {
        try unsafeBitCast(value, to: Self.self).elements.map { try sink.write($0) }
    }
}

extension Dictionary: HollowMapMarker where Key: Codable, Value: Codable {
    static var hollowKeyType: any Decodable.Type { Key.self }
    static var hollowValueType: any Decodable.Type { Value.self }
    var hollowEntries: [(key: any Encodable, value: any Encodable)] {
        sortedIfComparable(Array(self), by: { $0.key }).map { (key: $0.key, value: $0.value) }
    }
    static func hollowMake(_ entries: [(Any, Any)]) -> Self {
        var d: Self = [:]
        for (k, v) in entries { d[k as! Key] = (v as! Value) }
        return d
    }
    static func hollowWriteEntries<V>(of value: V, keys: ElementSink, values: ElementSink) throws -> [(key: Int, value: Int)] {
        try sortedIfComparable(Array(unsafeBitCast(value, to: Self.self)), by: { $0.key }).map {
            let k = try keys.write($0.key)
            return (key: k, value: try values.write($0.value))
        }
    }
}

extension HollowOrderedMap: HollowMapMarker {
    static var hollowKeyType: any Decodable.Type { Key.self }
    static var hollowValueType: any Decodable.Type { Value.self }
    var hollowEntries: [(key: any Encodable, value: any Encodable)] { entries.map { (key: $0.key, value: $0.value) } }
    static func hollowMake(_ entries: [(Any, Any)]) -> Self { Self(entries.map { (key: $0.0 as! Key, value: $0.1 as! Value) }) }
    static func hollowWriteEntries<V>(of value: V, keys: ElementSink, values: ElementSink) throws -> [(key: Int, value: Int)] {
        try unsafeBitCast(value, to: Self.self).entries.map {
            let k = try keys.write($0.key)
            return (key: k, value: try values.write($0.value))
        }
    }
}

extension Optional: HollowOptionalMarker where Wrapped: Codable {
    static var hollowWrappedType: any Decodable.Type { Wrapped.self }
    var hollowWrapped: (any Encodable)? { self.map { $0 } }
    static func hollowMake(_ value: Any?) -> Self { value.map { $0 as! Wrapped } }
}
