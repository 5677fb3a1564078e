public import HollowCore

/// The outcome of one validator (Java: `ValidationResult`).
public struct ValidationResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case passed, failed, error }
    public var status: Status
    /// The validator's name.
    public var name: String
    public var message: String

    public init(status: Status, name: String, message: String) {
        self.status = status
        self.name = name
        self.message = message
    }

    public static func passed(_ name: String, _ message: String = "") -> Self { .init(status: .passed, name: name, message: message) }
    public static func failed(_ name: String, _ message: String) -> Self { .init(status: .failed, name: name, message: message) }
}

/// Checks a pending state before it is announced (Java: `HollowProducer.Validator` / `ValidatorListener`).
/// A failed validation rolls the producer back: nothing is announced.
public protocol ValidatorListener: Sendable {
    var name: String { get }
    /// Validates `pending`; `previous` is the last announced state (nil on the first cycle).
    func validate(pending: ReadState, previous: ReadState?) -> ValidationResult
}

/// The error a cycle fails with when validators do not pass.
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var results: [ValidationResult]
    public var description: String {
        "validation failed: " + results.filter { $0.status != .passed }.map { "\($0.name): \($0.message)" }.joined(separator: "; ")
    }
}

/// Fails when a type's record count moves more than `allowableVariancePercent` from the previous state
/// (Java: `RecordCountVarianceValidator`).
public struct RecordCountVarianceValidator: ValidatorListener {
    public let typeName: String
    public let allowableVariancePercent: Double
    public var name: String { "RecordCountVarianceValidator(\(typeName))" }

    public init(typeName: String, allowableVariancePercent: Double) {
        self.typeName = typeName
        self.allowableVariancePercent = allowableVariancePercent
    }

    public func validate(pending: ReadState, previous: ReadState?) -> ValidationResult {
        let now = pending.populatedOrdinals(of: typeName).count
        guard let previous else { return .passed(name, "first state: \(now) records") }
        let before = previous.populatedOrdinals(of: typeName).count
        if before == 0 { return .passed(name, "previous state had no \(typeName) records") }
        let variance = abs(Double(now - before)) / Double(before) * 100
        if variance > allowableVariancePercent {
            return .failed(
                name,
                "\(typeName) record count changed from \(before) to \(now) (\(String(format: variance))% > "
                    + "\(allowableVariancePercent)% allowed)")
        }
        return .passed(name, "\(before) -> \(now) records")
    }
}

/// Fails when two records of a type share a primary key (Java: `DuplicateDataDetectionValidator`).
/// Uses the type's declared primary key unless `fieldPaths` are given.
public struct DuplicatePrimaryKeyValidator: ValidatorListener {
    public let typeName: String
    public let fieldPaths: [String]?
    public var name: String { "DuplicatePrimaryKeyValidator(\(typeName))" }

    public init(typeName: String, fieldPaths: [String]? = nil) {
        self.typeName = typeName
        self.fieldPaths = fieldPaths
    }

    public func validate(pending: ReadState, previous: ReadState?) -> ValidationResult {
        guard case .object(let schema)? = pending.schema(named: typeName) else {
            return .failed(name, "\(typeName) is not an OBJECT type of the state")
        }
        guard let paths = fieldPaths ?? schema.primaryKey else {
            return .failed(name, "\(typeName) has no primary key and no field paths were given")
        }
        var seen: [[HollowValue?]: Int] = [:]
        var duplicates: [[HollowValue?]] = []
        for ordinal in pending.populatedOrdinals(of: typeName) {
            let key = paths.map { Self.value(in: pending, type: typeName, ordinal: ordinal, path: $0) }
            seen[key, default: 0] += 1
            if seen[key] == 2 { duplicates.append(key) }
        }
        if duplicates.isEmpty { return .passed(name, "no duplicate keys") }
        let shown = duplicates.prefix(5).map { "[" + $0.map { $0.map { "\($0)" } ?? "null" }.joined(separator: ", ") + "]" }
        return .failed(name, "\(duplicates.count) duplicate \(typeName) keys on \(paths): \(shown.joined(separator: " "))")
    }
}

extension DuplicatePrimaryKeyValidator {
    /// Follows a dotted field path through references; a path ending on a reference to a single-field type
    /// continues into that field (as Java's primary keys do: `title` means `title.value`).
    static func value(in state: ReadState, type: String, ordinal: Int, path: String) -> HollowValue? {
        var typeName = type
        var ordinal = ordinal
        var parts = path.split(separator: ".").map(String.init)
        while true {
            guard let object = state.objectType(typeName) else { return nil }
            let fieldName = parts.isEmpty ? (object.schema.fields.count == 1 ? object.schema.fields[0].name : "") : parts.removeFirst()
            guard let index = object.fieldIndex(fieldName) else { return nil }
            let field = object.schema.fields[index]
            if field.type == .reference, let next = object.readOrdinal(ordinal, index), let target = field.referencedType {
                if parts.isEmpty, case .object(let s)? = state.schema(named: target), s.fields.count != 1 {
                    return .long(Int64(next))
                }
                typeName = target
                ordinal = next
                continue
            }
            return object.value(ordinal, index)
        }
    }
}

extension String {
    fileprivate init(format value: Double) {
        self = String(Double(Int(value * 10)) / 10)
    }
}
