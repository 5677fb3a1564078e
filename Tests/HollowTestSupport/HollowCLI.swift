import Foundation
import Subprocess

/// The built `hollow` executable next to the test bundle, if any.
public let hollowBinary: String? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("hollow").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}()

/// `hollow` was not built next to the test bundle.
public struct HollowBinaryMissing: Error, CustomStringConvertible {
    public var description: String { "the hollow executable is not next to the test bundle (swift build first)" }
}

/// Runs `hollow ARGS` to completion: its exit status (128 + signal when killed) and stdout followed by stderr.
public func runHollow(_ args: [String]) async throws -> (status: Int32, output: String) {
    guard let binary = hollowBinary else { throw HollowBinaryMissing() }
    let result = try await Subprocess.run(
        .name("hollow"), arguments: Arguments(args),
        environment: .inherit.updating(["PATH": URL(fileURLWithPath: binary).deletingLastPathComponent().path]),
        output: .string(limit: 1 << 22), error: .string(limit: 1 << 20))
    let status: Int32 =
        switch result.terminationStatus {
        case .exited(let c): c
        case .signaled(let s): 128 + s
        }
    return (status, result.standardOutput + result.standardError)
}
