public import HollowCore
public import Hummingbird
import Synchronization

/// The explorer: a read-only web UI and JSON API over one Hollow store (Java: Hollow Explorer + History UI + diff).
///
/// Build the routes with ``addRoutes(to:)`` or a ready router with ``makeRouter()`` and serve it with Hummingbird.
public final class Explorer: Sendable {
    /// What the explorer serves and how.
    public struct Configuration: Sendable {
        /// The store to browse (read only).
        public var store: any BlobStore
        /// Builds states from the store's blobs.
        public var loader: any ExplorerStateLoader
        /// The namespace shown in the UI (and used by `operations`).
        public var namespace: String
        /// The operations side (announced, pins, fleet); nil when no broker is configured.
        public var operations: (any ExplorerOperations)?
        /// `user:password` an operator must present (HTTP Basic) to pin or unpin; nil disables pinning.
        public var operatorCredentials: String?
        /// How many states stay loaded at once.
        public var cachedStates: Int
        /// Seconds between the pages' checks for a new version.
        public var refreshSeconds: Int

        public init(
            store: any BlobStore, loader: any ExplorerStateLoader, namespace: String = "default",
            operations: (any ExplorerOperations)? = nil, operatorCredentials: String? = nil,
            cachedStates: Int = 4, refreshSeconds: Int = 5
        ) {
            self.store = store
            self.loader = loader
            self.namespace = namespace
            self.operations = operations
            self.operatorCredentials = operatorCredentials
            self.cachedStates = max(1, cachedStates)
            self.refreshSeconds = refreshSeconds
        }
    }

    public let configuration: Configuration
    private let cache = Mutex<StateCacheState>(StateCacheState())
    private let loadableCache = Mutex<(inventory: [StoredBlob], versions: [Int64])?>(nil)
    /// Diffs computed, by (from, to) version pair; the newest few are kept.
    let diffCache = SingleFlightCache<[Int64], VersionDiff>(capacity: 8)

    private struct StateCacheState {
        var entries: [Int64: LoadedState] = [:]
        var order: [Int64] = []
    }

    public init(configuration: Configuration) { self.configuration = configuration }

    // MARK: Store access

    func inventory() async throws -> [StoredBlob] {
        do {
            return try await configuration.store.inventory()
        } catch {
            throw HTTPError(.notFound, message: "the store \(configuration.store.location) cannot be read: \(error)")
        }
    }

    /// The versions the store can produce, ascending.
    /// Remembered for the inventory it was computed from (any change to the store's files changes the inventory).
    func loadableVersions(_ inventory: [StoredBlob]) async -> [Int64] {
        if let hit = loadableCache.withLock({ $0?.inventory == inventory ? $0?.versions : nil }) { return hit }
        var loadable: [Int64] = []
        for version in VersionEntry.build(inventory).map(\.version) where await isLoadable(version) {
            loadable.append(version)
        }
        loadableCache.withLock { $0 = (inventory, loadable) }
        return loadable
    }

    /// Whether the store can produce `version` (the planner finds a snapshot and a chain to it).
    func isLoadable(_ version: Int64) async -> Bool {
        (try? await UpdatePlanner(retriever: configuration.store).snapshotPlan(to: version)) != nil
    }

    /// The version pages show by default: the store's announced version if it can be loaded, else the newest.
    func currentVersion(_ inventory: [StoredBlob]) async throws -> Int64 {
        let versions = await loadableVersions(inventory)
        if let announced = try? await configuration.store.announcedVersion(), versions.contains(announced) {
            return announced
        }
        guard let last = versions.last else {
            throw HTTPError(.notFound, message: "the store \(configuration.store.location) holds no snapshot")
        }
        return last
    }

    /// Resolves the `version` query parameter (absent: the current version).
    func resolveVersion(_ text: String?, _ inventory: [StoredBlob], name: String = "version") async throws -> Int64 {
        guard let text, !text.isEmpty else { return try await currentVersion(inventory) }
        guard let v = Int64(text) else {
            throw HTTPError(.badRequest, message: "bad \(name) '\(text)': expected a version number")
        }
        guard await isLoadable(v) else {
            throw HTTPError(.notFound, message: "version \(v) is not in the store (or cannot be reached from a snapshot)")
        }
        return v
    }

    /// The state at `version`, kept in a small LRU cache once loaded.
    func state(_ version: Int64, _ inventory: [StoredBlob]) async throws -> LoadedState {
        if let hit = cache.withLock({ c -> LoadedState? in
            guard let s = c.entries[version] else { return nil }
            c.order.removeAll { $0 == version }
            c.order.append(version)
            return s
        }) {
            return hit
        }
        let loaded: LoadedState
        do {
            loaded = LoadedState(try await configuration.loader.state(at: version, from: configuration.store))
        } catch let e as HTTPError {
            throw e
        } catch {
            throw HTTPError(.unprocessableContent, message: "version \(version) cannot be loaded: \(error)")
        }
        return cache.withLock { c in
            if let raced = c.entries[version] { return raced }
            c.entries[version] = loaded
            c.order.append(version)
            while c.order.count > configuration.cachedStates { c.entries[c.order.removeFirst()] = nil }
            return loaded
        }
    }

    /// The diff between the states `a` and `b`: computed once per version pair (versions are immutable), then
    /// answered from a small cache; concurrent first requests for a pair share one computation. `cached` tells
    /// whether this request found the diff computed (or being computed) by another.
    func versionDiff(_ a: LoadedState, _ b: LoadedState) async -> (diff: VersionDiff, cached: Bool) {
        let (diff, source) = await diffCache.value(for: [a.version, b.version]) {
            await VersionDiff.compute(from: a, to: b, sharedOrdinals: await sharesOrdinals(a, b))
        }
        return (diff, source != .computed)
    }

    /// Whether `a` and `b` are one state, or two states the store joins by a delta (or reverse delta) whose tags are
    /// theirs. Then a record populated at the same ordinal in both is the same record: Hollow keeps a record's
    /// ordinal while it stays in the data, and gives a changed record a new one (ordinals freed by a delta are
    /// reused only by later ones).
    func sharesOrdinals(_ a: LoadedState, _ b: LoadedState) async -> Bool {
        guard let ta = a.view.randomizedTag, let tb = b.view.randomizedTag else { return false }
        if ta == tb { return true }
        let (older, newer) = a.version < b.version ? (a, b) : (b, a)
        let (olderTag, newerTag) = a.version < b.version ? (ta, tb) : (tb, ta)
        let store = configuration.store
        func joins(_ blob: Blob?, to version: Int64, origin: Int64, destination: Int64) async -> Bool {
            guard let blob, blob.toVersion == version, let bytes = try? await blob.bytes(),
                let header = try? HollowBlobHeader.read(bytes)
            else { return false }
            return header.originRandomizedTag == origin && header.destinationRandomizedTag == destination
        }
        if await joins(
            try? await store.retrieveDeltaBlob(currentVersion: older.version), to: newer.version, origin: olderTag,
            destination: newerTag)
        {
            return true
        }
        return await joins(
            try? await store.retrieveReverseDeltaBlob(currentVersion: newer.version), to: older.version, origin: newerTag,
            destination: olderTag)
    }

    // MARK: Routes

    /// A router serving every page and API endpoint.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router)
        return router
    }

    /// Adds every page (`/…`) and its JSON twin (`/api/…`) to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        page(router, "/") { r, _ in try await self.overviewPage(r) }
        page(router, "/types") { r, _ in try await self.overviewPage(r) }
        page(router, "/types/:type") { r, c in try await self.typePage(r, c) }
        page(router, "/types/:type/records") { r, c in try await self.recordsPage(r, c) }
        page(router, "/types/:type/records/:ordinal") { r, c in try await self.recordPage(r, c) }
        page(router, "/types/:type/key") { r, c in try await self.keyPage(r, c) }
        page(router, "/types/:type/search") { r, c in try await self.searchPage(r, c) }
        page(router, "/types/:type/history") { r, c in try await self.historyPage(r, c) }
        page(router, "/versions") { r, _ in try await self.versionsPage(r) }
        page(router, "/diff") { r, _ in try await self.diffPage(r) }
        page(router, "/ops") { r, _ in try await self.opsPage(r) }
        page(router, "/metrics") { r, _ in try await self.metricsPage(r) }
        router.get("/api/status") { request, _ in
            await Self.respond(api: true) { try await self.status(request) }
        }
        for action in ["pin", "unpin"] {
            for api in [true, false] {
                let path = RouterPath((api ? "/api" : "") + "/ops/" + action)
                router.post(path) { request, _ in
                    await Self.respond(api: api) { try await self.pinAction(request, pin: action == "pin", api: api) }
                }
                router.get(path) { _, _ in
                    await Self.respond(api: api) {
                        throw HTTPError(.methodNotAllowed, message: "use POST to \(action) (with operator credentials)")
                    }
                }
            }
        }
    }

    private func page<Context: RequestContext>(
        _ router: Router<Context>, _ path: String,
        _ build: @escaping @Sendable (Request, Parameters) async throws -> Page
    ) {
        router.get(RouterPath(path)) { request, context in
            await Self.respond(api: false) { try await build(request, context.parameters) }
        }
        router.get(RouterPath(path == "/" ? "/api" : "/api" + path)) { request, context in
            await Self.respond(api: true) { try await build(request, context.parameters) }
        }
    }

    /// Runs a handler and answers with its page: JSON for `/api/…`, HTML otherwise. A thrown `HTTPError` becomes
    /// its status, headers and message (`{"error":{"status","message"}}` or an error page); anything else is a 500.
    static func respond(api: Bool, _ build: () async throws -> Page) async -> Response {
        do {
            let page = try await build()
            if let redirect = page.redirect {
                return Response(status: .seeOther, headers: [.location: redirect])
            }
            if api { return json(page.json) }
            return html(Templates.document(page), status: .ok)
        } catch {
            let e = (error as? HTTPError) ?? HTTPError(.internalServerError, message: "\(error)")
            let message = e.body ?? e.status.reasonPhrase
            var r: Response
            if api {
                r = json(["error": ["status": .from(e.status.code), "message": .string(message)]], status: e.status)
            } else {
                r = html(Templates.errorDocument(e.status.code, reason: e.status.reasonPhrase, message: message), status: e.status)
            }
            r.headers.append(contentsOf: e.headers)
            return r
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized()))
        )
    }

    static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}

/// What a handler produces: the JSON model, and the view model its HTML template renders.
struct Page: Sendable {
    var title: String
    var json: JSONValue
    /// The name of the page's template (`Templates.sources`).
    var template: String
    /// The template's view model (`Views.swift`), built from the same data as `json`.
    var view: any Sendable
    /// Set to redirect (HTML forms) instead.
    var redirect: String? = nil
    /// The version shown; pages that follow the current version reload when it changes.
    var followsVersion: Int64? = nil
    var refreshSeconds: Int = 5
}

extension Parameters {
    /// The path parameter `name`, percent-decoded (the pages link to `/types/<encoded name>`).
    func decoded(_ name: String) -> String? {
        get(name).map { FormData.decode(Substring($0), plusIsSpace: false) }
    }
}

extension Request {
    /// The request's query parameters, form-decoded (the one parser of query strings: QueryParameters.swift).
    var queryParameters: QueryParameters { QueryParameters(uri.query) }
    /// The query parameter `name` (form-decoded), or nil.
    func query(_ name: String) -> String? { queryParameters.value(name) }
    /// Every value of the query parameter `name`, in order.
    func queryAll(_ name: String) -> [String] { queryParameters.values(name) }
}
