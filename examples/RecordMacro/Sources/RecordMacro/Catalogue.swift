// The example's model and its producer/consumer round trip. HollowMacrosTests compiles this same file (through a
// symbolic link) and runs `runRecordMacroExample`, so the example is built and checked by `swift build --build-tests`
// without building this package.
//
// @HollowRecord derives `HollowRecord` (the schema and a writer that encodes each field directly) from the stored
// properties, with the Codable mapper's names and rules. These types are also Codable, so the consumer side reads
// them back with `HollowObjectMapper.readAll`, and both write paths would give the same state.

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

/// What the example found wrong.
struct RecordMacroExampleError: Error, CustomStringConvertible {
    var description: String
}

/// Publishes two cycles of the catalogue into the store at `store` (a directory) with the macro-derived writers,
/// follows them with a consumer, and reads the records back. Returns the lines the example prints.
/// - Throws: ``RecordMacroExampleError`` when the consumer does not see what the producer published, or any
///   producer, consumer or store error.
func runRecordMacroExample(store: String) async throws -> [String] {
    var lines: [String] = []
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
        guard let state = consumer.readState, let movies = state.objectType("Movie") else {
            throw RecordMacroExampleError(description: "the consumer has no state with type Movie")
        }
        var line = "cycle \(cycle): version \(version), \(movies.populatedOrdinals.count) movies"
        if cycle == 1, case .object(let schema) = state.schema(named: "Movie") {
            let fields = schema.fields.map { "\($0.name): \($0.referencedType ?? $0.type.rawValue)" }
            line += ", schema Movie(\(fields.joined(separator: ", "))) primary key \(schema.primaryKey ?? [])"
        }
        lines.append(line)
    }

    guard let state = consumer.readState else { throw RecordMacroExampleError(description: "the consumer has no state") }
    let mapper = HollowObjectMapper()
    let movies = try mapper.readAll(Movie.self, from: state).sorted { $0.id < $1.id }
    let byId = try mapper.primaryKeyIndex(Movie.self, in: state)
    guard let two = try byId.find([.long(2)]) else { throw RecordMacroExampleError(description: "movie 2 not found by primary key") }
    let genres = two.genres.map(\.rawValue).sorted().joined(separator: ", ")
    lines.append(
        "consumer at version \(version): \(movies.count) movies, #2 = \(two.title) (\(two.year)) [\(two.studio.name)] tags: \(two.tags.joined(separator: ", ")) genres: \(genres)")
    guard movies == catalogue(cycle: 2) else {
        throw RecordMacroExampleError(description: "the consumer does not see what the producer published")
    }
    lines.append("ok: the consumer read back every record the producer wrote")
    return lines
}
