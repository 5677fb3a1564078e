// Shared by every fuzz target (compiled into each): input bytes, fixture loading, and reading a whole state.
import HollowCore

#if canImport(Glibc)
import Glibc
#endif

/// The input as an array (libFuzzer passes a null pointer for the empty input).
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A file of the fixture directory `HOLLOW_FUZZ_FIXTURES` (set by scripts/fuzz.sh); aborts when missing, since
/// a target without its base state would fuzz nothing.
func fixture(_ relativePath: String) -> [UInt8] {
    guard let root = getenv("HOLLOW_FUZZ_FIXTURES").map({ String(cString: $0) }) else {
        fatalError("HOLLOW_FUZZ_FIXTURES is not set (run the target through scripts/fuzz.sh)")
    }
    let path = root + "/" + relativePath
    guard let file = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return bytes
}

/// How many records a state may hold for `exercise` to dump it whole (canonical JSON); larger states are sampled.
let wholeDumpLimit = 64

/// Reads what a consumer could read from `state`, so a bad offset that the loader accepted is caught by the reads
/// as well. Small states (at most `wholeDumpLimit` records, which the minimised seeds give) are dumped whole as
/// canonical JSON; larger ones are sampled: in every type the first and last `edge` records (where a bad offset or
/// bit width shows first), every field of each, and the set and map lookups of each. Bounded, so one large input
/// cannot cost a thousand small ones.
func exercise(_ state: ReadState, edge: Int = 8) {
    var records = 0
    for name in state.typeNames {
        if let t = state.objectType(name) { records += t.populatedOrdinals.count }
        else if let t = state.setType(name) { records += t.populatedOrdinals.count }
        else if let t = state.mapType(name) { records += t.populatedOrdinals.count }
        else if let t = state.listType(name) { records += t.populatedOrdinals.count }
    }
    if records <= wholeDumpLimit { _ = state.canonicalJSONBytes() }
    func sample(_ ordinals: [Int]) -> ArraySlice<Int> {
        ordinals.count <= 2 * edge ? ordinals[...] : ordinals.prefix(edge) + ordinals.suffix(edge)
    }
    for name in state.typeNames {
        if let t = state.objectType(name) {
            for o in sample(t.populatedOrdinals) {
                for f in t.schema.fields.indices { _ = t.value(o, f) }
            }
        } else if let t = state.setType(name) {
            for o in sample(t.populatedOrdinals) {
                for e in t.elementOrdinals(o).prefix(4 * edge) { _ = t.contains(o, element: e) }
            }
        } else if let t = state.mapType(name) {
            for o in sample(t.populatedOrdinals) {
                for e in t.entries(o).prefix(4 * edge) { _ = t.get(o, key: e.key) }
            }
        } else if let t = state.listType(name) {
            for o in sample(t.populatedOrdinals) { _ = t.elementOrdinals(o) }
        }
    }
}
