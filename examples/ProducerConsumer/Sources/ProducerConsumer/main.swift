// A Hollow producer publishes a small movie catalogue to a filesystem store for a few cycles; a consumer
// follows the announcements, reads the records back as Swift values and looks them up by primary key.
//
//     swift run --package-path examples/ProducerConsumer [store-directory]
//
// Without an argument the store goes to a fresh temporary directory, which is removed at the end.

import Glibc
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer

// MARK: The data model: plain Codable types; Hollow annotations are static properties.

struct Movie: Codable, Equatable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int32
    var title: String
    var year: Int32
    var actors: [Actor]
}

struct Actor: Codable, Equatable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["name"]
    var name: String
}

/// What the producer's data source holds at each cycle.
func catalogue(cycle: Int) -> [Movie] {
    let keanu = Actor(name: "Keanu Reeves"), carrie = Actor(name: "Carrie-Anne Moss")
    var movies = [
        Movie(id: 1, title: "The Matrix", year: 1999, actors: [keanu, carrie]),
        Movie(id: 2, title: "Speed", year: 1994, actors: [keanu]),
        Movie(id: 3, title: "Memento", year: 2000, actors: [carrie]),
    ]
    if cycle >= 2 { movies.append(Movie(id: 4, title: "John Wick", year: 2014, actors: [keanu])) }
    if cycle >= 3 { movies.removeAll { $0.id == 2 } }
    if cycle >= 4 { movies[0].title = "The Matrix (4K)" }
    return movies
}

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/hollow-example-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
    return String(cString: p)
}

let arguments = CommandLine.arguments.dropFirst()
let store = arguments.first ?? makeTemporaryDirectory()
defer { if arguments.isEmpty { _ = system("rm -rf '\(store)'") } }
print("store: \(store)")

do {
    // snippet:producer
    let producer = HollowProducer(
        publisher: try FilesystemPublisher(path: store),
        announcer: try FilesystemAnnouncer(path: store),
        numStatesBetweenSnapshots: 2)  // a snapshot, then deltas; a new snapshot every third cycle
    try await producer.initializeDataModel(Movie.self)
    // snippet:end

    // snippet:consumer
    let watcher = try FilesystemAnnouncementWatcher(path: store)
    let consumer = HollowConsumer(
        blobRetriever: try FilesystemBlobRetriever(path: store),
        announcementWatcher: watcher)
    // snippet:end

    let mapper = HollowObjectMapper()
    for cycle in 1...4 {
        // snippet:cycle
        let version = try await producer.runCycle { state in
            for movie in catalogue(cycle: cycle) { _ = try state.add(movie) }
        }
        // snippet:end

        // In a service `await consumer.run()` (or `hollow watch`) follows announcements by itself; here we
        // poll the announcement by hand so the output is deterministic.
        watcher.poll()
        // snippet:read
        try await consumer.triggerRefresh()
        guard let state = consumer.readState else { fatalError("no state after a successful refresh") }
        let movies = try mapper.readAll(Movie.self, from: state)
        let byId = try mapper.primaryKeyIndex(Movie.self, in: state)
        let matrix = try byId.find([.int(1)])
        // snippet:end

        let m = consumer.metrics
        print("cycle \(cycle): produced v\(version), consumer at v\(consumer.currentVersion ?? -1)"
            + " (snapshots loaded \(m.snapshotLoads), deltas applied \(m.deltasApplied))")
        print("  \(movies.count) movies: " + movies.map { "\($0.id) \($0.title) (\($0.year))" }.joined(separator: ", "))
        print("  movie 1 by primary key: \(matrix?.title ?? "none"), with \(matrix?.actors.map(\.name) ?? [])")
        guard consumer.currentVersion == version, movies.sorted(by: { $0.id < $1.id }) == catalogue(cycle: cycle) else {
            print("error: the consumer does not see what the producer published")
            exit(1)
        }
    }
    print("blobs: " + listDirectory(store).sorted().joined(separator: " "))

    let readmeStore = store + "/readme"
    guard mkdir(readmeStore, 0o755) == 0 else { fatalError("cannot create \(readmeStore): errno \(errno)") }
    let found = try await readmeSnippet(store: readmeStore, movies: catalogue(cycle: 1))
    print("README snippet: found \(found?.title ?? "nothing")")
    guard found == catalogue(cycle: 1)[0] else { exit(1) }
} catch {
    print("error: \(error)")
    exit(1)
}

func listDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if !name.hasPrefix(".") { names.append(name) }
    }
    return names
}

/// The top-level README's "Producer and consumer in ten lines", verbatim (so it is known to compile and run).
func readmeSnippet(store: String, movies: [Movie]) async throws -> Movie? {
    // readme:begin
    let producer = HollowProducer(publisher: try FilesystemPublisher(path: store), announcer: try FilesystemAnnouncer(path: store))
    try await producer.initializeDataModel(Movie.self)
    let version = try await producer.runCycle { state in
        for movie in movies { _ = try state.add(movie) }
    }

    let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: store),
                                  announcementWatcher: try FilesystemAnnouncementWatcher(path: store))
    try await consumer.triggerRefresh()                      // or `await consumer.run()` to follow every announcement
    let byId = try HollowObjectMapper().primaryKeyIndex(Movie.self, in: consumer.readState!)
    let matrix = try byId.find([.int(1)])                    // a Movie, read back from the Hollow state
    // readme:end
    print("README snippet: published v\(version)")
    return matrix
}
