import ArgumentParser
import KeaEdgeCollector

/// `hollow-bench kea-bpf`: the tc program's BPF time per packet, measured in the kernel with BPF_PROG_TEST_RUN.
struct BenchKeaBPF: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kea-bpf",
        abstract: "Time the tc program per packet in the kernel (BPF_PROG_TEST_RUN, no attach); prints medians of several runs.",
        discussion: "Kea throughput and latency with/without the collector: scripts/kea-bench.sh."
    )

    @Option(help: "The compiled tc object (default: found like `run` finds it).")
    var bpfObject: String?

    @Option(help: "Runs per measurement.")
    var runs: UInt32 = 1_000_000

    @Option(help: "Measurements (the median is printed).")
    var rounds: Int = 5

    func run() async throws {
        let path: String
        switch BPFObjectLocator.find(explicit: bpfObject) {
        case .success(let p): path = p
        case .failure(let e): throw ValidationError("\(e)")
        }
        var samples: [String: [UInt32]] = [:]
        var order: [String] = []
        for _ in 0..<max(1, rounds) {
            for r in try TCProgramBenchmark.run(objectPath: path, repeat: runs) {
                if samples[r.name] == nil { order.append(r.name) }
                samples[r.name, default: []].append(r.nanosecondsPerRun)
            }
        }
        print("tc program \(path), \(runs) runs x \(rounds) rounds (median ns per packet):")
        for name in order {
            let s = samples[name]!.sorted()
            print("  \(name): \(s[s.count / 2]) ns   (all: \(s.map(String.init).joined(separator: " ")))")
        }
    }
}
