// MQTT version payloads (the announced and pin topics), which any client of the broker can publish; compiled
// with HollowMQTT's MQTTVersionPayload.swift and MQTTError.swift (see scripts/fuzz.sh).
import HollowCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMQTT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let payload = fuzzInput(data, size)
    if let parsed = try? MQTTVersionPayload.parse(payload) {
        guard parsed.version >= 0 else { fatalError("negative version accepted: \(parsed.version)") }
        guard payload.count <= MQTTVersionPayload.maximumSize else { fatalError("oversized payload accepted") }
    }
    return 0
}
