import ArgumentParser
import KeaEdge

/// `--kea-socket PATH` or `--kea-url http://[USER@]HOST:PORT [--kea-password-file FILE]`: where Kea's statistics
/// are read, its unix control socket or the Kea control agent.
struct KeaOptions: ParsableArguments {
    @Option(help: "Kea's unix control socket (control-socket.socket-name of kea-dhcp4).")
    var keaSocket: String?

    @Option(help: "The Kea control agent: http://[USER[:PASSWORD]@]HOST:PORT (kea-ctrl-agent's http-host and http-port).")
    var keaURL: String?

    @Option(help: "A file holding the control agent's basic-auth password (first line), for the user of --kea-url.")
    var keaPasswordFile: String?

    func validate() throws {
        if keaSocket != nil && keaURL != nil { throw ValidationError("give --kea-socket or --kea-url, not both") }
        if keaPasswordFile != nil && keaURL == nil { throw ValidationError("--kea-password-file needs --kea-url") }
        if let keaSocket, keaSocket.hasPrefix("http://") || keaSocket.hasPrefix("https://") {
            throw ValidationError("--kea-socket takes a unix socket path; use --kea-url \(keaSocket) for the control agent")
        }
        _ = try endpoint
    }

    /// The control channel, nil when neither option is given.
    var endpoint: KeaControlEndpoint? {
        get throws {
            if let keaSocket { return .unixSocket(path: keaSocket.hasPrefix("unix:") ? String(keaSocket.dropFirst(5)) : keaSocket) }
            guard let keaURL else { return nil }
            var password: String?
            if let keaPasswordFile {
                do {
                    let text = try SystemSupport.readText(keaPasswordFile)
                    password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
                } catch {
                    throw ValidationError("--kea-password-file: \(error)")
                }
            }
            do { return .controlAgent(try KeaControlAgent(url: keaURL, password: password)) } catch {
                throw ValidationError("--kea-url: \(error)")
            }
        }
    }
}
