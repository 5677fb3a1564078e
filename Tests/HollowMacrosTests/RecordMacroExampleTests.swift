import Foundation
import Testing

/// examples/RecordMacro's code (RecordMacroExample.swift links to its Catalogue.swift), compiled and run here so
/// the example is checked without building its package.
@Suite struct RecordMacroExampleTests {
    @Test("the RecordMacro example publishes two cycles and its consumer reads every record back")
    func example() async throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("record-macro-example-\(UUID())").path
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: store) }
        let lines = try await runRecordMacroExample(store: store)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.first?.hasPrefix("cycle 1: version 1, 3 movies, schema Movie(id: LONG, title: STRING, year: INT") == true, "\(lines)")
        #expect(lines.first?.hasSuffix("primary key [\"id\"]") == true, "\(lines)")
        #expect(lines.contains("cycle 2: version 2, 3 movies"), "\(lines)")
        #expect(lines.contains { $0.contains("#2 = Blade Runner (1982) [Warner Bros] tags: noir, sci-fi genres: scifi") }, "\(lines)")
        #expect(lines.last == "ok: the consumer read back every record the producer wrote")
    }
}
