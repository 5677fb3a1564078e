import ArgumentParser
import KeaEdge

/// `--kea-socket PATH` or `--kea-url http://[USER@]HOST:PORT [--kea-service dhcp4|dhcp6] [--kea-password-file FILE]`:
/// where Kea's statistics are read, its unix control sockets or the Kea control agent. Both options repeat: one
/// socket per server (kea-dhcp4 and kea-dhcp6), or one `--kea-service` per server behind the agent.
struct KeaOptions: ParsableArguments {
    @Option(help: "Kea's unix control socket (control-socket.socket-name of kea-dhcp4 or kea-dhcp6); repeat it for both servers.")
    var keaSocket: [String] = []

    @Option(help: "The Kea control agent: http://[USER[:PASSWORD]@]HOST:PORT (kea-ctrl-agent's http-host and http-port).")
    var keaURL: String?

    @Option(help: "The service behind --kea-url: dhcp4 (default) or dhcp6; repeat it for both servers.")
    var keaService: [String] = []

    @Option(help: "A file holding the control agent's basic-auth password (first line), for the user of --kea-url.")
    var keaPasswordFile: String?

    func validate() throws {
        if !keaSocket.isEmpty && keaURL != nil { throw ValidationError("give --kea-socket or --kea-url, not both") }
        if keaPasswordFile != nil && keaURL == nil { throw ValidationError("--kea-password-file needs --kea-url") }
        if !keaService.isEmpty && keaURL == nil { throw ValidationError("--kea-service needs --kea-url") }
        if Set(keaService).count != keaService.count { throw ValidationError("--kea-service: each service once") }
        for path in keaSocket where path.hasPrefix("http://") || path.hasPrefix("https://") {
            throw ValidationError("--kea-socket takes a unix socket path; use --kea-url \(path) for the control agent")
        }
        _ = try endpoints
    }

    /// The control channels, one per Kea server; empty when neither option is given.
    var endpoints: [KeaControlEndpoint] {
        get throws {
            if !keaSocket.isEmpty {
                return keaSocket.map { .unixSocket(path: $0.hasPrefix("unix:") ? String($0.dropFirst(5)) : $0) }
            }
            guard let keaURL else { return [] }
            var password: String?
            if let keaPasswordFile {
                do {
                    let text = try SystemSupport.readText(keaPasswordFile)
                    password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
                } catch {
                    throw ValidationError("--kea-password-file: \(error)")
                }
            }
            do {
                return try (keaService.isEmpty ? ["dhcp4"] : keaService).map { service in
                    .controlAgent(try KeaControlAgent(url: keaURL, service: service, password: password))
                }
            } catch {
                throw ValidationError("--kea-url: \(error)")
            }
        }
    }
}
