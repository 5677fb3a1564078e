import ArgumentParser
import HollowCore
import HollowFilesystem

/// `hollow verify --store STORE [--namespace NS] [--version V]`: checks blobs against the digests the producer
/// recorded and reports damaged ones.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every blob of a store (or the chain that loads one version) against its recorded digest.",
        discussion: """
            Each snapshot, delta and reverse delta file is read (and decompressed) and its XXH3-64 digest compared \
            with the one recorded in its version's header blob or digest file. A blob is verified, unverified (no \
            digest recorded: written by Java Hollow or an older swift-hollow) or DAMAGED. Exits with 1 when any \
            blob is damaged.
            """)

    @OptionGroup var location: StoreOptions

    @Option(help: "Check only the blobs that load this version (its snapshot and delta or reverse delta chain).")
    var version: Int64?

    func run() async throws {
        let retriever: FilesystemBlobRetriever
        do { retriever = try location.retriever() } catch let error as CLIError { throw failure(error.description) }
        var results: [(name: String, result: BlobCheckResult)] = []
        if let version {
            let plan: UpdatePlan
            do {
                plan = try await StateLoader(retriever: retriever).planner.plan(from: nil, to: version)
            } catch {
                throw failure("no chain loads version \(version): \(error)")
            }
            for blob in [plan.snapshot].compactMap({ $0 }) + plan.transitions {
                results.append((blob.fileName, await retriever.verify(blob)))
            }
        } else {
            let inventory = try StoreInventory.scan(path: retriever.directory)
            results = await Self.check(inventory, retriever).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        print("store: \(retriever.directory)")
        for (name, result) in results { print("  \(name): \(result)") }
        let damaged = results.filter { $0.result.isDamaged }.count
        let verified = results.filter { if case .verified = $0.result { true } else { false } }.count
        print("\(results.count) blobs: \(verified) verified, \(results.count - verified - damaged) unverified, \(damaged) damaged")
        if damaged > 0 { throw ExitCode.failure }
    }

    /// Checks every snapshot, delta and reverse delta file of `inventory` (each stored copy of a blob on its
    /// own), by file name.
    static func check(_ inventory: StoreInventory, _ retriever: FilesystemBlobRetriever) async
        -> [String: BlobCheckResult]
    {
        var results: [String: BlobCheckResult] = [:]
        for file in inventory.snapshots + inventory.deltas + inventory.reverseDeltas {
            do {
                guard let blob = try retriever.blob(named: file.fileName) else {
                    results[file.fileName] = .damaged("\(file.fileName) vanished while checking")
                    continue
                }
                results[file.fileName] = await retriever.verify(blob)
            } catch {
                results[file.fileName] = .damaged("\(file.fileName): \(error)")
            }
        }
        return results
    }
}
