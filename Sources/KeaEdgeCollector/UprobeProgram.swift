internal import CBPF
import KeaEdge
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// kea-edge's opt-in uprobe mode: three uprobes in libkea-dhcp++ for one Kea process.
///
/// `Pkt4::Pkt4(const uint8_t*, size_t)` sees each query (xid and type parsed from the wire bytes),
/// `Pkt4::Pkt4(uint8_t, uint32_t)` each response being created (type, xid), and
/// `IfaceMgr::send(Pkt4Ptr const&)` the response leaving Kea; latency is query construction → send,
/// matched by xid. Attached with Kea's PID, so perfdhcp (which links the same library) is not traced.
/// Each hit traps into the kernel (~15-20 µs here): an opt-in deep mode, not the default.
public final class UprobeProgram: Sendable {
    /// Mangled names of the probed functions, and the program attached to each.
    static let probes: [(program: String, symbol: String)] = [
        ("kea_pkt4_from_wire", "_ZN3isc4dhcp4Pkt4C1EPKhm"),
        ("kea_pkt4_response", "_ZN3isc4dhcp4Pkt4C1Ehj"),
        ("kea_iface_send4", "_ZN3isc4dhcp8IfaceMgr4sendERKN5boost10shared_ptrINS0_4Pkt4EEE"),
    ]
    /// The compiled object's file name.
    public static let fileName = "dhcp_uprobe.bpf.o"

    /// The traced Kea process.
    public let pid: Int32
    /// The library the probes are in.
    public let library: String
    private nonisolated(unsafe) let object: OpaquePointer
    private nonisolated(unsafe) let links: [OpaquePointer]
    private let programFDs: [Int32]
    private let maps: DHCPCounterMaps
    private let closed = Mutex(false)

    /// Loads `objectPath` and attaches the uprobes to Kea process `pid`.
    /// - Throws: ``BPFError`` naming the step (library lookup, open, load, attach) and the cause.
    public init(pid: Int32, objectPath: String, logger: Logger) throws(BPFError) {
        CBPF_set_print(0)
        guard let library = Self.keaLibrary(pid: pid) else {
            throw BPFError("libkea-dhcp++ is not mapped by process \(pid) (is it kea-dhcp4?)", ESRCH)
        }
        guard let obj = bpf_object__open_file(objectPath, nil) else { throw BPFError("open BPF object \(objectPath)", errno) }
        let rc = bpf_object__load(obj)
        if rc != 0 { bpf_object__close(obj); throw BPFError("load BPF object \(objectPath)", rc) }
        guard let maps = DHCPCounterMaps(object: obj) else {
            bpf_object__close(obj)
            throw BPFError("BPF object \(objectPath) lacks the kea-edge maps (wrong file?)", ENOENT)
        }
        var links: [OpaquePointer] = []
        var fds: [Int32] = []
        for probe in Self.probes {
            guard let prog = bpf_object__find_program_by_name(obj, probe.program) else {
                links.forEach { _ = bpf_link__destroy($0) }
                bpf_object__close(obj)
                throw BPFError("BPF object \(objectPath) lacks program \(probe.program) (uprobe mode needs \(Self.fileName))", ENOENT)
            }
            guard let link = CBPF_attach_uprobe(prog, 0, pid, library, probe.symbol) else {
                let e = errno
                links.forEach { _ = bpf_link__destroy($0) }
                bpf_object__close(obj)
                throw BPFError("attach uprobe \(probe.symbol) in \(library) for pid \(pid)", e)
            }
            links.append(link)
            fds.append(bpf_program__fd(prog))
        }
        self.pid = pid
        self.library = library
        self.object = obj
        self.links = links
        self.programFDs = fds
        self.maps = maps
        logger.info("uprobes attached", metadata: ["kea.pid": "\(pid)", "library": "\(library)"])
    }

    deinit { detach() }

    /// Destroys the uprobe links and closes the object. Safe to call more than once.
    public func detach() {
        let first = closed.withLock { c -> Bool in defer { c = true }; return !c }
        guard first else { return }
        for link in links { _ = bpf_link__destroy(link) }
        bpf_object__close(object)
    }

    /// Reads the cumulative counters (same layout as the tc program's).
    public func read() -> TCCounters {
        closed.withLock { c in c ? TCCounters() : maps.read(programFDs: programFDs) }
    }

    /// Removes queries that waited longer than the timeout for a response; see ``TCProgram``.
    public func sweepUnanswered(timeoutNanoseconds: UInt64) -> UnansweredSweep {
        closed.withLock { c in c ? UnansweredSweep() : maps.sweepUnanswered(timeoutNanoseconds: timeoutNanoseconds) }
    }

    /// The path of libkea-dhcp++ as mapped by `pid` (from /proc/PID/maps).
    static func keaLibrary(pid: Int32) -> String? {
        guard let maps = try? SystemSupport.readText("/proc/\(pid)/maps") else { return nil }
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = line[slash...]
            if path.contains("/libkea-dhcp++.so") { return String(path) }
        }
        return nil
    }

    /// The PID of the only running `kea-dhcp4` process, or nil when there is none or more than one.
    public static func findKeaPID() -> Int32? {
        guard let dir = opendir("/proc") else { return nil }
        defer { closedir(dir) }
        var found: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name),
                let comm = try? SystemSupport.readText("/proc/\(pid)/comm")
            else { continue }
            if comm.split(whereSeparator: \.isWhitespace).first == "kea-dhcp4" { found.append(pid) }
        }
        return found.count == 1 ? found[0] : nil
    }
}

extension UprobeProgram: PacketProbe {}
