// Delta and reverse-delta blobs applied onto a valid state (the kitchensink fixture, Java-written): the first
// input byte picks the direction (even: delta onto state 1, odd: reverse delta onto state 2), the rest is the blob.
import HollowCore

let deltaBases: (forward: ReadState, backward: ReadState) = {
    do {
        return (
            try ReadState.load(snapshot: fixture("kitchensink/snapshot-1")),
            try ReadState.load(snapshot: fixture("kitchensink/snapshot-2"))
        )
    } catch {
        fatalError("the fixture snapshots do not load: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDelta(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzInput(data, size)
    guard let selector = bytes.first else { return 0 }
    let blob = Array(bytes.dropFirst())
    let result =
        selector & 1 == 0
        ? try? deltaBases.forward.applying(delta: blob) : try? deltaBases.backward.applying(reverseDelta: blob)
    if let result { exercise(result) }
    return 0
}
