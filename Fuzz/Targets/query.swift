// The explorer's query parameters (`/types/T/records?limit=..&key=..`, `/metrics?source=a,b`): any browser can send
// them. Compiled with HollowExplorer's QueryParameters.swift alone (no Hummingbird; see scripts/fuzz.sh). Checks:
// every decoded value encodes and decodes back to itself, accepted integers lie in their range, listed names are
// trimmed, non-empty and unique.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuery(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let query = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let parameters = QueryParameters(query)
    for (name, value) in parameters.pairs.prefix(64) {
        for text in [name, value] where FormData.decode(Substring(FormData.encode(text))) != text {
            fatalError("form encoding does not round-trip: \(Array(text.utf8))")
        }
        if let v = try? parameters.integer(name, default: -1, range: 0...1000), v != -1 {
            guard (0...1000).contains(v) else { fatalError("\(name)=\(v) accepted outside 0...1000") }
        }
    }
    for name in ["limit", "offset", "depth", "last"] {
        _ = try? parameters.integer(name, default: 0, range: 0...Int(Int32.max))
    }
    let names = parameters.list("source")
    guard Set(names).count == names.count, names.allSatisfy({ !$0.isEmpty && $0.trimmingSpaces == $0 }) else {
        fatalError("bad source list \(names) from \(query)")
    }
    _ = parameters.value("version").map { Int64($0) }
    return 0
}
