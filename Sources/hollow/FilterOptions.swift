import ArgumentParser
import HollowCore

/// `--include-types`, `--exclude-types`, `--include-fields`, `--exclude-fields`: a consumer filter
/// (`HollowFilterConfig`, Java's filter config) for `hollow watch` and `hollow dump`.
struct FilterOptions: ParsableArguments {
    @Option(help: "Load only these types (comma-separated or repeated).")
    var includeTypes: [String] = []
    @Option(help: "Load every type but these (comma-separated or repeated).")
    var excludeTypes: [String] = []
    @Option(help: "Load only these fields of their OBJECT type, TYPE.FIELD (comma-separated or repeated; the type is included).")
    var includeFields: [String] = []
    @Option(help: "Do not load these fields, TYPE.FIELD (comma-separated or repeated).")
    var excludeFields: [String] = []

    private static func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { String($0).trimmingWhitespace() } }.filter { !$0.isEmpty }
    }

    private static func field(_ spec: String, _ option: String) throws -> (type: String, field: String) {
        guard let dot = spec.lastIndex(of: "."), dot != spec.startIndex, spec.index(after: dot) != spec.endIndex else {
            throw ValidationError("\(option) takes TYPE.FIELD, not '\(spec)'")
        }
        return (String(spec[..<dot]), String(spec[spec.index(after: dot)...]))
    }

    func validate() throws { _ = try filter }

    /// The filter, nil when no option was given.
    var filter: HollowFilterConfig? {
        get throws {
            let include = (Self.split(includeTypes), Self.split(includeFields))
            let exclude = (Self.split(excludeTypes), Self.split(excludeFields))
            let including = !include.0.isEmpty || !include.1.isEmpty
            let excluding = !exclude.0.isEmpty || !exclude.1.isEmpty
            if including && excluding {
                throw ValidationError("a filter either includes or excludes: do not mix --include-* and --exclude-* options")
            }
            guard including || excluding else { return nil }
            var filter = HollowFilterConfig(excluding: excluding)
            for t in including ? include.0 : exclude.0 { filter.addType(t) }
            for spec in including ? include.1 : exclude.1 {
                let (type, field) = try Self.field(spec, including ? "--include-fields" : "--exclude-fields")
                filter.addField(field, of: type)
            }
            return filter
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
