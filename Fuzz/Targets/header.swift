// Header blobs (`header-5`) and digest files (`digests-5`): both are read before any state is loaded.
import HollowCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzInput(data, size)
    if let header = try? HollowBlobHeader.read(bytes) {
        _ = BlobDigests(version: 1, headerTags: header.headerTags)
        for schema in header.schemas { _ = HollowSchemaParser.text(of: schema) }
    }
    _ = try? HollowBlobSummary.inspect(bytes)
    _ = try? BlobDigests(version: 1, text: String(decoding: bytes, as: UTF8.self))
    return 0
}
