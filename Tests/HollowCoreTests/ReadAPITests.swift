import HollowCore
import Testing

/// The typed read API and the indexes answer as Java does on the kitchensink fixture.
@Suite struct ReadAPITests {
    let s1: ReadState

    init() throws { s1 = try ReadState.load(snapshot: try fixture("kitchensink", "snapshot-1")) }

    @Test func stateProperties() throws {
        #expect(s1.version == 1)
        #expect(s1.headerTags["hollow.blob.to.version"] == "1")
        #expect(s1.typeNames.first == "Actor")
        #expect(s1.typeNames.contains("EmptyType"))
        #expect(s1.schemas.count == s1.typeNames.count)
        let header = try HollowBlobHeader.read(try fixture("kitchensink", "header-1"))
        #expect(header.destinationRandomizedTag == s1.randomizedTag)
        #expect(header.schemaHash == s1.headerTags["hollow.schema.hash"])
        #expect(header.schemas.count == s1.schemas.count)
        #expect(s1.ignoredSchemaChanges.isEmpty)
    }

    @Test func objectFields() throws {
        let movie = try #require(s1.objectType("Movie"))
        #expect(movie.populatedOrdinals.prefix(4) == [0, 1, 2, 3])
        #expect(movie.readInt(0, "id") == 1)
        #expect(movie.readLong(0, "revenue") == 463_517_383)
        #expect(movie.readFloat(0, "rating")?.bitPattern == 0x410b_3333)
        #expect(movie.readDouble(0, "score")?.bitPattern == 0x3fec_0000_0000_0000)
        #expect(movie.readBoolean(0, "released") == true)
        #expect(movie.readString(0, "title") == "The Matrix")
        #expect(movie.readOrdinal(0, "originalTitle") == 0)
        #expect(movie.readBytes(0, "poster") == [0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x7f, 0x80])
        #expect(movie.readString(1, "title") == "Le Fabuleux Destin d'Amélie Poulain")
        #expect(movie.readString(1, "tagline") == "🎬")
        // Nulls.
        #expect(movie.isNull(1, "originalTitle"))
        #expect(movie.readOrdinal(1, "originalTitle") == nil)
        #expect(movie.readBytes(1, "poster") == nil)
        #expect(movie.readInt(1, "sequelNumber") == nil)
        #expect(movie.readBoolean(1, "awardWinning") == nil)
        #expect(movie.readFloat(3, "rating") == nil)
        // Extremes.
        #expect(movie.readLong(2, "revenue") == Int64.max)
        #expect(movie.readLong(2, "budget") == Int64.min + 1)
        #expect(movie.readInt(2, "sequelNumber") == Int32.min + 1)
        #expect(movie.readString(2, "title") == "")
        #expect(movie.readBytes(2, "poster") == [])
        #expect(movie.readBoolean(2, "released") == false)
        // By index, and wrong type / unknown field.
        let id = try #require(movie.fieldIndex("id"))
        #expect(movie.value(0, id) == .int(1))
        #expect(movie.readLong(0, "id") == nil)
        #expect(movie.readInt(0, "noSuchField") == nil)
        // Referenced string.
        let strings = try #require(s1.objectType("String"))
        #expect(strings.readString(0, "value") == "The Matrix")
        #expect(s1.objectType("EmptyType")?.populatedCount == 0)
        #expect(s1.objectType("EmptyType")?.maxOrdinal == -1)
    }

    @Test func collections() throws {
        let cast = try #require(s1.listType("ListOfActor"))
        #expect(cast.elementOrdinals(2) == [2, 3, 2, 4, 5])
        #expect(cast.size(1) == 0)
        #expect(cast.elementOrdinal(2, 2) == 2)
        #expect(cast.elementOrdinal(2, 5) == nil)

        let genres = try #require(s1.setType("SetOfGenre"))
        #expect(genres.elementOrdinals(2).sorted() == [2, 3, 4])
        #expect(genres.size(2) == 3)
        #expect(genres.contains(2, element: 3))
        #expect(!genres.contains(2, element: 1))
        #expect(genres.findElement(0, key: [.reference(1)]) == 1)

        let awards = try #require(s1.setType("SetOfAward"))
        #expect(awards.contains(0, element: 1))
        #expect(!awards.contains(0, element: 2))
        #expect(awards.findElement(0, key: ["BAFTA: Best Sound"]) == 1)
        #expect(awards.findElement(0, key: ["Oscar: Best Visual Effects"]) == 0)
        #expect(awards.findElement(1, key: ["Oscar: Best Animated Feature"]) == 2)
        #expect(awards.findElement(0, key: ["Oscar: Best Animated Feature"]) == nil)

        let releases = try #require(s1.mapType("MapOfCountryToReleaseInfo"))
        #expect(releases.get(2, key: 1) == 2)
        #expect(releases.get(2, key: 2) == 4)
        #expect(releases.get(1, key: 0) == nil)
        #expect(releases.entries(0).map(\.key).sorted() == [0, 1])

        let subtitles = try #require(s1.mapType("MapOfLanguageToString"))
        #expect(subtitles.get(0, key: 1) == 4)
        #expect(subtitles.findValue(0, key: ["ja"]) == 4)
        #expect(subtitles.findKey(0, key: ["en"]) == 0)
        #expect(subtitles.findValue(1, key: ["fr"]) == 7)
        #expect(subtitles.findValue(1, key: ["en"]) == nil)
    }

    /// Every set and map with a hash key answers `contains`/`get` for every member (hashing matches Java's).
    @Test(arguments: Paths.datasets)
    func everyMemberFoundByHash(dataset: String) throws {
        let state = try ReadState.load(snapshot: try fixture(dataset, "snapshot-3"))
        for name in state.typeNames {
            if let set = state.setType(name) {
                for o in set.populatedOrdinals {
                    for e in set.elementOrdinals(o) { #expect(set.contains(o, element: e), "\(name) \(o) \(e)") }
                }
            }
            if let map = state.mapType(name) {
                for o in map.populatedOrdinals {
                    for e in map.entries(o) { #expect(map.get(o, key: e.key) == e.value, "\(name) \(o) \(e.key)") }
                }
            }
        }
    }

    @Test func primaryKeyIndex() throws {
        let movies = try HollowPrimaryKeyIndex(state: s1, type: "Movie")
        #expect(movies.fieldPaths == ["id"])
        #expect(movies.getMatchingOrdinal(1) == 0)
        #expect(movies.getMatchingOrdinal(3) == 2)
        #expect(movies.getMatchingOrdinal(999) == -1)
        #expect(movies.matchingOrdinal([.int(4)]) == 3)
        let actors = try HollowPrimaryKeyIndex(state: s1, type: "Actor")
        #expect(actors.getMatchingOrdinal("Carrie-Anne Moss", 1967) == 1)
        #expect(actors.getMatchingOrdinal("Carrie-Anne Moss", 1968) == -1)
        let countries = try HollowPrimaryKeyIndex(state: s1, type: "Country")
        #expect(countries.getMatchingOrdinal("JP") == 1)
        // A path through a reference, auto-extended into String.value.
        let byName = try HollowPrimaryKeyIndex(state: s1, type: "Country", fieldPaths: ["name"])
        #expect(byName.getMatchingOrdinal("Japan") == 1)
        #expect(throws: HollowIndexError.self) { try HollowPrimaryKeyIndex(state: s1, type: "Award") }
        #expect(throws: HollowIndexError.self) { try HollowPrimaryKeyIndex(state: s1, type: "Movie", fieldPaths: ["nope"]) }
    }

    @Test func hashIndex() throws {
        // Movies by the studio's country code.
        let byCountry = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["studio.country.code"])
        let us = try #require(byCountry.findMatches("US"))
        #expect(us.ordinals.contains(0))
        #expect(byCountry.findMatches("XX") == nil)
        // Actors (selected inside the list) by name: correlated, so only the matching actor comes back.
        let actors = try HollowHashIndex(state: s1, type: "Movie", selectField: "cast.element", matchFields: ["cast.element.name"])
        #expect(actors.findMatches("Haku")?.ordinals == [3])
        // Movies that have an actor born in 1940, and movies by released flag and genre name.
        let bornIn = try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["cast.element.birthYear"])
        let movie = try #require(s1.objectType("Movie"))
        let castList = try #require(s1.listType("ListOfActor"))
        let expected = movie.populatedOrdinals.filter { m in
            guard let c = movie.readOrdinal(m, "cast") else { return false }
            return castList.elementOrdinals(c).contains { s1.objectType("Actor")?.readInt($0, "birthYear") == 1940 }
        }
        #expect(bornIn.findMatches(1940)?.ordinals == expected)
        let two = try HollowHashIndex(
            state: s1, type: "Movie", selectField: "", matchFields: ["released", "genres.element.name"])
        #expect(two.findMatches(true, "SciFi")?.ordinals == [0])
        #expect(throws: HollowIndexError.self) {
            try HollowHashIndex(state: s1, type: "Movie", selectField: "", matchFields: ["cast.nope"])
        }
    }

    /// Applying a delta shares unchanged types and keeps the receiver readable.
    @Test func deltaSharesAndKeepsReceiver() throws {
        let s2 = try s1.applying(delta: try fixture("kitchensink", "delta-1-2"))
        #expect(s2.version == 2)
        #expect(s1.version == 1)
        #expect(s2.objectType("EmptyType") != nil)
        #expect(try HollowPrimaryKeyIndex(state: s2, type: "Movie").getMatchingOrdinal(3) == -1)
        #expect(try HollowPrimaryKeyIndex(state: s1, type: "Movie").getMatchingOrdinal(3) == 2)
    }
}
