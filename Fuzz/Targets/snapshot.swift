// Snapshot blobs from a store: load, then read every type.
import HollowCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzInput(data, size)
    if let state = try? ReadState.load(snapshot: bytes) { exercise(state) }
    _ = try? HollowBlobSummary.inspect(bytes)
    return 0
}
