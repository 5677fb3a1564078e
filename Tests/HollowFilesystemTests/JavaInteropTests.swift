import Foundation
import HollowCore
import HollowFilesystem
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Java Hollow's own consumer (`HollowConsumer` + `HollowFilesystemBlobRetriever`) reads a store written by our
/// publisher and announcer. Needs `java` and Java Hollow: `HOLLOW_JAVA_CLASSPATH` (the `hollow` jar plus the
/// compiled `shared/tools/java-dump`); without it the test is skipped with that reason.
@Suite struct JavaInteropTests {
    static let classpath = ProcessInfo.processInfo.environment["HOLLOW_JAVA_CLASSPATH"] ?? ""
    static let java = ["/usr/bin/java", "/usr/local/bin/java"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let available: Bool =
        java != nil && !classpath.isEmpty
        && classpath.split(separator: ":").allSatisfy { FileManager.default.fileExists(atPath: String($0)) }

    @Test(.enabled(if: available, "needs java and HOLLOW_JAVA_CLASSPATH naming Java Hollow's jar and the java-dump classes"), arguments: JavaFixtures.datasets)
    func javaConsumerReadsAStoreWePublished(dataset: String) async throws {
        let source = JavaFixtures.root + "/" + dataset
        let dir = try TempDirectory("hollow-fs-java")
        // Re-publish the Java blobs through our publisher (temp file + rename), and leave a stray temp file
        // that Java's prefix-matching retriever must not pick up.
        let publisher = try FilesystemPublisher(path: dir.path)
        for name in try listNames(source) {
            guard let parsed = BlobFileName.parse(name) else { continue }
            let blob = Blob(type: parsed.type, fromVersion: parsed.fromVersion, toVersion: parsed.toVersion, bytes: [])
            try publisher.publish(blob, bytes: try readRaw(source + "/" + name))
        }
        try await FilesystemAnnouncer(path: dir.path).announce(version: 3)
        try writeRaw(dir.file(".delta-1-2.tmp-1-abc"), [0xFF])
        #expect(try readRaw(dir.file("announced.version")) == readRaw(source + "/announced.version"))

        for (path, expected) in [("1,2,3", 3), ("3,2,1", 1)] {
            let out = dir.file("dump-\(expected).json")
            let result = try await Subprocess.run(
                .path(FilePath(Self.java!)),
                arguments: ["-cp", Self.classpath, "hollowgen.Dump", "consumer", dir.path, path, out],
                output: .discarded, error: .string(limit: 1 << 16))
            #expect(result.terminationStatus.isSuccess, "java: \(result.standardError)")
            #expect(try readRaw(out) == readRaw("\(source)/expected-\(expected).json"), "\(dataset) via \(path)")
        }
    }
}
