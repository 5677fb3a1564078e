import Glibc
import HollowCore
import HollowTestSupport
import Testing

/// `AtomicFile`, the one atomic file write of the package (the filesystem store, the local blob store, the code
/// generator and kea-edge's spool and journal write through it).
@Suite struct AtomicFileTests {
    private struct Refused: Error {}

    private func names(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    @Test func writesAndReplacesLeavingNoTempFile() throws {
        let dir = try makeTempDirectory(prefix: "atomic-file")
        try AtomicFile.write(path: dir + "/a", bytes: Array("first".utf8))
        try AtomicFile.write(path: dir + "/a", bytes: Array("second, longer".utf8), durable: false)
        #expect(readFile(dir + "/a") == Array("second, longer".utf8))
        #expect(names(in: dir) == ["a"])
    }

    @Test func aFailingWriterLeavesTheOldFileAndNoTempFile() throws {
        let dir = try makeTempDirectory(prefix: "atomic-file")
        try AtomicFile.write(path: dir + "/a", bytes: Array("old".utf8))
        #expect(throws: Refused.self) {
            try AtomicFile.write(directory: dir, name: "a", failure: { _ in Refused() }) { fd, temp throws(Refused) in
                _ = write(fd, "partial", 7)
                #expect(temp.hasPrefix(dir + "/.a" + AtomicFile.tempMarker))
                throw Refused()
            }
        }
        #expect(readFile(dir + "/a") == Array("old".utf8))
        #expect(names(in: dir) == ["a"])
    }

    @Test func aMissingDirectoryNamesTheCallThePathAndTheError() throws {
        let dir = try makeTempDirectory(prefix: "atomic-file") + "/missing"
        do {
            try AtomicFile.write(path: dir + "/a", bytes: [1])
            Issue.record("wrote into a directory that does not exist")
        } catch {
            #expect(error.operation == "cannot open")
            #expect(error.path.hasPrefix(dir + "/.a.tmp-"))
            #expect(error.errno == ENOENT)
            #expect(error.description.hasSuffix(": No such file or directory"))
        }
    }
}
