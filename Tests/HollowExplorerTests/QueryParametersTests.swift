import Testing

@testable import HollowExplorer

/// The explorer's one query-string parser (also fuzzed: scripts/fuzz.sh, target `query`).
struct QueryParametersTests {
    @Test func decodesPairsInOrder() {
        let q = QueryParameters("key=a+b&key=%C3%A9&flag&=x&limit=5&&bad=%4")
        #expect(q.pairs.map(\.name) == ["key", "key", "flag", "", "limit", "bad"])
        #expect(q.values("key") == ["a b", "é"])
        #expect(q.value("flag") == "")
        #expect(q.value("bad") == "%4", "an incomplete escape stays as it is")
        #expect(q.value("missing") == nil)
        #expect(QueryParameters(nil).pairs.isEmpty && QueryParameters("").pairs.isEmpty)
    }

    @Test func integersInRangeOrAnErrorNamingTheParameter() throws {
        let q = QueryParameters("limit=5&offset=-1&depth=&big=99999999999999999999999")
        #expect(try q.integer("limit", default: 20, range: 1...1000) == 5)
        #expect(try q.integer("depth", default: 2, range: 0...8) == 2, "empty means the default")
        #expect(try q.integer("absent", default: 7, range: 0...8) == 7)
        #expect(throws: QueryParameterError.self) { try q.integer("offset", default: 0, range: 0...10) }
        do {
            _ = try q.integer("big", default: 0, range: 0...10)
            Issue.record("an integer beyond Int was accepted")
        } catch {
            #expect(error.message == "bad big '99999999999999999999999': expected an integer in 0...10")
        }
    }

    @Test func listsAreTrimmedUniqueAndInOrder() {
        let q = QueryParameters("source=b,%20a%09,,b&source=c,a&source=")
        #expect(q.list("source") == ["b", "a", "c"])
        #expect(q.list("none").isEmpty)
    }
}
