import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One command POSTed to the Kea control agent with Foundation's `URLSession` (basic auth when configured).
enum KeaHTTPTransport {
    /// A session that neither caches nor stores cookies or credentials: every command is one fresh request.
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration, delegate: ChallengeRefuser(), delegateQueue: nil)
    }()

    /// Answers every authentication challenge (a 401 with `WWW-Authenticate`) by cancelling it: the credentials
    /// already went out in the `Authorization` header, so a challenge means they were missing or wrong. Without a
    /// delegate, FoundationNetworking on Linux leaves such a task waiting forever (seen with kea-ctrl-agent 2.2).
    private final class ChallengeRefuser: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
            completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
        ) {
            completionHandler(.cancelAuthenticationChallenge, nil)
        }
    }

    private static func unauthorized(_ agent: KeaControlAgent, status: Int) -> KeaControlError {
        let how = agent.user == nil ? "no credentials were given (--kea-url http://USER@HOST:PORT with --kea-password-file)" : "user \(agent.user ?? "") was refused"
        return KeaControlError(code: .unauthorized, message: "the Kea control agent at \(agent.url) answered HTTP \(status): \(how)")
    }

    /// POSTs `body` (JSON) to the agent and returns the response body of a 200 answer.
    /// - Throws: ``KeaControlError``: `.unauthorized` for 401/403, `.commandFailed` for other statuses,
    ///   `.timeout`, `.connectionFailed`.
    static func post(agent: KeaControlAgent, body: [UInt8], timeoutMilliseconds: Int32) async throws(KeaControlError) -> [UInt8] {
        guard let url = URL(string: agent.url) else {
            throw KeaControlError(code: .badURL, message: "the Kea control agent URL \(agent.url) is not a valid URL")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: Double(timeoutMilliseconds) / 1000)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let user = agent.user {
            let token = Data("\(user):\(agent.password ?? "")".utf8).base64EncodedString()
            request.setValue("Basic \(token)", forHTTPHeaderField: "Authorization")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError where error.code == .timedOut {
            throw KeaControlError(code: .timeout, message: "the Kea control agent at \(agent.url) did not answer within \(timeoutMilliseconds) ms")
        } catch let error as URLError where error.code == .cancelled || error.code == .userCancelledAuthentication {
            throw unauthorized(agent, status: 401)  // the challenge ChallengeRefuser cancelled
        } catch {
            throw KeaControlError(
                code: .connectionFailed,
                message: "cannot reach the Kea control agent at \(agent.url): \(error.localizedDescription) (is kea-ctrl-agent running with this http-host and http-port?)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        switch status {
        case 200:
            return [UInt8](data)
        case 401, 403:
            throw unauthorized(agent, status: status)
        default:
            let text = String(decoding: data.prefix(200), as: UTF8.self)
            throw KeaControlError(code: .commandFailed, message: "the Kea control agent at \(agent.url) answered HTTP \(status): \(text)")
        }
    }
}
