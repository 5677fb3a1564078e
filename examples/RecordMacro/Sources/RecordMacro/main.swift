// A producer publishes a movie catalogue declared with @HollowRecord for two cycles; a consumer reads it back.
// The model and the round trip are in Catalogue.swift.
//
//     swift run --package-path examples/RecordMacro [store-directory]

import Glibc

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/hollow-record-macro-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
    return String(cString: p)
}

let arguments = CommandLine.arguments.dropFirst()
let store = arguments.first ?? makeTemporaryDirectory()
defer { if arguments.isEmpty { _ = system("rm -rf '\(store)'") } }

do {
    for line in try await runRecordMacroExample(store: store) { print(line) }
} catch {
    print("error: \(error)")
    exit(1)
}
