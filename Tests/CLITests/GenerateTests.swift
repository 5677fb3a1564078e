import Glibc
import HollowTestSupport
import Testing

private func text(_ path: String) -> String? { readFile(path).map { String(decoding: $0, as: UTF8.self) } }

/// A fresh temporary directory.
private func tempDirectory() -> String {
    var template = Array("/tmp/hollow-generate-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { return "/tmp" }
    return String(cString: p)
}


@Suite("hollow generate", .enabled(if: DumpCLI.binary != nil, "no hollow binary next to the tests"))
struct GenerateCLITests {
    @Test("generates from a store's announced state the same type files as from the schema file")
    func storeAndSchemaFile() async throws {
        let fromStore = tempDirectory()
        let fromFile = tempDirectory()
        let r1 = try await DumpCLI.run(["generate", "--store", "\(DumpCLI.fixtures)/kitchensink", "--output", fromStore])
        #expect(r1.status == 0, "\(r1.stderr)")
        let schemaFile = DumpCLI.fixtures + "/../../../GeneratedAPIs/KitchenSink/KitchenSink.hollow"
        let r2 = try await DumpCLI.run(["generate", "--schema", schemaFile, "--output", fromFile, "--api-name", "HollowAPI"])
        #expect(r2.status == 0, "\(r2.stderr)")
        for file in ["HollowAPI.swift", "Movie.swift", "HString.swift", "SetOfAward.swift", "MoviePrimaryKeyIndex.swift"] {
            let a = text("\(fromStore)/\(file)")
            #expect(a != nil, "\(file) was not written")
            if file != "HollowAPI.swift" { #expect(a == text("\(fromFile)/\(file)"), "\(file) differs") }
        }
        #expect(text("\(fromStore)/Movie.swift")?.contains("public var title: String?") == true)
    }

    @Test("a bad schema file is refused with its line")
    func badSchema() async throws {
        let dir = tempDirectory()
        let path = dir + "/bad.hollow"
        let f = try #require(fopen(path, "w"))
        fputs("Movie {\n    int id;\n    Person director;\n}\n", f)
        fclose(f)
        let r = try await DumpCLI.run(["generate", "--schema", path, "--output", dir + "/out"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.hollow:1: type Movie references Person"), "\(r.stderr)")
    }

    @Test("exactly one source is required")
    func oneSource() async throws {
        let r = try await DumpCLI.run(["generate", "--output", "/tmp/unused"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("exactly one of --schema and --store"))
    }
}
