// The layout of a Hollow blob store, as names: blob file names, the announcement file, the blob index and
// namespaces. Pure (no I/O): HollowFilesystem writes and lists stores with these names, and readers that reach a
// store another way (HollowHTTP over a web server) build the same names, so there is one copy of the layout.

/// A blob file name in a store, parsed: `snapshot-5`, `delta-4-5.zst`, `reversedelta-5-4`, `header-5`.
public struct BlobFileName: Hashable, Sendable, CustomStringConvertible {
    /// The blob kind.
    public var type: BlobType
    /// The version a (reverse) delta starts from; nil for snapshots and headers.
    public var fromVersion: Int64?
    /// The version the blob produces.
    public var toVersion: Int64
    /// The compression suffix without the dot (`zst`), or nil for a plain file.
    public var compressionExtension: String?

    /// Creates a name.
    public init(type: BlobType, fromVersion: Int64? = nil, toVersion: Int64, compressionExtension: String? = nil) {
        self.type = type
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.compressionExtension = compressionExtension
    }

    /// The name of `blob`'s file, with `compressionExtension` appended when given.
    public init(blob: Blob, compressionExtension: String? = nil) {
        self.init(
            type: blob.type, fromVersion: blob.fromVersion, toVersion: blob.toVersion,
            compressionExtension: compressionExtension)
    }

    /// The name without the compression suffix: Java's file name (`delta-4-5`).
    public var baseName: String {
        switch type {
        case .snapshot, .header: "\(type.rawValue)-\(toVersion)"
        case .delta, .reverseDelta: "\(type.rawValue)-\(fromVersion ?? 0)-\(toVersion)"
        }
    }

    /// The full file name (`delta-4-5.zst`).
    public var fileName: String {
        compressionExtension.map { "\(baseName).\($0)" } ?? baseName
    }

    public var description: String { fileName }

    /// Parses a directory entry. Returns nil with `reason` set when `name` is not a blob name.
    ///
    /// Versions are canonical non-negative decimals (as Java's `%d` writes them); a delta must go forward
    /// (`from < to`) and a reverse delta backward. The suffix, if any, must be 1-16 letters or digits.
    public static func parse(_ name: String, reason: inout String) -> BlobFileName? {
        var base = Substring(name)
        var ext: String?
        if let dot = name.lastIndex(of: ".") {
            let suffix = name[name.index(after: dot)...]
            guard !suffix.isEmpty, suffix.count <= 16, suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else {
                reason = "unexpected suffix"
                return nil
            }
            ext = String(suffix)
            base = name[..<dot]
        }
        let type: BlobType
        if base.hasPrefix("snapshot-") {
            type = .snapshot
        } else if base.hasPrefix("reversedelta-") {
            type = .reverseDelta
        } else if base.hasPrefix("delta-") {
            type = .delta
        } else if base.hasPrefix("header-") {
            type = .header
        } else if base.hasPrefix("snapshot_") || base.hasPrefix("delta_") || base.hasPrefix("reversedelta_") {
            reason = "optional blob part (not supported)"
            return nil
        } else {
            reason = "not a blob name"
            return nil
        }
        let numbers = base.dropFirst(type.rawValue.count + 1).split(separator: "-", omittingEmptySubsequences: false)
        var versions: [Int64] = []
        for text in numbers {
            guard let version = canonicalVersion(text) else {
                reason = "bad version \"\(text)\""
                return nil
            }
            versions.append(version)
        }
        switch type {
        case .snapshot, .header:
            guard versions.count == 1 else {
                reason = "expected \(type.rawValue)-<version>"
                return nil
            }
            return BlobFileName(type: type, toVersion: versions[0], compressionExtension: ext)
        case .delta, .reverseDelta:
            guard versions.count == 2 else {
                reason = "expected \(type.rawValue)-<from>-<to>"
                return nil
            }
            if type == .delta && versions[0] >= versions[1] {
                reason = "a delta must go to a newer version"
                return nil
            }
            if type == .reverseDelta && versions[0] <= versions[1] {
                reason = "a reverse delta must go to an older version"
                return nil
            }
            return BlobFileName(type: type, fromVersion: versions[0], toVersion: versions[1], compressionExtension: ext)
        }
    }

    /// Parses a directory entry, or returns nil.
    public static func parse(_ name: String) -> BlobFileName? {
        var reason = ""
        return parse(name, reason: &reason)
    }

    private static func canonicalVersion(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        if text.count > 1 && text.first == "0" { return nil }
        return Int64(text)
    }
}

/// The fixed names and rules of a store directory (docs/filesystem-store.md, "Layout").
public enum StoreLayout {
    /// The announcement file, `announced.version` (Java's `HollowFilesystemAnnouncer`).
    public static let announcementFileName = "announced.version"

    /// The blob index file, `blobs.index` (see ``StoreIndex``). No Java retriever prefix (`snapshot-`,
    /// `delta-<v>`, `reversedelta-<v>`, `header-`, `snapshot_`) matches it.
    public static let indexFileName = StoreIndex.fileName

    /// Why `namespace` is not a valid namespace, or nil if it is: `/`-separated names of letters, digits, `-`, `_`
    /// and `.`, none empty and none starting with `.`.
    public static func namespaceProblem(_ namespace: String) -> String? {
        for component in namespace.split(separator: "/", omittingEmptySubsequences: false) {
            let valid =
                !component.isEmpty && !component.hasPrefix(".")
                && component.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
            if !valid {
                return
                    "bad namespace \"\(namespace)\": use /-separated names of letters, digits, '-', '_', '.' not starting with '.'"
            }
        }
        return nil
    }

    /// Parses the content of `announced.version`: a decimal `Int64`; surrounding ASCII whitespace is tolerated
    /// (Java writes none, but a hand-written `echo 5 > announced.version` adds a newline). Returns nil with
    /// `problem` set (e.g. `it is empty`) when the content is not a version.
    public static func parseAnnouncedVersion(_ bytes: [UInt8], problem: inout String) -> Int64? {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        let trimmed = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        let text = String(decoding: trimmed, as: UTF8.self)
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let version = Int64(text) {
            return version
        }
        let excerpt = String(decoding: bytes.prefix(40), as: UTF8.self).unicodeScalars
            .map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
            .joined()
        problem = bytes.isEmpty ? "it is empty" : "found \"\(excerpt)\"\(bytes.count > 40 ? "…" : "")"
        return nil
    }
}

/// The blob index of a store, `blobs.index`: every blob a reader should read, by file name and size, so that a
/// reader without directory listings (HTTP, a CDN) finds "the greatest snapshot at or below V", the delta
/// leaving V and its target, and lists the store.
///
/// The file is UTF-8 text: the line `hollow-blob-index 1`, then one line per blob, `<file name> <size>`, ordered
/// by version. Where a blob is stored twice (plain and compressed), only the current file is listed. The
/// filesystem publisher rewrites it atomically after each blob it writes.
public struct StoreIndex: Sendable, Hashable {
    /// The file name, `blobs.index`.
    public static let fileName = "blobs.index"
    /// The first line of the file.
    public static let header = "hollow-blob-index 1"

    /// One listed blob.
    public struct Entry: Sendable, Hashable {
        /// The blob's file name.
        public var name: BlobFileName
        /// The file's size in bytes (compressed size for a compressed file).
        public var size: Int64
        /// Creates an entry.
        public init(name: BlobFileName, size: Int64) {
            self.name = name
            self.size = size
        }
    }

    /// A file that is not a valid index, with the line at fault.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The 1-based line number, 0 for the file as a whole.
        public var line: Int
        /// What is wrong.
        public var message: String
        public var description: String { line == 0 ? message : "line \(line): \(message)" }
    }

    /// The blobs, ordered by (origin version, target version, name).
    public var entries: [Entry]

    /// An index of `entries` (sorted on creation).
    public init(entries: [Entry]) {
        self.entries = entries.sorted {
            ($0.name.fromVersion ?? $0.name.toVersion, $0.name.toVersion, $0.name.fileName)
                < ($1.name.fromVersion ?? $1.name.toVersion, $1.name.toVersion, $1.name.fileName)
        }
    }

    /// The file's content.
    public func serialized() -> [UInt8] {
        var text = Self.header + "\n"
        for entry in entries { text += "\(entry.name.fileName) \(entry.size)\n" }
        return Array(text.utf8)
    }

    /// Parses a file's content.
    /// - Throws: ``ParseError`` naming the line that is not `<blob file name> <size>` (or a missing header).
    public init(parsing bytes: [UInt8]) throws(ParseError) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, String(decoding: first, as: UTF8.self) == Self.header else {
            let excerpt = String(decoding: (lines.first ?? []).prefix(40), as: UTF8.self)
            throw ParseError(line: 0, message: "not a blob index: the first line is \"\(excerpt)\", not \"\(Self.header)\"")
        }
        var entries: [Entry] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            if line.isEmpty {
                if offset == lines.count - 1 { break }  // the final newline
                throw ParseError(line: offset + 1, message: "empty line")
            }
            let text = String(decoding: line, as: UTF8.self)
            let fields = text.split(separator: " ", omittingEmptySubsequences: false)
            var reason = ""
            guard fields.count == 2 else {
                throw ParseError(line: offset + 1, message: "expected \"<blob file name> <size>\", found \"\(text.prefix(80))\"")
            }
            guard let name = BlobFileName.parse(String(fields[0]), reason: &reason) else {
                throw ParseError(line: offset + 1, message: "\"\(fields[0].prefix(80))\" is not a blob name: \(reason)")
            }
            guard fields[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }), let size = Int64(fields[1]) else {
                throw ParseError(line: offset + 1, message: "bad size \"\(fields[1].prefix(40))\"")
            }
            entries.append(Entry(name: name, size: size))
        }
        guard lines.last?.isEmpty == true else {
            throw ParseError(line: lines.count, message: "the file does not end with a newline (truncated?)")
        }
        self.init(entries: entries)
    }
}

/// A store's blobs by kind and versions, with the lookups every ``BlobRetriever`` makes over a listing (a directory,
/// a `blobs.index`): the greatest snapshot at or below a version, the delta or reverse delta out of a version, the
/// header of exactly one version. `Entry` is what the retriever keeps per blob (its file names, an index line).
public struct BlobCatalog<Entry> {
    private struct Key: Hashable {
        var type: BlobType
        var from: Int64?
        var to: Int64
        init(_ name: BlobFileName) { (type, from, to) = (name.type, name.fromVersion, name.toVersion) }
    }
    private struct Transition: Hashable {
        var type: BlobType
        var from: Int64
    }

    private var entries: [Key: Entry] = [:]
    private var transitions: [Transition: [Key]] = [:]
    private var snapshotVersions: [Int64] = []  // ascending

    /// An empty catalogue.
    public init() {}

    /// The entry of the blob `name` names (kind and versions; a compression suffix is not part of the key).
    public subscript(name: BlobFileName) -> Entry? { entries[Key(name)] }

    /// Adds `entry` for the blob `name` names; when that blob is already here (a plain and a compressed copy),
    /// `merge` updates its entry instead.
    public mutating func add(_ name: BlobFileName, _ entry: @autoclosure () -> Entry, merge: (inout Entry) -> Void = { _ in }) {
        let key = Key(name)
        if entries[key] != nil {
            merge(&entries[key]!)
            return
        }
        entries[key] = entry()
        switch name.type {
        case .snapshot: snapshotVersions.insert(name.toVersion, at: insertionIndex(of: name.toVersion))
        case .delta, .reverseDelta:
            transitions[Transition(type: name.type, from: name.fromVersion ?? 0), default: []].append(key)
        case .header: break
        }
    }

    /// The snapshot of the greatest version at or below `version`, with that version; nil if there is none.
    public func snapshot(atOrBelow version: Int64) -> (entry: Entry, version: Int64)? {
        let index = version == .max ? snapshotVersions.count : insertionIndex(of: version + 1)
        guard index > 0 else { return nil }
        let found = snapshotVersions[index - 1]
        guard let entry = entries[Key(BlobFileName(type: .snapshot, toVersion: found))] else { return nil }
        return (entry, found)
    }

    /// The delta out of `version`; if several exist (a re-published chain), the one reaching furthest.
    public func delta(from version: Int64) -> Entry? { transition(.delta, from: version) }

    /// The reverse delta out of `version`; if several exist, the one to the nearest older version.
    public func reverseDelta(from version: Int64) -> Entry? { transition(.reverseDelta, from: version) }

    /// The header blob of exactly `version`.
    public func header(_ version: Int64) -> Entry? {
        entries[Key(BlobFileName(type: .header, toVersion: version))]
    }

    private func transition(_ type: BlobType, from version: Int64) -> Entry? {
        transitions[Transition(type: type, from: version)]?.max { $0.to < $1.to }.flatMap { entries[$0] }
    }

    /// The first position whose snapshot version is not below `version`.
    private func insertionIndex(of version: Int64) -> Int {
        var (low, high) = (0, snapshotVersions.count)
        while low < high {
            let mid = (low + high) / 2
            if snapshotVersions[mid] < version { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension BlobCatalog: Sendable where Entry: Sendable {}
