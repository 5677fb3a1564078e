import HollowCore
import HollowFilesystem
import Testing

@Suite struct BlobFileNameTests {
    @Test(arguments: [
        ("snapshot-5", BlobFileName(type: .snapshot, toVersion: 5)),
        ("snapshot-20230212155028322", BlobFileName(type: .snapshot, toVersion: 20_230_212_155_028_322)),
        ("delta-4-5", BlobFileName(type: .delta, fromVersion: 4, toVersion: 5)),
        ("reversedelta-5-4", BlobFileName(type: .reverseDelta, fromVersion: 5, toVersion: 4)),
        ("header-0", BlobFileName(type: .header, toVersion: 0)),
        ("delta-12-13.zst", BlobFileName(type: .delta, fromVersion: 12, toVersion: 13, compressionExtension: "zst")),
    ])
    func parsesJavaNames(name: String, expected: BlobFileName) {
        #expect(BlobFileName.parse(name) == expected)
        #expect(expected.fileName == name)
    }

    @Test(arguments: [
        ("announced.version", "not a blob name"),
        ("expected-1.json", "not a blob name"),
        ("snapshot-", "bad version \"\""),
        ("snapshot-01", "bad version \"01\""),
        ("snapshot--5", "bad version \"\""),
        ("snapshot-5-6", "expected snapshot-<version>"),
        ("delta-5", "expected delta-<from>-<to>"),
        ("delta-6-5", "a delta must go to a newer version"),
        ("reversedelta-4-5", "a reverse delta must go to an older version"),
        ("snapshot-3.", "unexpected suffix"),
        ("snapshot-3.z-t", "unexpected suffix"),
        ("delta_part-1-2", "optional blob part (not supported)"),
        ("snapshot-99999999999999999999", "bad version \"99999999999999999999\""),
    ])
    func rejectsOtherNamesWithAReason(name: String, reason: String) {
        var why = ""
        #expect(BlobFileName.parse(name, reason: &why) == nil)
        #expect(why == reason)
    }

    @Test func blobFileNameMatchesCoreBlobFileName() {
        let blob = Blob(type: .reverseDelta, fromVersion: 9, toVersion: 8, bytes: [])
        #expect(BlobFileName(blob: blob).fileName == blob.fileName)
        #expect(BlobFileName(blob: blob, compressionExtension: "zst").fileName == "reversedelta-9-8.zst")
    }
}
