#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HollowCore

/// The payload of `announced` and pin topics: a plain decimal version (`42`) or a JSON object with a
/// `version` and optional `reason`, `announcedAt` and `producerId`. An empty payload means "cleared".
public struct MQTTVersionPayload: Sendable, Hashable {
    /// Payloads larger than this are rejected (a version payload is a few dozen bytes).
    public static let maximumSize = 4096

    /// The version (never negative).
    public var version: Int64
    /// Why a pin was set (free text), if given.
    public var reason: String?
    /// When the producer announced the version (ISO 8601), if given.
    public var announcedAt: String?
    /// The announcing producer's id, if given.
    public var producerID: String?

    public init(version: Int64, reason: String? = nil, announcedAt: String? = nil, producerID: String? = nil) {
        self.version = version
        self.reason = reason
        self.announcedAt = announcedAt
        self.producerID = producerID
    }

    /// Parses a payload; returns nil for an empty payload (the topic was cleared).
    /// - Throws: `MQTTError` `.invalidPayload` for a payload that is too large, not UTF-8, not a decimal number,
    ///   negative, or JSON without an integer `version`.
    public static func parse(_ bytes: [UInt8]) throws(MQTTError) -> MQTTVersionPayload? {
        if bytes.isEmpty { return nil }
        guard bytes.count <= maximumSize else {
            throw MQTTError(.invalidPayload, "payload of \(bytes.count) bytes is larger than \(maximumSize) bytes")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MQTTError(.invalidPayload, "payload is not UTF-8")
        }
        let trimmed = text.trimmingASCIIWhitespace()
        if trimmed.isEmpty { throw MQTTError(.invalidPayload, "payload is only whitespace") }
        if trimmed.first == "{" { return try parseJSON(trimmed) }
        return MQTTVersionPayload(version: try parseDecimal(trimmed))
    }

    private static func parseDecimal(_ s: Substring) throws(MQTTError) -> Int64 {
        let shown = s.count > 40 ? "\(s.prefix(40))..." : String(s)
        if s.first == "-" { throw MQTTError(.invalidPayload, "version '\(shown)' is negative") }
        guard s.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw MQTTError(.invalidPayload, "'\(shown)' is not a decimal version or a JSON object with a version")
        }
        guard let v = Int64(s) else { throw MQTTError(.invalidPayload, "version '\(shown)' is too large") }
        return v
    }

    private struct JSONForm: Decodable {
        var version: Int64?
        var reason: String?
        var announcedAt: String?
        var producerId: String?
    }

    private static func parseJSON(_ s: Substring) throws(MQTTError) -> MQTTVersionPayload {
        let form: JSONForm
        do {
            form = try JSONDecoder().decode(JSONForm.self, from: Data(s.utf8))
        } catch {
            throw MQTTError(.invalidPayload, "JSON payload is invalid or its version is not an integer: \(error)")
        }
        guard let version = form.version else { throw MQTTError(.invalidPayload, "JSON payload has no 'version'") }
        guard version >= 0 else { throw MQTTError(.invalidPayload, "version \(version) is negative") }
        return MQTTVersionPayload(
            version: version, reason: form.reason, announcedAt: form.announcedAt, producerID: form.producerId)
    }

    /// The announcement JSON the producer publishes: `{"version":N,"announcedAt":"...","producerId":"..."}`.
    public static func announcement(version: Int64, producerID: String) -> [UInt8] {
        announcement(version: version, producerID: producerID, at: Date())
    }

    static func announcement(version: Int64, producerID: String, at date: Date) -> [UInt8] {
        let json: JSONValue = ["version": .int(version), "announcedAt": .string(iso8601(date)), "producerId": .string(producerID)]
        return Array(json.serialized().utf8)
    }

    /// A pin payload: the plain decimal version, or JSON with the reason when one is given.
    public static func pin(version: Int64, reason: String?) -> [UInt8] {
        guard let reason else { return Array(String(version).utf8) }
        let json: JSONValue = ["version": .int(version), "reason": .string(reason)]
        return Array(json.serialized().utf8)
    }
}

/// ISO 8601 UTC with milliseconds, e.g. `2026-11-22T23:29:09.123Z`.
func iso8601(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}


extension StringProtocol {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        let s = Substring(self)
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else {
            return s[s.endIndex...]
        }
        return s[first...last]
    }
}
