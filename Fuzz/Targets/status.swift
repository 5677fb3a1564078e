// Consumer status JSON (`PREFIX/NS/consumers/ID`, retained; any client the ACL lets write there can publish it, and
// `hollow status` and the explorer's fleet page read it); compiled with HollowMQTT's MQTTConsumerStatus.swift and
// MQTTError.swift (see scripts/fuzz.sh). An accepted status must survive writing it (`jsonBytes`) and parsing again.
import HollowCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let payload = fuzzInput(data, size)
    guard let status = try? MQTTConsumerStatus.parse(payload) else { return 0 }
    let written = status.jsonBytes()
    let again: MQTTConsumerStatus?
    do {
        again = try MQTTConsumerStatus.parse(written)
    } catch {
        fatalError("a written status does not parse: \(error)\n\(String(decoding: written, as: UTF8.self))")
    }
    guard again == status else {
        fatalError("a status changed in a write/parse round trip: \(String(decoding: written, as: UTF8.self))")
    }
    return 0
}
