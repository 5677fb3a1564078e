import Glibc
import HollowCore
import HollowTestSupport
import Testing

/// Where the test sources live (resolved from this file, so no Foundation bundle lookup is needed).
enum Paths {
    static let testsDir: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!])
    }()
    static let fixtures = testsDir + "/Fixtures/java-hollow"
    /// `../shared/fixtures/java-hollow-large` relative to the package root.
    static let packageRoot: String = {
        var p = testsDir
        for _ in 0..<2 { p = String(p[..<p.lastIndex(of: "/")!]) }
        return p
    }()
    static let largeFixtures = packageRoot + "/../shared/fixtures/java-hollow-large"
    static let datasets = ["kitchensink", "metrics", "sharded"]
}


func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// Reads a fixture blob or expected dump, failing the test if it is missing.
func fixture(_ dataset: String, _ name: String) throws -> [UInt8] {
    try #require(readFile("\(Paths.fixtures)/\(dataset)/\(name)"), "missing fixture \(dataset)/\(name)")
}

func expectedDump(_ dataset: String, _ version: Int) throws -> String {
    String(decoding: try fixture(dataset, "expected-\(version).json"), as: UTF8.self)
}

/// Compares a dump with its expected text, reporting the first differing line.
func expectSameDump(_ actual: String, _ expected: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if actual == expected { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    var line = 0
    while line < min(a.count, e.count) && a[line] == e[line] { line += 1 }
    let got = line < a.count ? String(a[line].prefix(400)) : "<end>"
    let want = line < e.count ? String(e[line].prefix(400)) : "<end>"
    Issue.record("\(label): dump differs at line \(line + 1)\n  got:  \(got)\n  want: \(want)", sourceLocation: sourceLocation)
}
