import ArgumentParser
import HollowCore
import HollowFilesystem

/// `hollow store STORE [--namespace NS]`: what a filesystem store holds.
struct Store: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "List a filesystem store: versions, snapshots, delta chains, sizes, gaps and the announced version."
    )

    @Argument(help: "The store directory (local or NFS).")
    var store: String

    @Option(help: "The blob namespace: a sub-directory of STORE.")
    var namespace: String?

    func run() async throws {
        let inventory = try StoreInventory.scan(path: store, namespace: namespace)
        print(Self.render(inventory), terminator: "")
    }

    static func render(_ inventory: StoreInventory) -> String {
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
        for ignored in inventory.ignored {
            out += "ignored: \(ignored.name) (\(ignored.reason))\n"
        }
        return out
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
