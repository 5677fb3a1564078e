import HollowCore
import HollowFilesystem
import HollowZstd
import KeaEdge
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The repository root (from this file's path).
let repositoryRoot: String = {
    let file = #filePath
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/KeaEdgeTests/KeaLab.swift
    return parts.joined(separator: "/")
}()

/// Runs a command and returns its exit success and standard output (and error).
@discardableResult
func command(_ arguments: [String]) async throws -> (ok: Bool, output: String, error: String) {
    // Executable.name looks names up in PATH; a path runs through env (no FilePath import needed).
    let args = arguments[0].contains("/") ? ["env"] + arguments : arguments
    let result = try await run(
        .name(args[0]), arguments: Arguments(Array(args.dropFirst())),
        output: .string(limit: 4 << 20), error: .string(limit: 4 << 20)
    )
    return (result.terminationStatus.isSuccess, result.standardOutput, result.standardError)
}

func which(_ tool: String) -> Bool {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"] where access(dir + "/" + tool, X_OK) == 0 {
        return true
    }
    return false
}

/// The directory of the running test binary (where SwiftPM also puts the kea-edge executable).
func buildProductsDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    let exe = String(decoding: buf[0..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var dir = exe
    // …/debug/swift-hollowPackageTests.xctest or …/debug/<bundle>/…: walk up to the dir holding kea-edge.
    while let slash = dir.lastIndex(of: "/"), !dir.isEmpty {
        dir = String(dir[..<slash])
        if access(dir + "/kea-edge", X_OK) == 0 { return dir }
    }
    return ""
}

/// Why the real-Kea tests cannot run here, or nil when they can.
let keaLabSkipReason: String? = {
    if geteuid() != 0 { return "not root (network namespaces, eBPF and raw DHCP sockets need root)" }
    for tool in ["ip", "tc", "kea-dhcp4", "kea-dhcp6", "kea-ctrl-agent", "perfdhcp", "busybox", "clang", "setsid"] where !which(tool) {
        return "\(tool) is not installed (scripts/install-deps.sh --kea installs the Kea test tools)"
    }
    if buildProductsDirectory().isEmpty { return "the kea-edge executable was not built next to the tests (run `swift build --build-tests`)" }
    let probe = "kprobe\(getpid() % 100000)"
    if system("ip netns add \(probe) 2>/dev/null") != 0 { return "this machine does not allow network namespaces (ip netns add failed)" }
    _ = system("ip netns del \(probe) 2>/dev/null")
    return nil
}()

/// The trait of the real-Kea tests: skipped, with the reason, where the machine cannot run Kea in namespaces.
let requiresKeaLab = ConditionTrait.enabled(
    if: keaLabSkipReason == nil, Comment(rawValue: keaLabSkipReason ?? "Kea in network namespaces"))

/// Whether the kea-edge executable was built next to the tests.
let keaEdgeBuilt = !buildProductsDirectory().isEmpty

/// A Kea DHCPv4 server (and, after ``startKea6()``, a DHCPv6 one) in its own network namespace, and a client
/// namespace, joined by a veth pair (scripts/kea-lab.sh). Always call `down()`.
struct KeaLab {
    let name: String
    let directory: String
    var serverNamespace: String { name + "-s" }
    var serverInterface: String { name + "-sv" }
    var socket: String { directory + "/kea.sock" }
    static let script = repositoryRoot + "/scripts/kea-lab.sh"

    static func up() async throws -> KeaLab {
        let name = "k\(getpid() % 1000)\(Int.random(in: 100...999))"
        let lab = KeaLab(name: name, directory: "/tmp/kea-edge-test-\(name)")
        _ = system("rm -rf \(lab.directory)")
        let r = try await command([script, "up", name, lab.directory])
        if !r.ok {
            await lab.down()
            throw LabError(message: "kea-lab up failed: \(r.error)")
        }
        return lab
    }

    func down() async {
        _ = try? await command([Self.script, "down", name, directory])
        _ = system("rm -rf \(directory)")
    }

    func restartKea() async throws {
        let r = try await command([Self.script, "kea-restart", name, directory])
        if !r.ok { throw LabError(message: "kea restart failed: \(r.error)") }
    }

    /// Starts kea-ctrl-agent on 127.0.0.1:`port` (the host's namespace) in front of this lab's kea-dhcp4, with
    /// basic auth when `user` is given.
    /// `inServerNamespace`: on 127.0.0.1 of the server namespace (where `kea-edge run` runs) instead.
    func startAgent(port: Int, user: String? = nil, password: String? = nil, inServerNamespace: Bool = false) async throws {
        var args = [Self.script, "agent-start", name, directory, String(port)]
        if let user { args += [user, password ?? ""] }
        if inServerNamespace { args = ["env", "KEA_LAB_AGENT_NETNS=server"] + args }
        let r = try await command(args)
        if !r.ok { throw LabError(message: "kea-ctrl-agent did not start: \(r.error)") }
    }

    func stopAgent() async {
        _ = try? await command([Self.script, "agent-stop", name, directory])
    }

    /// Runs perfdhcp and returns (sent, received) per exchange: "DISCOVER-OFFER" and "REQUEST-ACK".
    func perfdhcp(_ args: [String]) async throws -> [String: (sent: Int, received: Int)] {
        let r = try await command([Self.script, "perf", name] + args)
        let out = Self.perfdhcpStatistics(r.output)
        if out["DISCOVER-OFFER"] == nil { throw LabError(message: "perfdhcp printed no statistics: \(r.output) \(r.error)") }
        return out
    }

    /// One real DORA with busybox udhcpc; true when it got a lease.
    func udhcpc() async throws -> Bool {
        try await command([Self.script, "udhcpc", name]).ok
    }

    /// kea-dhcp6's control socket (after ``startKea6()``).
    var socket6: String { directory + "/kea6.sock" }

    /// Starts kea-dhcp6 beside kea-dhcp4 (subnet6 2001:db8:1::/64, also for relayed traffic).
    func startKea6() async throws {
        let r = try await command([Self.script, "kea6-start", name, directory])
        if !r.ok { throw LabError(message: "kea-dhcp6 did not start: \(r.error)") }
    }

    /// Runs perfdhcp -6 and returns (sent, received) per exchange: "SOLICIT-ADVERTISE" and "REQUEST-REPLY".
    func perfdhcp6(_ args: [String]) async throws -> [String: (sent: Int, received: Int)] {
        let r = try await command([Self.script, "perf6", name] + args)
        let out = Self.perfdhcpStatistics(r.output)
        if out["SOLICIT-ADVERTISE"] == nil { throw LabError(message: "perfdhcp -6 printed no statistics: \(r.output) \(r.error)") }
        return out
    }

    /// perfdhcp's "sent packets" and "received packets" per exchange.
    static func perfdhcpStatistics(_ output: String) -> [String: (sent: Int, received: Int)] {
        var out: [String: (sent: Int, received: Int)] = [:]
        var current = ""
        for line in output.split(separator: "\n") {
            if line.hasPrefix("***Statistics for: ") {
                current = String(line.dropFirst(19).prefix { $0 != "*" })
            } else if line.hasPrefix("sent packets: "), let v = Int(line.dropFirst(14)) {
                out[current, default: (0, 0)].sent = v
            } else if line.hasPrefix("received packets: "), let v = Int(line.dropFirst(18)) {
                out[current, default: (0, 0)].received = v
            }
        }
        return out
    }

    /// `tc qdisc` and `tc filter` of the server interface (to check what is attached).
    func tcState() async throws -> String {
        let q = try await command(["tc", "-n", serverNamespace, "qdisc", "show", "dev", serverInterface])
        let i = try await command(["tc", "-n", serverNamespace, "filter", "show", "dev", serverInterface, "ingress"])
        let e = try await command(["tc", "-n", serverNamespace, "filter", "show", "dev", serverInterface, "egress"])
        return q.output + i.output + e.output
    }
}

struct LabError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Reads the JSON-lines file of a collector (states so far).
func readStates(_ path: String) -> [MetricsState] {
    guard let text = try? SystemSupport.readText(path) else { return [] }
    // A line may be half-written at the end: parse complete lines only.
    let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
    return (try? MetricsStateFile.parse(complete)) ?? []
}

/// Sums an aggregate over states.
func sum(_ states: [MetricsState], _ key: String) -> Int64 {
    states.reduce(0) { $0 + ($1.aggregates[key] ?? 0) }
}

/// Sums a metric's totals over states.
func metricTotal(_ states: [MetricsState], _ key: String) -> Int64 {
    states.reduce(0) { $0 + ($1.metrics[key]?.total ?? 0) }
}

/// Loads the announced state of a filesystem store written by kea-edge, through HollowCore's one state loader.
func loadStore(_ directory: String) async throws -> ReadState? {
    let store = try FilesystemStoreLocation(path: directory)
    guard let announced = try store.announcedVersion() else { return nil }
    return try await ReadState.load(version: announced, from: try store.retriever(decompressors: [ZstdCompressor()]))
}
