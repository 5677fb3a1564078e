// The @HollowRecord macro and its field markers. The macros' implementation (swift-syntax) is the compiler plugin
// HollowMacrosPlugin: only targets that import HollowMacros build it.

@_exported public import HollowCore

/// Derives a ``HollowCore/HollowRecord`` conformance from the stored properties of a struct or class (or a
/// `String` enum): the schema (``HollowCore/HollowRecord/hollowSchema(_:)``) and a direct writer
/// (``HollowCore/HollowRecord/hollowWrite(to:)``), with the names and field rules of the Codable mapper (Java's
/// `HollowObjectMapper`). It also derives the ``HollowCore/HollowTypeConfiguration`` that gives a type which is
/// also `Codable` the same schema through the Codable path.
///
/// ```swift
/// @HollowRecord(typeName: "Movie", primaryKey: ["id"])
/// struct MovieRecord {
///     var id: Int32                     // INT
///     @HollowInline var title: String   // STRING (without @HollowInline: a reference to type String)
///     var tags: [String]                // ListOfString
///     var studio: Studio?               // a reference to the @HollowRecord type Studio (nullable)
/// }
/// ```
///
/// - Parameters:
///   - typeName: the Hollow type name (`@HollowTypeName`); default: the Swift type's name.
///   - primaryKey: primary key field paths (`@HollowPrimaryKey`); checked against the stored properties.
///   - numShards: a fixed shard count, a power of two (`@HollowShardLargeType`).
@attached(
    extension, conformances: HollowRecord, HollowTypeConfiguration,
    names: named(hollowSchema), named(hollowWrite), named(hollowTypeName), named(hollowPrimaryKey),
    named(hollowInlineFields), named(hollowHashKeys), named(hollowFieldTypeNames), named(hollowNumShards))
public macro HollowRecord(typeName: String? = nil, primaryKey: [String] = [], numShards: Int? = nil) =
    #externalMacro(module: "HollowMacrosPlugin", type: "HollowRecordMacro")

/// Stores a `String` field inline (`STRING`) instead of as a reference to type `String`, and an optional number or
/// `Bool` as a nullable inline field instead of a reference to its boxed type (Java's `@HollowInline`).
@attached(peer)
public macro HollowInline() = #externalMacro(module: "HollowMacrosPlugin", type: "HollowFieldMarkerMacro")

/// The hash key of a `Set` or `Dictionary` field (Java's `@HollowHashKey`); `@HollowHashKey()` declares none.
/// Default: the element (key) type's primary key, or its only field when that is not a reference.
@attached(peer)
public macro HollowHashKey(_ fields: String...) = #externalMacro(module: "HollowMacrosPlugin", type: "HollowFieldMarkerMacro")

/// The type name of a list, set or map field (Java's `@HollowTypeName` on a field); default `ListOf<Element>`,
/// `SetOf<Element>`, `MapOf<Key>To<Value>`.
@attached(peer)
public macro HollowTypeName(_ name: String) = #externalMacro(module: "HollowMacrosPlugin", type: "HollowFieldMarkerMacro")

/// Leaves a stored property out of the Hollow schema (Java's `@HollowTransient`). The Codable path needs the
/// property left out of `CodingKeys` as well.
@attached(peer)
public macro HollowTransient() = #externalMacro(module: "HollowMacrosPlugin", type: "HollowFieldMarkerMacro")

/// The order in which `@HollowRecord` writers add set elements and map entries: the Codable mapper's, so both paths
/// give identical states. A `Set` or `Dictionary` is written sorted when its elements (keys) are `Comparable`,
/// else in iteration order; a ``HollowCore/HollowOrderedSet`` or ``HollowCore/HollowOrderedMap`` in its own order.
public enum HollowRecordOrder {
    /// The elements of `set` in iteration order.
    @inlinable
    public static func elements<E: Hashable>(_ set: Set<E>?) -> [E]? { set.map { Array($0) } }

    /// The elements of `set`, sorted.
    @inlinable
    public static func elements<E: Hashable & Comparable>(_ set: Set<E>?) -> [E]? { set?.sorted() }

    /// The entries of `map` in iteration order.
    @inlinable
    public static func entries<K: Hashable, V>(_ map: [K: V]?) -> [(key: K, value: V)]? { map.map { Array($0) } }

    /// The entries of `map`, sorted by key.
    @inlinable
    public static func entries<K: Hashable & Comparable, V>(_ map: [K: V]?) -> [(key: K, value: V)]? {
        map?.sorted { $0.key < $1.key }
    }
}
