/// The durable copy of a namespace's pins: a `pin` file (the namespace pin) and `pin-GROUP` files (group pins)
/// next to `announced.version`, each holding a decimal version with no newline, like `announced.version`.
///
/// `hollow pin` / `hollow unpin` write them besides the retained MQTT pin, so a pin survives a broker that
/// lost its retained messages; a watcher with a store reads them to seed itself and to settle a pin the broker
/// did not redeliver after a reconnect (see docs/topic-contract.md, "Pins that outlive the broker").
/// Writes are atomic and durable (temp file, fsync, rename, directory fsync); a missing file means "no pin".
///
/// ```swift
/// let pins = try FilesystemPins(path: "/srv/hollow", namespace: "metrics")
/// try pins.write(42)                       // pin
/// try pins.write(44, group: "canary")      // pin-canary
/// try pins.read()                          // 42
/// try pins.remove(group: "canary")
/// ```
public struct FilesystemPins: Sendable {
    /// The name of the namespace pin file, `pin`.
    public static let namespacePinFileName = "pin"

    /// The directory holding the pin files (the namespace directory).
    public let directory: String

    /// The pins of the store at `path` (and `namespace`). Nothing is read or created yet.
    /// - Throws: ``FilesystemStoreError`` (`invalidArgument`) for an empty path or a bad namespace.
    public init(path: String, namespace: String? = nil) throws {
        directory = try StoreDirectory.resolve(root: path, namespace: namespace)
    }

    /// The file name of a pin: `pin`, or `pin-GROUP` for a group.
    /// - Throws: ``FilesystemStoreError`` (`invalidArgument`) for a group that cannot be a file name part.
    public static func fileName(group: String?) throws -> String {
        guard let group else { return namespacePinFileName }
        let valid =
            !group.isEmpty && !group.hasPrefix(".") && group.utf8.count <= 200
            && group.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard valid else {
            throw FilesystemStoreError(
                code: .invalidArgument,
                message: "bad group \"\(group)\" for a pin file: use letters, digits, '-', '_', '.' not starting with '.'")
        }
        return "\(namespacePinFileName)-\(group)"
    }

    /// The pinned version of the namespace (or of `group`), or nil when there is no pin file.
    /// - Throws: ``FilesystemStoreError`` (`badAnnouncement`) when the file does not hold a decimal version, or an
    ///   I/O error.
    public func read(group: String? = nil) throws -> Int64? {
        let file = Posix.join(directory, try Self.fileName(group: group))
        let bytes: [UInt8]
        switch Result(catching: { () throws(FilesystemStoreError) in try Posix.readFile(file) }) {
        case .success(let read): bytes = read
        case .failure(let error) where error.code == .notFound: return nil
        case .failure(let error): throw error
        }
        let version = try FilesystemAnnouncer.parseAnnouncement(bytes, path: file)
        guard version >= 0 else {
            throw FilesystemStoreError(code: .badAnnouncement, message: "\(file) holds a negative version", path: file)
        }
        return version
    }

    /// The groups that have a pin file, sorted (empty when the directory does not exist).
    /// - Throws: ``FilesystemStoreError`` when the directory cannot be listed.
    public func groups() throws -> [String] {
        guard Posix.isDirectory(directory) else { return [] }
        let prefix = "\(Self.namespacePinFileName)-"
        return try Posix.listDirectory(directory)
            .filter { $0.hasPrefix(prefix) && !$0.contains(Posix.tempMarker) }
            .map { String($0.dropFirst(prefix.count)) }
            .filter { (try? Self.fileName(group: $0)) != nil }
            .sorted()
    }

    /// Writes the pin atomically and durably, creating the namespace directory if needed.
    /// - Throws: ``FilesystemStoreError`` for a negative version, a bad group, or an I/O error.
    public func write(_ version: Int64, group: String? = nil) throws {
        guard version >= 0 else {
            throw FilesystemStoreError(code: .invalidArgument, message: "cannot pin to the negative version \(version)")
        }
        let name = try Self.fileName(group: group)
        try Posix.makeDirectories(directory)
        try Posix.writeFileAtomically(directory: directory, name: name, bytes: Array(String(version).utf8))
    }

    /// Removes the pin file (durably: the directory is fsynced); no pin file is not an error.
    /// - Throws: ``FilesystemStoreError`` for a bad group or an I/O error.
    public func remove(group: String? = nil) throws {
        let name = try Self.fileName(group: group)
        guard Posix.isDirectory(directory) else { return }
        try Posix.unlink(Posix.join(directory, name))
        try Posix.fsyncDirectory(directory)
    }
}
