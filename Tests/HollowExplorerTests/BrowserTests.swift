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

    /// A PNG's width and height (from its IHDR chunk), or nil when the file is not a PNG.
    static func pngSize(_ path: String) -> (width: Int, height: Int, bytes: Int)? {
        guard let data = FileManager.default.contents(atPath: path), data.count > 24 else { return nil }
        let b = [UInt8](data.prefix(24))
        guard b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], b[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be(16), be(20), data.count)
    }

    @Test(.enabled("needs chromium --headless (scripts/install-deps.sh --browser)") { await ExplorerBrowserTests.unavailable() == nil })
    func trendsAndDiffPagesShowWhatChanged() async throws {
        // A blank page's screenshot, to tell a drawn page from an empty one by size.
        let blank = try await Self.screenshot("data:text/html,<p></p>", "blank")
        let blankBytes = try #require(Self.pngSize(blank)).bytes

        let store = try await KeaEdgeStore()
        try await store.publish(intervals: 0..<8)
        try await Harness.app(Harness.explorer(store.directory)).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let page = try await Self.dom(base + "/metrics")
            #expect(page.contains("Metric trends"))
            #expect(page.contains("packet_processing_time — total per interval"))
            #expect(page.contains("packet_processing_time — histogram over time"))
            #expect(page.contains("<polyline class=\"series\""))
            for source in KeaEdgeStore.sources { #expect(page.contains(">\(source)</text>"), "legend of \(source)") }
            #expect(page.contains("dhcp-c — latest"))
            #expect(page.contains(">pkt4-received</text>"))
            let picked = try await Self.dom(base + "/metrics?source=dhcp-a&last=3")
            #expect(picked.contains("3 interval(s) shown"))
            #expect(!picked.contains("dhcp-b — latest"))
            let bad = try await Self.dom(base + "/metrics?since=noon")
            #expect(bad.contains("bad since 'noon'"))
            let file = try await Self.screenshot(base + "/metrics", "metric-trends")
            let png = try #require(Self.pngSize(file), "\(file) is a PNG")
            #expect(png.width == 1280 && png.height == 1000)
            #expect(png.bytes > 3 * blankBytes, "a drawn page (\(png.bytes) bytes) vs a blank one (\(blankBytes))")
        }

        try await Harness.app(Harness.explorer(Fixtures.store("kitchensink"))).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let page = try await Self.dom(base + "/diff?from=1&to=2")
            #expect(page.contains("How records were matched"))
            #expect(page.contains("<table class=\"sbs\">"))
            #expect(page.contains("<tr class=\"changed\"><td class=\"d0\"><code>studio</code>"))
            #expect(page.contains("<td class=\"d1\"><code>studio.name</code>"))  // the reference followed
            #expect(page.contains("added: <a href=\"/types/Movie/records/"))
            #expect(page.contains("removed: <a href=\"/types/Movie/records/"))
            let file = try await Self.screenshot(base + "/diff?from=1&to=2", "diff-side-by-side")
            let png = try #require(Self.pngSize(file), "\(file) is a PNG")
            #expect(png.width == 1280)
            #expect(png.bytes > 3 * blankBytes, "a drawn page (\(png.bytes) bytes) vs a blank one (\(blankBytes))")
        }
    }
}
