// A producer publishes a movie catalogue declared with @HollowRecord for two cycles; a consumer reads it back.
//
//     swift run --package-path examples/RecordMacro [store-directory]
//
// @HollowRecord derives `HollowRecord` (the schema and a writer that encodes each field directly) from the stored
// properties, with the Codable mapper's names and rules. These types are also Codable, so the consumer side reads
// them back with `HollowObjectMapper.readAll`, and both write paths would give the same state.

import Glibc
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowMacros
import HollowProducer

// MARK: The model

@HollowRecord(primaryKey: ["id"])
struct Movie: Codable, Equatable {
    var id: Int64                      // LONG
    @HollowInline var title: String    // STRING (without @HollowInline: a reference to type String)
    var year: Int32                    // INT
    var tags: [String]                 // ListOfString
    var studio: Studio                 // a reference to Studio
    var genres: Set<Genre>             // SetOfGenre (hash key: Genre's _name)
}

@HollowRecord(primaryKey: ["name"])
struct Studio: Codable, Equatable {
    @HollowInline var name: String
}

/// A String enum is written as its name, in field `_name`, as Java writes enums.
@HollowRecord
enum Genre: String, Codable, CaseIterable {
    case drama, scifi, action
}

func catalogue(cycle: Int) -> [Movie] {
    let warner = Studio(name: "Warner Bros")
    var movies = [
        Movie(id: 1, title: "The Matrix", year: 1999, tags: ["sci-fi", "action"], studio: warner, genres: [.scifi, .action]),
        Movie(id: 2, title: "Blade Runner", year: 1982, tags: ["sci-fi"], studio: warner, genres: [.scifi]),
        Movie(id: 3, title: "Memento", year: 2000, tags: [], studio: Studio(name: "Newmarket"), genres: [.drama]),
    ]
    if cycle >= 2 { movies[1].tags = ["noir", "sci-fi"] }
    return movies
}

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/hollow-record-macro-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
    return String(cString: p)
}

let arguments = CommandLine.arguments.dropFirst()
let store = arguments.first ?? makeTemporaryDirectory()
defer { if arguments.isEmpty { _ = system("rm -rf '\(store)'") } }

do {
    let producer = HollowProducer(
        publisher: try FilesystemPublisher(path: store), announcer: try FilesystemAnnouncer(path: store),
        versionMinter: CountingVersionMinter())
    try await producer.initializeDataModel(records: Movie.self)
    let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: store))

    var version: Int64 = 0
    for cycle in 1...2 {
        version = try await producer.runCycle { state in
            for movie in catalogue(cycle: cycle) { _ = try state.add(movie) }  // the macro-derived writer
        }
        _ = try await consumer.triggerRefreshTo(version)
        guard let state = consumer.readState, let movies = state.objectType("Movie") else { fatalError("no state") }
        var line = "cycle \(cycle): version \(version), \(movies.populatedOrdinals.count) movies"
        if cycle == 1, case .object(let schema) = state.schema(named: "Movie") {
            let fields = schema.fields.map { "\($0.name): \($0.referencedType ?? $0.type.rawValue)" }
            line += ", schema Movie(\(fields.joined(separator: ", "))) primary key \(schema.primaryKey ?? [])"
        }
        print(line)
    }

    guard let state = consumer.readState else { fatalError("no state") }
    let mapper = HollowObjectMapper()
    let movies = try mapper.readAll(Movie.self, from: state).sorted { $0.id < $1.id }
    let byId = try mapper.primaryKeyIndex(Movie.self, in: state)
    guard let two = try byId.find([.long(2)]) else { fatalError("movie 2 not found by primary key") }
    let genres = two.genres.map(\.rawValue).sorted().joined(separator: ", ")
    print("consumer at version \(version): \(movies.count) movies, #2 = \(two.title) (\(two.year)) [\(two.studio.name)] tags: \(two.tags.joined(separator: ", ")) genres: \(genres)")
    guard movies == catalogue(cycle: 2) else {
        print("error: the consumer does not see what the producer published")
        exit(1)
    }
    print("ok: the consumer read back every record the producer wrote")
} catch {
    print("error: \(error)")
    exit(1)
}
