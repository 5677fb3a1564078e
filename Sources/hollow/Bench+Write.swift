import ArgumentParser
import Glibc
import HollowCore

/// `hollow bench write`: writes a large-movies-shaped state (200k Movies + ~400k child records, taken
/// from the Java fixture's snapshot-1) and its 1%-churn next state (the fixture's delta-1-2), reporting
/// medians of: adding the records, writing the snapshot, and for the next cycle preparing, writing the
/// delta, the reverse delta and the snapshot; plus peak memory (VmHWM).
struct BenchWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write a 200k-record state and a 1%-churn next state: add/snapshot/delta/reverse-delta medians, VmHWM.")

    @Option(help: "Store holding snapshot-1 and delta-1-2 of the data to re-write.")
    var store = "../shared/fixtures/java-hollow-large/large-movies"
    @Option(help: "Runs (medians are reported; the first run is a warm-up and also verifies the blobs).")
    var runs = 5
    @Option(help: "Target bytes per type shard.")
    var targetMaxTypeShardSize = 16 << 20

    func run() throws {
        let t0 = benchNow()
        let s1 = try ReadState.load(snapshot: try benchRead("\(store)/snapshot-1"))
        let s2 = try s1.applying(delta: try benchRead("\(store)/delta-1-2"))
        let order = benchDependencyOrder(s1.schemas)
        let records1 = HollowWriteStateEngine.records(of: s1)
        let records2 = HollowWriteStateEngine.records(of: s2)
        let count1 = records1.values.reduce(0) { $0 + $1.count }
        let count2 = records2.values.reduce(0) { $0 + $1.count }
        print("hollow bench write: \(store): state 1 = \(count1) records, state 2 = \(count2) records in \(order.count) types (prepared in \(benchF(benchNow() - t0)) ms), \(runs) runs + 1 warm-up, medians")

        var m: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        var sizes: [String: Int] = [:]
        for run in 0...runs {
            let engine = HollowWriteStateEngine(targetMaxTypeShardSize: targetMaxTypeShardSize)
            for s in s1.schemas { try engine.addTypeState(s) }
            var t = benchNow()
            var c = benchCPU()
            func lap(_ name: String) {
                let n = benchNow(), nc = benchCPU()
                if run > 0 {
                    m[name, default: []].append(n - t)
                    cpu[name, default: []].append(nc - c)
                }
                t = n
                c = nc
            }
            try benchAdd(records1, order, s1, engine)
            lap("1 add records")
            let snap1 = engine.writeSnapshot()
            lap("1 write snapshot")
            _ = engine.writeHeader()
            engine.prepareForNextCycle()
            lap("2 prepareForNextCycle")
            try benchAdd(records2, order, s2, engine)
            lap("2 add records")
            engine.prepareForWrite()
            lap("2 prepareForWrite (stats)")
            let delta = engine.writeDelta()
            lap("2 write delta")
            let reverse = engine.writeReverseDelta()
            lap("2 write reverse delta")
            let snap2 = engine.writeSnapshot()
            lap("2 write snapshot")
            sizes = ["snapshot-1": snap1.count, "delta-1-2": delta.count, "reversedelta-2-1": reverse.count, "snapshot-2": snap2.count]
            if run == 0 {
                // Verify: our blobs give the fixture's populated counts along both directions.
                let ours1 = try ReadState.load(snapshot: snap1)
                let forward = try ours1.applying(delta: delta)
                let back = try ReadState.load(snapshot: snap2).applying(reverseDelta: reverse)
                for name in s1.typeNames {
                    guard ours1.populatedOrdinals(of: name).count == s1.populatedOrdinals(of: name).count,
                          forward.populatedOrdinals(of: name).count == s2.populatedOrdinals(of: name).count,
                          back.populatedOrdinals(of: name).count == s1.populatedOrdinals(of: name).count else {
                        throw BenchWriteFailure("verification failed for type \(name): ours \(ours1.populatedOrdinals(of: name).count) vs \(s1.populatedOrdinals(of: name).count), forward \(forward.populatedOrdinals(of: name).count) vs \(s2.populatedOrdinals(of: name).count), back \(back.populatedOrdinals(of: name).count)")
                    }
                }
                print("verified: snapshot-1, snapshot-1 + delta, snapshot-2 + reverse delta have the fixture's record counts")
            }
        }
        guard runs > 0 else { return }
        for name in m.keys.sorted() {
            let v = m[name]!
            print("  \(name + String(repeating: " ", count: max(0, 28 - name.count))) median \(benchF(benchMedian(v))) ms  (min \(benchF(v.min()!)), max \(benchF(v.max()!)))  CPU median \(benchF(benchMedian(cpu[name]!))) ms")
        }
        let cycle1 = benchMedian(m["1 add records"]!) + benchMedian(m["1 write snapshot"]!)
        let blobs2 = ["2 prepareForWrite (stats)", "2 write delta", "2 write reverse delta", "2 write snapshot"].map { benchMedian(m[$0]!) }.reduce(0, +)
        print("cycle 1 (add + snapshot): \(benchF(cycle1)) ms; cycle 2 blobs (stats + delta + reverse delta + snapshot): \(benchF(blobs2)) ms; cycle 2 total with adding: \(benchF(blobs2 + benchMedian(m["2 add records"]!) + benchMedian(m["2 prepareForNextCycle"]!))) ms")
        print("delta write / snapshot write: \(benchF(benchMedian(m["2 write delta"]!) / benchMedian(m["2 write snapshot"]!), 3)) (delta \(sizes["delta-1-2"] ?? 0) bytes vs snapshot \(sizes["snapshot-2"] ?? 0) bytes)")
        print("blob sizes: " + sizes.keys.sorted().map { "\($0) \(sizes[$0]!)" }.joined(separator: ", "))
        let (rss, hwm) = benchMemory()
        print("this process (inputs for both states held in memory): VmRSS \(rss / 1024) MiB, VmHWM \(hwm / 1024) MiB")
    }
}

struct BenchWriteFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Adds a loaded state's records in dependency order, translating references to the ordinals assigned.
private func benchAdd(_ records: [String: [(ordinal: Int, record: HollowWriteRecord)]], _ order: [String], _ state: ReadState,
                      _ engine: HollowWriteStateEngine) throws {
    var remap: [String: [Int]] = [:]
    for type in order {
        guard let recs = records[type], let schema = state.schema(named: type) else { continue }
        var map = [Int](repeating: -1, count: (recs.last?.ordinal ?? -1) + 1)
        // Per referenced type, the ordinal translation of the types added before.
        let refs: [[Int]?] = schema.referencedTypes.map { remap[$0] }
        @inline(__always) func m(_ i: Int, _ o: Int) -> Int { refs[i].map { $0[o] } ?? o }
        for (ordinal, record) in recs {
            let r: HollowWriteRecord
            switch record {
            case .object(var o):
                var k = 0
                for (i, f) in o.schema.fields.enumerated() where f.type == .reference {
                    if case .reference(let x)? = o.values[i] { try o.set(fieldAt: i, .reference(m(k, x))) }
                    k += 1
                }
                r = .object(o)
            case .list(let e): r = .list(e.map { m(0, $0) })
            case .set(let e): r = .set(e.map { m(0, $0) })
            case .map(let e): r = .map(e.map { (key: m(0, $0.key), value: m(1, $0.value)) })
            }
            map[ordinal] = try engine.add(r, to: type)
        }
        remap[type] = map
    }
}

private func benchDependencyOrder(_ schemas: [HollowSchema]) -> [String] {
    let byName = Dictionary(uniqueKeysWithValues: schemas.map { ($0.name, $0) })
    var out: [String] = []
    var seen = Set<String>()
    func visit(_ n: String) {
        guard !seen.contains(n), let s = byName[n] else { return }
        seen.insert(n)
        for r in s.referencedTypes { visit(r) }
        out.append(n)
    }
    for s in schemas { visit(s.name) }
    return out
}

private func benchRead(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw BenchWriteFailure("cannot open \(path)") }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw BenchWriteFailure("cannot read \(path)") }
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

private func benchNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}

/// User + system CPU time of this process, in ms (less sensitive than wall time to a busy machine).
private func benchCPU() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000
}

private func benchMedian(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

private func benchF(_ v: Double, _ digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return "\((v * scale).rounded() / scale)"
}

private func benchMemory() -> (rss: Int, hwm: Int) {
    guard let bytes = try? benchRead("/proc/self/status") else { return (0, 0) }
    var rss = 0, hwm = 0
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        if line.hasPrefix("VmRSS:"), parts.count > 1 { rss = Int(parts[1]) ?? 0 }
        if line.hasPrefix("VmHWM:"), parts.count > 1 { hwm = Int(parts[1]) ?? 0 }
    }
    return (rss, hwm)
}
