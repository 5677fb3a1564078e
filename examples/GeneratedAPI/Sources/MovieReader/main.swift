// Reads the Java fixture store `kitchensink` (versions 1, 2, 3) with the generated KitchenSinkAPI: typed views,
// a typed primary-key index that follows the consumer's deltas, and a view held across refreshes.
//
//   swift run --package-path examples/GeneratedAPI [STORE_DIR]

import HollowConsumer
import HollowCore
import HollowFilesystem

let store = CommandLine.arguments.dropFirst().first ?? "../../Tests/HollowCoreTests/Fixtures/java-hollow/kitchensink"
let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: store))
let byId = FollowingUniqueKeyIndex(type: "Movie")  // Movie's declared primary key, kept current by the consumer
await consumer.addTransitionListener(byId)

func show(_ movie: Movie) -> String {
    let cast = movie.cast.map { $0.compactMap(\.name).joined(separator: ", ") } ?? "-"
    return "#\(movie.id ?? -1) \(movie.title ?? "(no title)") [studio \(movie.studio?.name ?? "-"), cast: \(cast)]"
}

var held: Movie?
for version: Int64 in [1, 2, 3] {
    try await consumer.triggerRefreshTo(version)
    guard let index = byId.current else { fatalError("the index follows the consumer") }
    let api = KitchenSinkAPI(index.state)  // the state the index answers for
    print("version \(version): \(api.allMovie.count) movies (index \(byId.deltaUpdateCount) delta updates, \(byId.rebuildCount) builds)")
    for movie in api.allMovie { print("  " + show(movie)) }
    if let four = MoviePrimaryKeyIndex(api: api, index: index).findMatch(id: 4) {
        print("  findMatch(id: 4) → " + show(four))
        if held == nil { held = four }
    }
}
// A view keeps reading the state it came from, whatever the consumer did since (movie 4's studio was
// renamed in version 2; the view taken at version 1 still shows the old name).
if let held { print("held since version 1: " + show(held)) }
