import ArgumentParser
import HollowCore
import HollowFilesystem
import HollowHTTP
import HollowProducer

/// `hollow store --store STORE [--namespace NS] [--check] [--clean [--keep N] [--dry-run]]`: what a filesystem
/// store holds (each blob marked verified, unverified or DAMAGED against its recorded digest), whether every
/// version loads, and deleting the blobs no longer needed.
struct Store: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "List a filesystem store: versions, snapshots, delta chains, sizes, gaps and the announced version."
    )

    @OptionGroup var location: StoreOptions

    @Flag(help: "Load every version through the store's loader and print its record count and checksum.")
    var check = false

    @Flag(help: "Delete old blobs: keep the newest --keep snapshots and the deltas still reachable from them.")
    var clean = false

    @Option(help: "With --clean: how many of the newest snapshots to keep.")
    var keep: Int = 5

    @Flag(help: "With --clean: only print what would be deleted.")
    var dryRun = false

    @Flag(help: "Rewrite the store's blobs.index from its directory (for a store written before the index existed).")
    var reindex = false

    func validate() throws {
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1, not \(keep)") }
        guard clean || !dryRun else { throw ValidationError("--dry-run only applies to --clean") }
        guard !(clean && check) else { throw ValidationError("--check and --clean go in separate runs") }
        guard !(reindex && (clean || check)) else { throw ValidationError("--reindex goes in a run of its own") }
        if location.isHTTP && (clean || reindex) {
            throw ValidationError("--clean and --reindex work on the store directory, not on its URL \(location.store)")
        }
    }

    func run() async throws {
        if location.isHTTP { return try await runOverHTTP() }
        let store: FilesystemStoreLocation
        do { store = try location.existingLocation() } catch let error as CLIError { throw failure(error.description) }
        if clean {
            let cleaner = try FilesystemBlobStorageCleaner(
                path: store.root, namespace: store.namespace, numberOfSnapshotsToKeep: keep)
            let report = try cleaner.clean(dryRun: dryRun)
            print(Self.render(report, directory: cleaner.directory, dryRun: dryRun), terminator: "")
            return
        }
        if reindex {
            let index = try StoreInventory.writeIndex(path: store.root, namespace: store.namespace)
            print("wrote \(store.directory)/\(StoreIndex.fileName): \(index.entries.count) blobs")
            return
        }
        let inventory = try StoreInventory.scan(path: store.root, namespace: store.namespace)
        let checks = await Verify.check(inventory, try location.retriever())
        print(Self.render(inventory, checks: checks), terminator: "")
        if check {
            let report = try await Self.check(inventory.versions, StateLoader(retriever: location.retriever()))
            print(report.text, terminator: "")
            if report.failures > 0 { throw ExitCode.failure }
        }
    }

    /// `hollow store --store http(s)://...`: the listing comes from the store's `blobs.index` and `announced.version`.
    private func runOverHTTP() async throws {
        let retriever: HTTPBlobRetriever
        let inventory: StoreInventory
        do {
            retriever = try location.httpRetriever()
            let blobs = try await retriever.inventory()
            inventory = StoreInventory(location: retriever.location, blobs: blobs, announcedVersion: try await retriever.announcedVersion())
        } catch let error as HTTPBlobError {
            throw failure(error.message)
        } catch let error as CLIError {
            throw failure(error.description)
        }
        print(Self.render(inventory), terminator: "")
        if check {
            let report = try await Self.check(inventory.versions, StateLoader(retriever: retriever))
            print(report.text, terminator: "")
            if report.failures > 0 { throw ExitCode.failure }
        }
    }

    /// Loads each version from scratch; one line per version: its plan, records and checksum, or why it fails.
    static func check(_ versions: [Int64], _ loader: StateLoader) async throws -> (text: String, failures: Int) {
        var out = "check:\n"
        var failures = 0
        for version in versions {
            do {
                let loaded = try await loader.load(version: version)
                let records = loaded.state.typeNames.reduce(0) { $0 + loaded.state.populatedOrdinals(of: $1).count }
                let path = loaded.plan.snapshot.map { "snapshot \($0.toVersion)" } ?? "no snapshot"
                let steps = loaded.plan.transitions.count
                let via = steps == 0 ? "" : " + \(steps) \(loaded.plan.transitions[0].type == .delta ? "delta" : "reverse delta")\(steps == 1 ? "" : "s")"
                out += "  \(version): ok, \(path)\(via), \(records) records, checksum \(String(StateChecksum(loaded.state).value, radix: 16)), \(loaded.verification.rawValue)\n"
            } catch let error as RefreshError where error.code == .versionNotFound {
                out += "  \(version): not loadable from scratch (\(error.message))\n"
            } catch {
                failures += 1
                out += "  \(version): FAILED: \(error)\n"
            }
        }
        return (out, failures)
    }

    /// The listing; `checks` (by file name, from ``Verify/check(_:_:)``) marks each blob verified, unverified or
    /// DAMAGED against its recorded digest.
    static func render(_ inventory: StoreInventory, checks: [String: BlobCheckResult] = [:]) -> String {
        var out = "store: \(inventory.directory)\n"
        if let problem = inventory.announcementProblem {
            out += "announced: unreadable (\(problem))\n"
        } else {
            out += "announced: \(inventory.announcedVersion.map(String.init) ?? "none")\n"
        }
        let versions = inventory.versions
        out += "versions: \(versions.count)"
        if let first = versions.first, let last = versions.last { out += " (\(first) ... \(last))" }
        out += "; \(inventory.snapshots.count) snapshots, \(inventory.deltas.count) deltas, "
        out += "\(inventory.reverseDeltas.count) reverse deltas, \(inventory.headers.count) headers; "
        out += "\(formatSize(inventory.totalSize)) in all\n"

        if !versions.isEmpty {
            func cell(_ files: [StoreInventory.File], showTarget: Bool) -> String {
                if files.isEmpty { return "-" }
                return files.map { file in
                    (showTarget ? "→\(file.name.toVersion) " : "") + formatSize(file.size)
                        + (file.name.compressionExtension.map { " .\($0)" } ?? "")
                        + (checks[file.fileName].map { " \($0.label)" } ?? "")
                }.joined(separator: ", ")
            }
            var rows = [["version", "snapshot", "header", "delta", "reverse delta"]]
            for version in versions {
                let mark = version == inventory.announcedVersion ? " *" : ""
                rows.append([
                    "\(version)\(mark)",
                    cell(inventory.snapshots.filter { $0.name.toVersion == version }, showTarget: false),
                    cell(inventory.headers.filter { $0.name.toVersion == version }, showTarget: false),
                    cell(inventory.deltas.filter { $0.name.fromVersion == version }, showTarget: true),
                    cell(inventory.reverseDeltas.filter { $0.name.fromVersion == version }, showTarget: true),
                ])
            }
            let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let padded = row.enumerated().map { column, text in
                    text + String(repeating: " ", count: widths[column] - text.count)
                }
                out += "  " + padded.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
            }
            if inventory.announcedVersion.map(versions.contains) == true { out += "  (* announced)\n" }
        }

        let chains = inventory.deltaChains
        out += "delta chains: " + (chains.isEmpty ? "none" : chains.map { $0.map(String.init).joined(separator: "→") }.joined(separator: "; ")) + "\n"
        let gaps = inventory.gaps
        out += "gaps (no delta to the next version, a consumer there needs a snapshot): "
        out += (gaps.isEmpty ? "none" : gaps.map { "\($0.from)→\($0.to)" }.joined(separator: ", ")) + "\n"
        let noReverse = inventory.versionsWithoutReverseDelta
        if !noReverse.isEmpty {
            out += "versions without a reverse delta: \(noReverse.map(String.init).joined(separator: ", "))\n"
        }
        if !inventory.namespaces.isEmpty {
            out += "namespaces: \(inventory.namespaces.joined(separator: ", "))\n"
        }
        if !inventory.temporaryFiles.isEmpty {
            out += "temp files of interrupted writes: \(inventory.temporaryFiles.joined(separator: ", "))\n"
        }
        if !checks.isEmpty {
            let damaged = checks.filter { $0.value.isDamaged }.sorted { $0.key < $1.key }
            let verified = checks.values.filter { if case .verified = $0 { true } else { false } }.count
            out += "digests: \(verified) of \(checks.count) blobs verified"
            out += inventory.digestFiles.isEmpty ? "" : ", \(inventory.digestFiles.count) digest files"
            out += damaged.isEmpty ? "\n" : "; \(damaged.count) DAMAGED (details: hollow verify):\n"
            for (name, result) in damaged { out += "  \(name): \(result)\n" }
        }
        for ignored in inventory.ignored {
            out += "ignored: \(ignored.name) (\(ignored.reason))\n"
        }
        return out
    }
}

extension Store {
    static func render(_ report: FilesystemBlobStorageCleaner.Report, directory: String, dryRun: Bool) -> String {
        var out = "store: \(directory)\n"
        out += "kept snapshots: \(report.keptSnapshotVersions.map(String.init).joined(separator: ", "))\n"
        out += "retained versions: \(report.retainedVersions.count)\n"
        let verb = dryRun ? "would delete" : "deleted"
        out += "\(verb) \(report.deletedFiles.count) files" + (report.deletedFiles.isEmpty ? "" : ":") + "\n"
        for name in report.deletedFiles.sorted() { out += "  \(name)\n" }
        return out
    }
}

/// Runs the storage cleaner after every announced cycle of a ``HollowProducer`` that publishes to a filesystem
/// store (Java: a `HollowFilesystemBlobStorageCleaner` registered as a producer listener). It lives in the
/// executable because `HollowFilesystem` does not depend on `HollowProducer`. A failing clean is reported
/// through `onError` and never fails the cycle.
struct FilesystemCleaningListener: ProducerListener {
    let cleaner: FilesystemBlobStorageCleaner
    let onError: @Sendable (any Error) -> Void

    init(cleaner: FilesystemBlobStorageCleaner, onError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.cleaner = cleaner
        self.onError = onError
    }

    func announcementCompleted(version: Int64) {
        do { try cleaner.clean() } catch { onError(error) }
    }
}

/// `1234 B`, `36.3 KiB`, `24.7 MiB`.
func formatSize(_ bytes: Int64) -> String {
    if bytes < 10 * 1024 { return "\(bytes) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
