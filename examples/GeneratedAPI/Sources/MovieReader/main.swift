// Reads the Java fixture store `kitchensink` (versions 1, 2, 3) with the generated KitchenSinkAPI: typed views,
// a typed primary-key index and a typed hash index that follow the consumer's deltas, and a view held across
// refreshes.
//
//   swift run --package-path examples/GeneratedAPI [STORE_DIR]

import HollowConsumer
import HollowCore
import HollowFilesystem

let store = CommandLine.arguments.dropFirst().first ?? "../../Tests/HollowCoreTests/Fixtures/java-hollow/kitchensink"
let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: store))
// Movie's declared primary key, and movies by an actor's name, kept current by the consumer (Java: the generated
// MoviePrimaryKeyIndex and KitchenSinkAPIHashIndex listening to data refreshes).
let byId = MoviePrimaryKeyIndex.following()
let byActor = KitchenSinkAPIHashIndex.following(queryType: "Movie", selectFieldPath: "", matchFieldPaths: "cast.element.name")
await consumer.addTransitionListener(byId)
await consumer.addTransitionListener(byActor)

func show(_ movie: Movie) -> String {
    let cast = movie.cast.map { $0.compactMap(\.name).joined(separator: ", ") } ?? "-"
    return "#\(movie.id ?? -1) \(movie.title ?? "(no title)") [studio \(movie.studio?.name ?? "-"), cast: \(cast)]"
}

var held: Movie?
for version: Int64 in [1, 2, 3] {
    try await consumer.triggerRefreshTo(version)
    guard let index = byId.current else { fatalError("the index follows the consumer") }
    let api = index.api  // the API of the state the index answers for
    print("version \(version): \(api.allMovie.count) movies (index \(byId.deltaUpdateCount) delta updates, \(byId.rebuildCount) builds)")
    for movie in api.allMovie { print("  " + show(movie)) }
    if let four = index.findMatch(id: 4) {
        print("  findMatch(id: 4) → " + show(four))
        if held == nil { held = four }
        if let actor = four.cast?.first?.name, let movies = byActor.current?.findMovieMatches(.string(actor)) {
            print("  findMovieMatches(\"\(actor)\") → \(movies.compactMap(\.id).map(String.init).joined(separator: ", "))")
        }
    }
}
// A view keeps reading the state it came from, whatever the consumer did since (movie 4's studio was
// renamed in version 2; the view taken at version 1 still shows the old name).
if let held { print("held since version 1: " + show(held)) }
