import Foundation
public import FoundationNetworking
public import HollowCore
public import Logging
import Synchronization

/// Finds blobs in a store served over HTTP(S) by any static web server or CDN (nginx, an object store's website
/// endpoint): the directory a ``HollowCore/Publisher`` such as HollowFilesystem's `FilesystemPublisher` writes,
/// served as files.
///
/// Web servers do not list directories, so the retriever reads the store's `blobs.index` (``StoreIndex``) to find
/// the greatest snapshot at or below a version, the delta leaving a version and its target, and the size of every
/// blob; blob URLs are the store URL plus the blob's file name (``BlobFileName``), the same names the filesystem
/// store uses. The index is fetched on the first lookup and fetched again (a conditional GET, answered `304` when
/// unchanged; unconditionally if that still misses) when a lookup misses: a delta or header that is not listed, or
/// a snapshot that is not the exact version asked for. A version is announced after its blobs and the index are written, so a consumer that follows
/// announcements always finds them.
///
/// Requests that fail with a connection error, a timeout or a 5xx status are retried with exponential backoff
/// (``Configuration``). A blob whose body is not the size the index lists is refused (``HTTPBlobError/Code/truncated``)
/// and a 404 of a listed blob throws ``HTTPBlobError/Code/notFound`` naming the URL; the consumer then keeps the
/// state it holds. Compressed blobs (`snapshot-3.zst`) are decompressed by the decompressor whose `fileExtension`
/// matches, as in `FilesystemBlobRetriever`.
public final class HTTPBlobRetriever: BlobStore {
    /// Timeouts and retries.
    public struct Configuration: Sendable {
        /// The deadline of one request, from connecting to the last byte of the body.
        public var requestTimeout: Duration
        /// How many times a request is tried before its error is thrown (at least 1).
        public var maxAttempts: Int
        /// The delay before the first retry; each later retry waits twice as long, up to `maxBackoff`. Each delay
        /// is drawn at random from its upper half, so retrying consumers spread out.
        public var initialBackoff: Duration
        /// The longest delay between two attempts.
        public var maxBackoff: Duration
        /// The largest body accepted, in bytes.
        public var maxBodySize: Int

        /// Creates a configuration: by default 30 s per request, 5 attempts, backoff from 100 ms up to 5 s,
        /// bodies up to 4 GiB.
        public init(
            requestTimeout: Duration = .seconds(30), maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(100),
            maxBackoff: Duration = .seconds(5), maxBodySize: Int = 1 << 32
        ) {
            self.requestTimeout = requestTimeout
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxBodySize = maxBodySize
        }
    }

    /// The dataset's URL (the store URL, plus the namespace), ending with `/`.
    public let baseURL: String
    /// Timeouts and retries.
    public let configuration: Configuration
    private let session: URLSession
    private let decompressors: [String: any BlobCompressor]
    private let logger: Logger
    private let state = Mutex(State())
    private let counters = Counters()

    /// Whether `text` is an `http://` or `https://` URL (how the `hollow` commands tell a URL from a directory).
    public static func isHTTPURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// Creates a retriever. Nothing is requested until the first lookup.
    /// - Parameters:
    ///   - url: The store's URL (`http://host:port/path`), the directory the publisher writes, served.
    ///   - namespace: The dataset's sub-directory of the store, as with the filesystem store.
    ///   - decompressors: Decompress blobs whose suffix is their `fileExtension` (e.g. HollowZstd's `ZstdCompressor`).
    ///   - configuration: Timeouts and retries.
    ///   - session: The URL session requests go through; by default ``sharedSession`` (one connection pool for
    ///     every retriever of the process).
    ///   - logger: Where retries and refused responses are logged.
    /// - Throws: ``HTTPBlobError`` `.invalidArgument` for a URL that is not http(s) or a bad namespace.
    public init(
        url: String, namespace: String? = nil, decompressors: [any BlobCompressor] = [],
        configuration: Configuration = Configuration(), session: URLSession = HTTPBlobRetriever.sharedSession,
        logger: Logger = .hollowDisabled
    ) throws(HTTPBlobError) {
        let afterScheme = url.drop { $0 != ":" }.dropFirst(3)
        guard Self.isHTTPURL(url), let first = afterScheme.first, first != "/" else {
            throw HTTPBlobError(
                code: .invalidArgument, message: "\"\(url)\" is not an http:// or https:// URL with a host", url: url)
        }
        guard !url.contains("?"), !url.contains("#") else {
            throw HTTPBlobError(
                code: .invalidArgument, message: "the store URL \(url) must not carry a query or fragment", url: url)
        }
        guard configuration.maxAttempts >= 1 else {
            throw HTTPBlobError(code: .invalidArgument, message: "maxAttempts must be at least 1, not \(configuration.maxAttempts)")
        }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if let namespace {
            if let problem = StoreLayout.namespaceProblem(namespace) {
                throw HTTPBlobError(code: .invalidArgument, message: problem)
            }
            base += "/" + namespace
        }
        baseURL = base + "/"
        self.configuration = configuration
        self.session = session
        var byExtension: [String: any BlobCompressor] = [:]
        for decompressor in decompressors { byExtension[decompressor.fileExtension] = decompressor }
        self.decompressors = byExtension
        self.logger = logger
    }

    /// The session retrievers use by default: Foundation's `URLSession` (libcurl, with the system's TLS and trust
    /// store for `https://`), keeping connections alive between requests, with no response cache (the retriever
    /// sends its own conditional requests for `blobs.index`; blobs are immutable) and no cookies.
    public static let sharedSession: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpMaximumConnectionsPerHost = 8
        return URLSession(configuration: configuration)
    }()

    /// The URL of a file of the store (`blobs.index`, `snapshot-3.zst`).
    public func url(of fileName: String) -> String { baseURL + fileName }

    // MARK: - BlobRetriever

    /// The snapshot of `desiredVersion`, or else of the greatest version below it that the index lists; nil if
    /// there is none.
    public func retrieveSnapshotBlob(desiredVersion: Int64) async throws -> Blob? {
        try await lookup { index in
            guard let found = index.blobs.snapshot(atOrBelow: desiredVersion) else { return (nil, false) }
            return (found.entry, found.version == desiredVersion)
        }
    }

    /// The delta from `currentVersion`; if several are listed (a re-published chain), the one reaching furthest.
    public func retrieveDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try await lookup { index in
            let entry = index.blobs.delta(from: currentVersion)
            return (entry, entry != nil)
        }
    }

    /// The reverse delta from `currentVersion`; if several are listed, the one to the nearest older version.
    public func retrieveReverseDeltaBlob(currentVersion: Int64) async throws -> Blob? {
        try await lookup { index in
            let entry = index.blobs.reverseDelta(from: currentVersion)
            return (entry, entry != nil)
        }
    }

    /// The header blob of exactly `desiredVersion`, or nil.
    public func retrieveHeaderBlob(desiredVersion: Int64) async throws -> Blob? {
        try await lookup { index in
            let entry = index.blobs.header(desiredVersion)
            return (entry, entry != nil)
        }
    }

    /// The blob listed under `name` (`snapshot-3`, or with its suffix `snapshot-3.zst`), or nil.
    /// - Throws: ``HTTPBlobError`` `.invalidArgument` when `name` is not a blob name, or what fetching the index throws.
    public func blob(named name: String) async throws -> Blob? {
        var reason = ""
        guard let parsed = BlobFileName.parse(name, reason: &reason) else {
            throw HTTPBlobError(code: .invalidArgument, message: "\(name) is not a blob name: \(reason)")
        }
        return try await lookup { index in
            guard let entry = index.blobs[parsed],
                parsed.compressionExtension == nil || entry.name == parsed
            else { return (nil, false) }
            return (entry, true)
        }
    }

    // MARK: - BlobStore

    /// The dataset's URL.
    public var location: String { baseURL }

    /// Every blob `blobs.index` lists (fetched afresh), with its size.
    public func inventory() async throws -> [StoredBlob] {
        try await refreshIndex().entries.map { entry in
            StoredBlob(
                type: entry.name.type, fromVersion: entry.name.fromVersion, toVersion: entry.name.toVersion,
                size: entry.size, name: entry.name.fileName)
        }
    }

    /// The version the store's `announced.version` names, or nil when the server has no such file.
    /// - Throws: ``HTTPBlobError`` `.badAnnouncement` if the file does not hold a decimal version, or what the
    ///   request throws.
    public func announcedVersion() async throws -> Int64? {
        let url = url(of: StoreLayout.announcementFileName)
        guard case .body(let bytes, _) = try await get(url, etag: nil) else { return nil }
        var problem = ""
        guard let version = StoreLayout.parseAnnouncedVersion(bytes, problem: &problem) else {
            throw HTTPBlobError(code: .badAnnouncement, message: "\(url) does not hold a decimal version: \(problem)", url: url)
        }
        return version
    }

    /// The store's index as the server holds it now (and the one later lookups use).
    /// - Throws: ``HTTPBlobError`` `.missingIndex` when the server has no `blobs.index`, `.badIndex` when it does
    ///   not parse, or what the request throws.
    @discardableResult
    public func refreshIndex() async throws -> StoreIndex {
        try await fetchIndex().index
    }

    // MARK: - Counters

    /// Requests sent (every attempt counts).
    public var requestCount: Int { counters.requests.load(ordering: .relaxed) }
    /// Attempts that failed with a connection error, a timeout or a 5xx status and were retried.
    public var retryCount: Int { counters.retries.load(ordering: .relaxed) }
    /// Times `blobs.index` was fetched (including `304 Not Modified` answers).
    public var indexFetchCount: Int { counters.indexFetches.load(ordering: .relaxed) }
    /// Body bytes received.
    public var bytesReceived: Int { counters.bytes.load(ordering: .relaxed) }

    // MARK: - Index

    struct Index {
        var index = StoreIndex(entries: [])
        var blobs = BlobCatalog<StoreIndex.Entry>()

        init() {}

        init(_ index: StoreIndex) {
            self.index = index
            // The last line of a blob listed twice wins, as a re-published blob replaces the earlier one.
            for entry in index.entries { blobs.add(entry.name, entry) { $0 = entry } }
        }

    }

    struct State {
        var index: Index?
        var etag: String?
    }

    final class Counters: Sendable {
        let requests = Atomic<Int>(0)
        let retries = Atomic<Int>(0)
        let indexFetches = Atomic<Int>(0)
        let bytes = Atomic<Int>(0)
    }

    /// Runs `body` on the cached index (fetching it first if there is none); on a miss, fetches the index again
    /// (unless it was just fetched) and runs `body` once more.
    private func lookup(_ body: (Index) -> (StoreIndex.Entry?, Bool)) async throws -> Blob? {
        var fetched = false
        var index: Index
        if let cached = state.withLock({ $0.index }) {
            index = cached
        } else {
            index = try await fetchIndex()
            fetched = true
        }
        var (found, hit) = body(index)
        if !hit && !fetched {
            let before = index.index
            index = try await fetchIndex()
            (found, hit) = body(index)
            if !hit && index.index == before {
                // A `304` (or the same index) and still a miss: nginx's ETag is mtime seconds and size, so an index
                // rewritten within a second at the same size looks unchanged. Ask once without the ETag.
                index = try await fetchIndex(conditional: false)
                (found, hit) = body(index)
            }
        }
        return found.map(makeBlob)
    }

    /// Fetches `blobs.index` (conditionally, when one is cached) and caches it.
    private func fetchIndex(conditional: Bool = true) async throws -> Index {
        let url = url(of: StoreIndex.fileName)
        let (cached, etag) = state.withLock { ($0.index, $0.etag) }
        counters.indexFetches.add(1, ordering: .relaxed)
        switch try await get(url, etag: cached == nil || !conditional ? nil : etag) {
        case .notModified:
            if let cached { return cached }
            throw HTTPBlobError(code: .badIndex, message: "\(url) answered 304 Not Modified to an unconditional GET", url: url)
        case .notFound:
            state.withLock { $0 = State() }
            throw HTTPBlobError(
                code: .missingIndex,
                message:
                    "no \(StoreIndex.fileName) at \(url): the store was written without a blob index (run `hollow store --store DIR --reindex` where it is published) or the URL does not name a store",
                url: url, status: 404)
        case .body(let bytes, let newTag):
            let parsed: StoreIndex
            do { parsed = try StoreIndex(parsing: bytes) } catch {
                throw HTTPBlobError(code: .badIndex, message: "\(url) is not a valid blob index: \(error)", url: url)
            }
            let index = Index(parsed)
            state.withLock { $0 = State(index: index, etag: newTag) }
            return index
        }
    }

    /// Forgets the cached index, so the next lookup fetches it (after a listed blob turned out to be gone).
    private func invalidateIndex() {
        state.withLock { $0 = State() }
    }

    private func makeBlob(_ entry: StoreIndex.Entry) -> Blob {
        Blob(type: entry.name.type, fromVersion: entry.name.fromVersion, toVersion: entry.name.toVersion) {
            try await self.load(entry)
        }
    }

    /// Downloads a blob, checks its size against the index and decompresses it.
    private func load(_ entry: StoreIndex.Entry) async throws -> [UInt8] {
        let name = entry.name.fileName
        let url = url(of: name)
        let bytes: [UInt8]
        switch try await get(url, etag: nil) {
        case .body(let body, _): bytes = body
        case .notFound, .notModified:
            invalidateIndex()
            throw HTTPBlobError(
                code: .notFound,
                message:
                    "\(name) is listed in \(self.url(of: StoreIndex.fileName)) but \(url) answered 404 Not Found (deleted by a cleaner, or not served?)",
                url: url, status: 404)
        }
        if bytes.count != entry.size {
            // The blob may have been published again since the index was read: the current index decides.
            let current = try await fetchIndex().blobs[entry.name]
            if current?.name != entry.name || current?.size != Int64(bytes.count) {
                logger.warning(
                    "refused a blob of the wrong size",
                    metadata: ["blob.url": "\(url)", "blob.bytes": "\(bytes.count)", "blob.listedBytes": "\(entry.size)"])
                throw HTTPBlobError(
                    code: .truncated,
                    message:
                        "\(url) answered \(bytes.count) bytes but \(StoreIndex.fileName) lists \(entry.size): refused (truncated or replaced file)",
                    url: url, status: 200)
            }
        }
        guard let ext = entry.name.compressionExtension else { return bytes }
        guard let decompressor = decompressors[ext] else {
            throw HTTPBlobError(code: .unknownCompression, message: "no decompressor for \(url)", url: url)
        }
        do {
            return try decompressor.decompress(bytes)
        } catch {
            throw HTTPBlobError(code: .decompressionFailed, message: "cannot decompress \(url): \(error)", url: url)
        }
    }

    // MARK: - Requests

    enum Fetched {
        case body([UInt8], etag: String?)
        case notModified
        case notFound
    }

    /// GETs `url`, retrying connection errors, timeouts and 5xx answers with backoff.
    private func get(_ url: String, etag: String?) async throws -> Fetched {
        guard let requestURL = URL(string: url) else {
            throw HTTPBlobError(code: .invalidArgument, message: "\(url) is not a valid URL", url: url)
        }
        var lastError: HTTPBlobError?
        var backoff = configuration.initialBackoff
        for attempt in 1...configuration.maxAttempts {
            try Task.checkCancellation()
            if attempt > 1 {
                counters.retries.add(1, ordering: .relaxed)
                let half = backoff / 2
                let delay = half + half * Double.random(in: 0...1)
                logger.debug(
                    "retrying", metadata: ["http.url": "\(url)", "http.attempt": "\(attempt)", "error": "\(lastError?.message ?? "")"])
                try await Task.sleep(for: delay)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
            counters.requests.add(1, ordering: .relaxed)
            var request = URLRequest(url: requestURL)
            request.cachePolicy = .reloadIgnoringLocalCacheData
            request.timeoutInterval = Self.seconds(configuration.requestTimeout)
            if let etag { request.setValue(etag, forHTTPHeaderField: "If-None-Match") }
            do {
                let (data, response) = try await send(request, url: url)
                guard let http = response as? HTTPURLResponse else {
                    throw HTTPBlobError(code: .transport, message: "GET \(url) got no HTTP response", url: url)
                }
                let status = http.statusCode
                let reason = HTTPURLResponse.localizedString(forStatusCode: status)
                switch status {
                case 200:
                    guard data.count <= configuration.maxBodySize else {
                        throw HTTPBlobError(
                            code: .httpStatus,
                            message: "\(url) answered \(data.count) bytes, more than the limit of \(configuration.maxBodySize)",
                            url: url, status: status)
                    }
                    counters.bytes.add(data.count, ordering: .relaxed)
                    if let length = http.value(forHTTPHeaderField: "Content-Length").flatMap(Int.init), length != data.count {
                        lastError = HTTPBlobError(
                            code: .transport,
                            message: "\(url): the connection ended after \(data.count) of \(length) bytes", url: url,
                            status: status)
                        continue
                    }
                    return .body([UInt8](data), etag: http.value(forHTTPHeaderField: "ETag"))
                case 304:
                    return .notModified
                case 404, 410:
                    return .notFound
                case 500...599:
                    lastError = HTTPBlobError(
                        code: .httpStatus, message: "\(url) answered \(status) \(reason)", url: url, status: status)
                default:
                    throw HTTPBlobError(
                        code: .httpStatus, message: "\(url) answered \(status) \(reason)", url: url, status: status)
                }
            } catch let error as HTTPBlobError {
                if error.code == .transport, error.status == nil {
                    lastError = error  // the request's deadline passed: retried like a connection error
                    continue
                }
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as URLError where error.code == .cancelled {
                try Task.checkCancellation()
                lastError = HTTPBlobError(code: .transport, message: "GET \(url) was cancelled", url: url)
            } catch {
                lastError = HTTPBlobError(code: .transport, message: "GET \(url) failed: \(Self.describe(error))", url: url)
            }
        }
        var error = lastError!
        error.message += " (after \(configuration.maxAttempts) attempt\(configuration.maxAttempts == 1 ? "" : "s"))"
        logger.warning("request failed", metadata: ["http.url": "\(url)", "error": "\(error.message)"])
        throw error
    }

    /// Sends one request with ``Configuration/requestTimeout`` as the deadline of the whole exchange (the
    /// request's own `timeoutInterval` only bounds the silence between two reads).
    private func send(_ request: URLRequest, url: String) async throws -> (Data, URLResponse) {
        let session = self.session
        let timeout = configuration.requestTimeout
        return try await withDeadline(timeout, timeoutError: {
            HTTPBlobError(code: .transport, message: "GET \(url) took longer than \(timeout)", url: url)
        }) { try await session.data(for: request) }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A transport error in a line: URLError's code and description, not Foundation's whole `userInfo` dump.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? URLError { return "\(error.localizedDescription) (URLError \(error.code.rawValue))" }
        return "\(error)"
    }
}
