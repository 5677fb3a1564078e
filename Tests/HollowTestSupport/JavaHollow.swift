// Java Hollow for interop tests: `java` on the PATH and HOLLOW_JAVA_CLASSPATH naming Java Hollow's jar (and the
// compiled shared/tools/java-dump classes). Tests that need it skip, saying so.

import Foundation

/// Runs Java Hollow programs for tests.
public enum JavaHollow {
    /// The classpath from `HOLLOW_JAVA_CLASSPATH`, empty when unset.
    public static let classpath = ProcessInfo.processInfo.environment["HOLLOW_JAVA_CLASSPATH"] ?? ""
    /// Whether `java` is installed and every classpath entry exists.
    public static let isAvailable: Bool =
        MosquittoBroker.findTool("java") != nil && !classpath.isEmpty
        && classpath.split(separator: ":").allSatisfy { FileManager.default.fileExists(atPath: String($0)) }

    /// Runs `java -cp CLASSPATH arguments...` (a main class, or a single-file `.java` source); throws with its
    /// output when it fails.
    @discardableResult
    public static func run(_ arguments: [String]) async throws -> String {
        let result = try await MosquittoBroker.runTool("java", ["-cp", classpath] + arguments)
        guard result.exitCode == 0 else {
            throw JavaHollowError("java \(arguments.joined(separator: " ")) exited with \(result.exitCode): \(result.output)")
        }
        return result.output
    }
}

/// A failed Java run.
public struct JavaHollowError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
