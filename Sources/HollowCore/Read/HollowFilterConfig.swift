/// Which types and fields a consumer loads (Java: `HollowFilterConfig`): a filtered consumer skips the other
/// types' data in every snapshot and delta, and keeps only the named fields of an OBJECT type, so its state
/// takes only the memory of what it reads.
///
/// An *include* filter loads only the types it names (all their fields, or with ``addField(_:of:)`` only the
/// named fields); an *exclude* filter loads everything except the types it names (or, with
/// ``addField(_:of:)``, except the named fields). A filter must keep every type a kept type refers to
/// (REFERENCE fields, list and set elements, map keys and values): ``check(_:)`` refuses one that does not.
///
/// ```swift
/// var filter = HollowFilterConfig(excluding: true)
/// filter.addType("Award")                     // not loaded at all
/// filter.addField("synopsis", of: "Movie")   // Movie without its synopsis
/// let consumer = HollowConsumer(blobRetriever: store, filter: filter)
/// ```
public struct HollowFilterConfig: Sendable, Hashable, CustomStringConvertible {
    /// True for an exclude filter, false for an include filter.
    public let isExcludeFilter: Bool
    /// The types named with ``addType(_:)``.
    public private(set) var types: Set<String> = []
    /// The fields named with ``addField(_:of:)``, by type.
    public private(set) var fields: [String: Set<String>] = [:]

    /// An include filter (`excluding: false`, Java's default) or an exclude filter.
    public init(excluding: Bool = false) { isExcludeFilter = excluding }

    /// An include filter of `types` (all their fields).
    public static func including(_ types: some Sequence<String>) -> HollowFilterConfig {
        var filter = HollowFilterConfig(excluding: false)
        for t in types { filter.addType(t) }
        return filter
    }

    /// An exclude filter of `types`.
    public static func excluding(_ types: some Sequence<String>) -> HollowFilterConfig {
        var filter = HollowFilterConfig(excluding: true)
        for t in types { filter.addType(t) }
        return filter
    }

    /// Includes (or excludes) the type `name` with all its fields.
    public mutating func addType(_ name: String) { types.insert(name) }

    /// Includes (or excludes) one field of an OBJECT type. An include filter then loads the type with only its
    /// named fields.
    public mutating func addField(_ field: String, of type: String) { fields[type, default: []].insert(field) }

    /// Whether type `name` is loaded.
    public func includesType(_ name: String) -> Bool {
        isExcludeFilter ? !types.contains(name) : types.contains(name) || fields[name] != nil
    }

    /// Whether field `field` of OBJECT type `type` is loaded (false when the type is not).
    public func includesField(_ field: String, of type: String) -> Bool {
        guard includesType(type) else { return false }
        guard let named = fields[type] else { return true }
        return isExcludeFilter ? !named.contains(field) : named.contains(field)
    }

    /// `schema` as the filter loads it: its kept fields (in order), or nil when the type is not loaded.
    public func apply(to schema: HollowSchema) -> HollowSchema? {
        guard includesType(schema.name) else { return nil }
        guard case .object(var object) = schema, fields[schema.name] != nil else { return schema }
        object.fields = object.fields.filter { includesField($0.name, of: object.name) }
        return .object(object)
    }

    /// Checks the filter against a dataset's schemas: every type a kept type refers to must be kept.
    /// - Throws: ``HollowFilterError`` naming the first dropped type and who needs it.
    public func check(_ schemas: [HollowSchema]) throws(HollowFilterError) {
        let kept = Set(schemas.compactMap { includesType($0.name) ? $0.name : nil })
        let known = Set(schemas.map(\.name))
        for schema in schemas {
            guard let filtered = apply(to: schema) else { continue }
            var needs: [(String, String)] = []
            switch filtered {
            case .object(let o):
                for f in o.fields where f.type == .reference {
                    if let t = f.referencedType { needs.append((t, "field \(o.name).\(f.name)")) }
                }
            case .list(let l): needs.append((l.elementType, "the elements of list \(l.name)"))
            case .set(let s): needs.append((s.elementType, "the elements of set \(s.name)"))
            case .map(let m):
                needs.append((m.keyType, "the keys of map \(m.name)"))
                needs.append((m.valueType, "the values of map \(m.name)"))
            }
            for (type, who) in needs where known.contains(type) && !kept.contains(type) {
                throw HollowFilterError(
                    "the filter drops type \(type), which \(who) refers to; "
                        + (isExcludeFilter ? "stop excluding \(type)" : "include \(type) too") + ", or drop \(who)")
            }
        }
    }

    public var description: String {
        let fieldList = fields.keys.sorted().flatMap { t in fields[t]!.sorted().map { "\(t).\($0)" } }
        return (isExcludeFilter ? "exclude " : "include ") + (types.sorted() + fieldList).joined(separator: ",")
    }
}

/// A filter that cannot be applied to a dataset (it drops a type that a kept type needs).
public struct HollowFilterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the types involved.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
