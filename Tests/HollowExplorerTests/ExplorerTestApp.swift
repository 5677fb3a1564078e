import HTTPTypes
import HollowExplorer
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded

/// How a test reaches the explorer.
enum ExplorerTestMode: Sendable {
    /// Each request goes straight to the explorer's router in this process: no socket, no HTTP client.
    case router
    /// The explorer also serves HTTP on a free loopback port (`ExplorerTestClient.port`), for a browser or a
    /// process; `execute` still goes through the router.
    case live
}

/// A response as a test sees it: status, headers and the whole body.
struct ExplorerTestResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
}

/// Sends requests to an explorer's router in process (what HummingbirdTesting's router mode does, without its
/// HTTP-client dependency, which compiled async-http-client and BoringSSL into every test build).
struct ExplorerTestClient: Sendable {
    let responder: RouterResponder<BasicRequestContext>
    let logger: Logger
    /// The loopback port in `.live` mode; nil in `.router` mode.
    let port: Int?

    func execute(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> ExplorerTestResponse {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri, headerFields: headers),
            body: RequestBody(buffer: body ?? ByteBuffer()))
        let context = BasicRequestContext(
            source: ApplicationRequestContextSource(channel: NIOAsyncTestingChannel(), logger: logger))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // What the server does with an error that is not an HTTP error.
            response = Response(status: .internalServerError)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        return ExplorerTestResponse(status: response.status, headers: response.headers, body: await collector.body())
    }
}

/// Collects a response body.
private actor BodyBuffer {
    var buffer = ByteBuffer()
    func append(_ part: ByteBuffer) { buffer.writeImmutableBuffer(part) }
}

private struct BodyCollector: ResponseBodyWriter {
    let store = BodyBuffer()
    func write(_ buffer: ByteBuffer) async throws { await store.append(buffer) }
    func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        for buffer in buffers { await store.append(buffer) }
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
    func body() async -> ByteBuffer { await store.buffer }
}

/// An explorer under test.
struct ExplorerTestApp: Sendable {
    let explorer: Explorer

    /// Runs `body` with a client of the explorer; in `.live` mode the explorer serves a free loopback port for the
    /// duration of `body` and stops afterwards.
    func test<Value: Sendable>(
        _ mode: ExplorerTestMode, _ body: @Sendable (ExplorerTestClient) async throws -> Value
    ) async throws -> Value {
        let router = explorer.makeRouter()
        var logger = Logger(label: "explorer-test")
        logger.logLevel = .critical  // a cancelled server logs its stop as an error
        let responder = router.buildResponder()
        guard mode == .live else {
            return try await body(ExplorerTestClient(responder: responder, logger: logger, port: nil))
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            }, logger: logger)
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            guard let port = await ports.first(where: { _ in true }), port > 0 else {
                group.cancelAll()
                throw ExplorerTestError.serverDidNotStart
            }
            do {
                let value = try await body(ExplorerTestClient(responder: responder, logger: logger, port: port))
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}

enum ExplorerTestError: Error, CustomStringConvertible {
    case serverDidNotStart
    var description: String { "the explorer's HTTP server did not report a loopback port" }
}
