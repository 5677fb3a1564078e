// `kea-edge import`: the BCC script's text report, and the metrics JSON (first byte picks which).
import HollowCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBCC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzInput(data, size)
    guard let selector = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    if selector & 1 == 0 {
        if let report = try? BCCReport.parse(text) {
            _ = report.metricsState(source: "fuzz", timestamp: "2026-01-01T00:00:00Z")
        }
    } else {
        _ = try? MetricsState(json: text)
    }
    return 0
}
