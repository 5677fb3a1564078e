import ArgumentParser
import FoundationEssentials
import HollowCore

#if canImport(Glibc)
import Glibc
#endif

/// `hollow publish`: publishes JSON records as the next state of a filesystem blob store.
///
/// The first run writes `snapshot-<v>`, `header-<v>` and `announced.version`; later runs restore the
/// announced state from the store and write `delta-<prev>-<v>`, `reversedelta-<v>-<prev>`, `snapshot-<v>`,
/// `header-<v>`, then announce `v`. Every file is written to a temporary name and renamed into place;
/// `announced.version` is renamed last. A data file with a bad line writes nothing.
struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish records (JSON, one object per line) as the next state of a blob store.")

    @Option(help: "The blob store directory (created if missing).")
    var store: String

    @Option(help: "The schema file, in Hollow's text schema language.")
    var schema: String

    @Option(help: "The type of the records in the data file.")
    var type: String

    @Option(help: "The data file: one JSON object per line.")
    var data: String

    @Option(help: "The version to publish (default: the announced version + 1, or 1).")
    var version: Int64?

    @Option(help: "Target bytes per type shard (Java producer default: 16 MiB).")
    var targetMaxTypeShardSize: Int = 16 << 20

    func run() throws {
        let schemas: [HollowSchema]
        do {
            schemas = try HollowSchemaParser.parseCollectionOfSchemas(try Self.readText(schema))
        } catch let e as HollowSchemaSyntaxError {
            throw PublishFailure("\(schema): \(e)")
        }
        let declared = Set(schemas.map(\.name))
        for s in schemas {
            for r in s.referencedTypes where !declared.contains(r) {
                throw PublishFailure("\(schema): type \(s.name) references \(r), which is not declared")
            }
        }
        guard declared.contains(type) else {
            throw PublishFailure("\(schema): no type named \(type) (types: \(schemas.map(\.name).joined(separator: ", ")))")
        }

        let storeURL = URL(fileURLWithPath: store)
        try FileManager.default.createDirectory(at: storeURL, withIntermediateDirectories: true)
        let announcedURL = storeURL.appendingPathComponent("announced.version")
        var previous: Int64?
        if FileManager.default.fileExists(atPath: announcedURL.path) {
            let text = String(try Self.readText(announcedURL.path).filter { !$0.isWhitespace })
            guard let v = Int64(text) else { throw PublishFailure("\(announcedURL.path) does not hold a version: \"\(text)\"") }
            previous = v
        }

        let engine = HollowWriteStateEngine(targetMaxTypeShardSize: targetMaxTypeShardSize)
        for s in schemas { try engine.addTypeState(s) }
        if let previous {
            let snapshotPath = storeURL.appendingPathComponent("snapshot-\(previous)").path
            guard FileManager.default.fileExists(atPath: snapshotPath) else {
                throw PublishFailure("the store announces version \(previous) but has no snapshot-\(previous)")
            }
            let state = try ReadState.load(snapshot: try Self.readBytes(snapshotPath))
            do {
                try engine.restore(from: state)
            } catch where error.code == .schemaConflict {
                throw PublishFailure("\(error.message); changing the schema of a published type is not supported by publish yet")
            } catch {
                throw PublishFailure("cannot restore version \(previous): \(error.message)")
            }
        }

        let next = version ?? (previous.map { $0 + 1 } ?? 1)
        if let previous, next <= previous {
            throw PublishFailure("version \(next) is not after the announced version \(previous)")
        }

        let adapter = try HollowJSONAdapter(engine: engine, typeName: type)
        let records: [Int]
        do {
            records = try adapter.addLines(try Self.readText(data))
        } catch let e as HollowJSONError {
            throw PublishFailure("\(data): \(e); nothing was published")
        }

        engine.headerTags = [
            "hollow.blob.to.version": "\(next)",
            "hollow.metric.cycle.start": "\(Int64(Date().timeIntervalSince1970 * 1000))",
        ]
        if previous != nil && !engine.hasChangedSinceLastCycle {
            print("no change since version \(previous!): nothing published")
            return
        }

        var files: [(String, [UInt8])] = []
        if let previous {
            files.append(("delta-\(previous)-\(next)", engine.writeDelta()))
            files.append(("reversedelta-\(next)-\(previous)", engine.writeReverseDelta()))
        }
        files.append(("snapshot-\(next)", engine.writeSnapshot()))
        files.append(("header-\(next)", engine.writeHeader()))
        for (name, bytes) in files { try Self.writeAtomically(bytes, to: storeURL.appendingPathComponent(name)) }
        try Self.writeAtomically(Array("\(next)".utf8), to: announcedURL)
        let written = files.map { "\($0.0) (\($0.1.count) bytes)" }.joined(separator: ", ")
        print("published version \(next): \(records.count) \(type) records; wrote \(written); announced \(next)")
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PublishFailure("cannot read \(path): \(error)")
        }
    }

    static func readText(_ path: String) throws -> String {
        let bytes = try readBytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw PublishFailure("\(path) is not UTF-8 text") }
        return text
    }

    /// Writes `bytes` to `<name>.tmp` in the same directory, flushes it, then renames it over `url`.
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        let tmp = url.path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw PublishFailure("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        let failure: String? = bytes.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> String? in
            var offset = 0
            while offset < buf.count {
                let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 { return String(cString: strerror(errno)) }
                offset += n
            }
            return nil
        }
        if let failure {
            close(fd)
            unlink(tmp)
            throw PublishFailure("cannot write \(tmp): \(failure)")
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PublishFailure("cannot rename \(tmp) to \(url.path): \(reason)")
        }
    }
}

/// A failure of `hollow publish`, printed as `Error: <message>` with exit status 1.
struct PublishFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
