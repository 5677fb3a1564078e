import HollowCore
import Hummingbird

extension Explorer {
    func requireOperations() throws -> any ExplorerOperations {
        guard let ops = configuration.operations else {
            throw HTTPError(.notFound, message: "no broker is configured: start the explorer with --broker to see operations")
        }
        return ops
    }

    func opsPage(_ request: Request) async throws -> Page {
        let ops = try requireOperations()
        let snap: OperationsSnapshot
        do { snap = try await ops.snapshot() } catch {
            throw HTTPError(.serviceUnavailable, message: "the broker cannot be read: \(error)")
        }
        let canPin = configuration.operatorCredentials != nil
        let json: JSONValue = [
            "namespace": .string(snap.namespace), "announced": .from(snap.announced), "operator": .bool(canPin),
            "pins": .array(snap.pins.map { ["group": .from($0.group), "version": .int($0.version), "reason": .from($0.reason)] }),
            "fleet": .array(snap.fleet.map { c in
                [
                    "id": .string(c.id), "version": .from(c.version), "pinned": .bool(c.pinned), "group": .from(c.group),
                    "ageSeconds": c.ageSeconds.map { .double($0) } ?? .null,
                    "details": .object(c.details.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }),
                ]
            }),
        ]
        let pins = snap.pins.map { p -> [[Part]] in
            [[.text(p.group.map { "group \($0)" } ?? "namespace")], [.text(String(p.version))], [.text(p.reason ?? "")]]
        }
        let fleet = snap.fleet.sorted { $0.id < $1.id }.map { c -> [[Part]] in
            let behind: String = {
                guard let a = snap.announced, let v = c.version else { return "" }
                return v == a ? "current" : (v < a ? "behind" : "ahead")
            }()
            return [
                [.code(c.id)], [.text(c.version.map(String.init) ?? "–")], c.pinned ? [.span("badge pin", "pinned")] : [],
                [.text(c.group ?? "")], [.text(c.ageSeconds.map { Format.fixed($0, 0) + " s ago" } ?? "")], [.text(behind)],
            ]
        }
        let view = OperationsView(
            namespace: snap.namespace, announced: snap.announced.map(String.init) ?? "none",
            pins: pins.isEmpty ? nil : TableView(["scope", "version", "reason"], pins, id: "pins"),
            fleetCount: snap.fleet.count,
            fleet: TableView(["consumer", "version", "pinned", "group", "last seen", "behind announced"], fleet, id: "fleet"),
            canPin: canPin)
        return Page(title: "Operations", json: json, template: "ops", view: view)
    }

    func pinAction(_ request: Request, pin: Bool, api: Bool) async throws -> Page {
        let action = pin ? "pin" : "unpin"
        guard let credentials = configuration.operatorCredentials else {
            throw HTTPError(.methodNotAllowed, message: "\(action) is disabled: the explorer runs without operator credentials")
        }
        let ops = try requireOperations()
        guard let auth = request.headers[.authorization] else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"hollow explorer operator\""],
                message: "\(action) needs the operator credentials (HTTP Basic)")
        }
        guard Self.basicCredentialsMatch(auth, credentials) else {
            throw HTTPError(.forbidden, message: "wrong operator credentials")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        var form = FormData.parse(String(buffer: buffer))
        form += FormData.parse(request.uri.query ?? "")
        func field(_ name: String) -> String? {
            form.first { $0.0 == name }.map { $0.1.trimmingSpaces() }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard field("confirm") == "yes" else {
            throw HTTPError(.badRequest, message: "confirm the \(action) with confirm=yes")
        }
        guard let reason = field("reason") else { throw HTTPError(.badRequest, message: "give a reason for the \(action)") }
        let group = field("group")
        if let group, !group.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) {
            throw HTTPError(.badRequest, message: "bad group '\(group)': letters, digits, '-', '_' and '.' only")
        }
        if pin {
            guard let text = field("version"), let version = Int64(text) else {
                throw HTTPError(.badRequest, message: "give the version to pin as an integer")
            }
            guard await isLoadable(version) else {
                throw HTTPError(.badRequest, message: "version \(version) is not in the store: consumers could not load it")
            }
            do { try await ops.pin(version: version, group: group, reason: reason) } catch {
                throw HTTPError(.badGateway, message: "pin failed: \(error)")
            }
            return Page(title: "pinned", json: ["pinned": .int(version), "group": .from(group), "reason": .string(reason)],
                        template: "status", view: StatusView(json: ""), redirect: api ? nil : "/ops")
        } else {
            do { try await ops.unpin(group: group, reason: reason) } catch {
                throw HTTPError(.badGateway, message: "unpin failed: \(error)")
            }
            return Page(title: "unpinned", json: ["unpinned": true, "group": .from(group), "reason": .string(reason)],
                        template: "status", view: StatusView(json: ""), redirect: api ? nil : "/ops")
        }
    }

    static func basicCredentialsMatch(_ header: String, _ expected: String) -> Bool {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = Base64.decode(String(parts[1])) else { return false }
        let given = Array(decoded)
        let want = Array(expected.utf8)
        // Compare in time independent of where the first difference is.
        var diff = given.count ^ want.count
        for i in 0..<want.count { diff |= Int(want[i] ^ (i < given.count ? given[i] : 0)) }
        return diff == 0
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}

/// Minimal base64 (RFC 4648) for HTTP Basic credentials.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt8(v))
        }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < values.count {
            out.append(values[i] << 2 | values[i + 1] >> 4)
            if i + 2 < values.count { out.append(values[i + 1] << 4 | values[i + 2] >> 2) }
            if i + 3 < values.count { out.append(values[i + 2] << 6 | values[i + 3]) }
            i += 4
        }
        return out
    }
}
