import HollowCore
import HollowTestSupport
import KeaEdge
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Kea control agent (kea-ctrl-agent over HTTP)", .timeLimit(.minutes(2)))
struct KeaControlAgentTests {
    @Test("control agent URLs: credentials, service, and clear errors for bad values")
    func parsing() throws {
        let plain = try KeaControlAgent(url: "http://127.0.0.1:8000")
        #expect(plain.url == "http://127.0.0.1:8000/" && plain.user == nil && plain.service == "dhcp4")
        let auth = try KeaControlAgent(url: "http://kea:s3cret@127.0.0.1:8000/")
        #expect(auth.user == "kea" && auth.password == "s3cret" && auth.url == "http://127.0.0.1:8000/")
        #expect(!KeaControlEndpoint.controlAgent(auth).description.contains("s3cret"), "the password never appears in messages")
        let file = try KeaControlAgent(url: "http://kea@127.0.0.1:8000", password: "fromfile")
        #expect(file.password == "fromfile")
        for bad in ["127.0.0.1:8000", "https://127.0.0.1:8000", "http://127.0.0.1", "http://:8000", "http://h:8000/x", "http://h:0"] {
            #expect {
                try KeaControlAgent(url: bad)
            } throws: { error in
                (error as? KeaControlError)?.code == .badURL && "\(error)".contains(bad)
            }
        }
        #expect(throws: KeaControlError.self) { try KeaControlAgent(url: "http://h:1", service: "dhcp5") }
    }

    @Test("nothing listening: a connection error that names the agent")
    func refused() async throws {
        let port = try freeLoopbackPort()
        let client = KeaControlClient(endpoint: .controlAgent(try KeaControlAgent(url: "http://127.0.0.1:\(port)")))
        await #expect {
            try await client.statistics()
        } throws: { error in
            guard let e = error as? KeaControlError else { return false }
            return e.code == .connectionFailed && e.message.contains("127.0.0.1:\(port)")
        }
    }

    @Test("a real kea-ctrl-agent gives the unix socket's statistics, with and without basic auth", requiresKeaLab)
    func realAgent() async throws {
        let lab = try await KeaLab.up()
        do {
            try await realAgent(lab)
        } catch {
            print("agent log:\n" + ((try? SystemSupport.readText(lab.directory + "/agent.out")) ?? ""))
            await lab.down()
            throw error
        }
        await lab.down()
    }

    func realAgent(_ lab: KeaLab) async throws {
        let socket = KeaControlClient(endpoint: .unixSocket(path: lab.socket))
        #expect(try await lab.udhcpc(), "busybox udhcpc got no lease")

        // No authentication configured.
        let open = try freeLoopbackPort()
        try await lab.startAgent(port: open)
        let agent = KeaControlClient(endpoint: .controlAgent(try KeaControlAgent(url: "http://127.0.0.1:\(open)")))
        let viaSocket = try await socket.statistics()
        let viaAgent = try await agent.statistics()
        #expect(viaAgent == viaSocket, "the agent and the socket disagree")
        #expect(viaAgent.values["pkt4-ack-sent"] == 1 && viaAgent.values["subnet[1].assigned-addresses"] == 1)
        #expect(try await agent.send("status-get")["pid"]?.int64 == (try await socket.send("status-get"))["pid"]?.int64)
        await lab.stopAgent()

        // Basic auth: the right credentials work, none or wrong ones are refused with a clear error.
        let guarded = try freeLoopbackPort()
        try await lab.startAgent(port: guarded, user: "edge", password: "pa55")
        let url = "http://127.0.0.1:\(guarded)"
        let authed = KeaControlClient(endpoint: .controlAgent(try KeaControlAgent(url: url, user: "edge", password: "pa55")))
        #expect(try await authed.statistics() == (try await socket.statistics()))
        for (user, password) in [(nil, nil), ("edge", "wrong")] as [(String?, String?)] {
            let client = KeaControlClient(endpoint: .controlAgent(try KeaControlAgent(url: url, user: user, password: password)))
            await #expect {
                try await client.statistics()
            } throws: { error in
                guard let e = error as? KeaControlError else { return false }
                return e.code == .unauthorized && e.message.contains("HTTP 401") && !e.message.contains("wrong")
            }
        }

        // The CLI: `kea-edge stats --kea-url ... --kea-password-file` prints what `--kea-socket` prints.
        if keaEdgeBuilt {
            let keaEdge = buildProductsDirectory() + "/kea-edge"
            let passwordFile = lab.directory + "/agent.password"
            try SystemSupport.writeText(passwordFile, "pa55\n")
            let viaURL = try await command([keaEdge, "stats", "--kea-url", "http://edge@127.0.0.1:\(guarded)", "--kea-password-file", passwordFile])
            let viaPath = try await command([keaEdge, "stats", "--kea-socket", lab.socket])
            #expect(viaURL.ok && viaPath.ok, "\(viaURL.error) \(viaPath.error)")
            #expect(!viaURL.output.isEmpty && viaURL.output == viaPath.output)
            let refused = try await command([keaEdge, "stats", "--kea-url", url])
            #expect(!refused.ok && refused.error.contains("HTTP 401"))
        }
    }
}
