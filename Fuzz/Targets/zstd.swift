// Compressed blobs (`snapshot-5.zst`) from a store: decompress with a 4 MiB limit; small inputs also make a
// compress/decompress round trip.
import HollowCore

let zstd = ZstdCompressor(level: 1, maxDecompressedSize: 4 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZstd(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzInput(data, size)
    if let out = try? zstd.decompress(bytes), out.count > 4 << 20 { fatalError("output above the limit") }
    if bytes.count <= 4096 {
        do {
            guard try zstd.decompress(try zstd.compress(bytes)) == bytes else { fatalError("round trip changed") }
        } catch {
            if !bytes.isEmpty { fatalError("round trip failed: \(error)") }
        }
    }
    return 0
}
