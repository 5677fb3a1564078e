import Foundation
import HollowExplorer
import Hummingbird
import HummingbirdTesting
import Subprocess
import Testing

/// Headless Chromium loads the main pages of a running explorer and the test checks what they show.
@Suite("A real browser shows the explorer's pages", .serialized)
struct ExplorerBrowserTests {
    static let screenshots = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/explorer-screenshots")

    /// Why Chromium cannot run here, or nil when it can.
    static func unavailable() async -> String? {
        do {
            let r = try await run(
                .name("timeout"), arguments: ["60", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "data:text/html,<p>ok</p>"],
                output: .string(limit: 1 << 20), error: .discarded)
            guard r.terminationStatus.isSuccess, r.standardOutput.contains("<p>ok</p>") else {
                return "chromium --headless did not render a test page (\(r.terminationStatus))"
            }
            return nil
        } catch {
            return "chromium cannot be started: \(error) (install the Debian package 'chromium': scripts/install-deps.sh --browser)"
        }
    }

    static func chromium(_ args: [String]) async throws -> String {
        let r = try await run(
            .name("timeout"),
            arguments: Arguments(["60", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1000"] + args),
            output: .string(limit: 16 << 20), error: .discarded)
        return r.standardOutput
    }

    static func dom(_ url: String) async throws -> String {
        try await chromium(["--virtual-time-budget=3000", "--dump-dom", url])
    }

    static func screenshot(_ url: String, _ name: String) async throws -> String {
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let path = screenshots.appendingPathComponent(name + ".png").path
        try? FileManager.default.removeItem(atPath: path)
        _ = try await chromium(["--screenshot=\(path)", url])
        return path
    }

    @Test(.enabled("needs chromium --headless (scripts/install-deps.sh --browser)") { await ExplorerBrowserTests.unavailable() == nil })
    func mainPagesShowTheStore() async throws {
        let ops = ExplorerOperationsTests.ops()
        let explorer = Harness.explorer(Fixtures.store("kitchensink"), operations: ops, credentials: "op:secret")
        try await Harness.app(explorer).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"

            let overview = try await Self.dom(base + "/")
            #expect(overview.contains("State <span class=\"mono\">3</span>"))
            #expect(overview.contains(">Movie</a>"))
            #expect(overview.contains("hollow.blob.to.version"))

            let records = try await Self.dom(base + "/types/Movie/records?version=1")
            #expect(records.contains("id=\"records\""))
            #expect(records.contains("The Matrix"))
            #expect(records.contains("<b id=\"total\">4</b>"))

            let record = try await Self.dom(base + "/types/Movie/records/0?version=1")
            #expect(record.contains("The Matrix"))
            #expect(record.contains("ListOfActor #0"))

            let versions = try await Self.dom(base + "/versions")
            #expect(versions.contains("snapshot-1"))
            #expect(versions.contains("reversedelta-3-2"))
            #expect(versions.contains("badge ann\">announced"))
            #expect(versions.contains("pinned canary"))

            let diff = try await Self.dom(base + "/diff?from=1&to=2")
            #expect(diff.contains("id=\"diff-summary\""))
            #expect(diff.contains("studio"))

            let opsPage = try await Self.dom(base + "/ops")
            #expect(opsPage.contains("id=\"fleet\""))
            #expect(opsPage.contains("action=\"/ops/pin\""))

            let error = try await Self.dom(base + "/types/Nope")
            #expect(error.contains("unknown type"))

            for (path, name) in [("/", "overview"), ("/types/Movie/records?version=1", "movie-records"),
                                 ("/types/Movie/records/0?version=1", "movie-record"), ("/versions", "versions"),
                                 ("/diff?from=1&to=2", "diff"), ("/ops", "operations")] {
                let file = try await Self.screenshot(base + path, name)
                let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
                #expect(size > 5000, "screenshot \(file)")
            }
        }
        try await Harness.app(Harness.explorer(Fixtures.store("metrics"))).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let metrics = try await Self.dom(base + "/metrics")
            #expect(metrics.contains("<svg"))
            #expect(metrics.contains("recommendations"))
            #expect(metrics.contains("class=\"histogram\""))
            let file = try await Self.screenshot(base + "/metrics", "metrics")
            #expect(FileManager.default.fileExists(atPath: file))
        }
    }
}
