import Foundation
import Testing
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Connections held open on purpose, and the long poll's cost: the server as a real
/// process on loopback, with short timeouts so that the tests take seconds.
@Suite("Server connections", .serialized)
struct ServerConnectionTests {
    /// One TCP connection to the server, held open.
    final class Connection {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = try RunningServer.connection(to: port)
        }

        deinit { close(descriptor) }

        /// Sends `text`; false when the server has closed the connection.
        @discardableResult
        func send(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            #if canImport(Glibc)
                return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
            #else
                return bytes.withUnsafeBytes { Darwin.send(descriptor, $0.baseAddress, $0.count, 0) } == bytes.count
            #endif
        }

        /// Reads what arrives within `seconds`: nil when the server closed the connection
        /// (end of stream or reset), else the bytes (empty when none came).
        func receive(within seconds: Double) -> Data? {
            var received = Data()
            let deadline = Date().addingTimeInterval(seconds)
            var chunk = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
                if ready <= 0 { break }
                let count = recv(descriptor, &chunk, chunk.count, 0)
                if count <= 0 { return nil }
                received.append(contentsOf: chunk[0..<count])
                if received.range(of: Data("\r\n\r\n".utf8)) != nil, !received.isEmpty { break }
            }
            return received
        }
    }

    @Test("slow request heads and idle keep-alive connections are closed after the idle timeout; one address holds at most its cap")
    func slowAndIdleConnections() throws {
        let directory = try TemporaryDirectory()
        let server = try RunningServer(
            ["--db", directory.path("cases.sqlite"), "--processes", APIServerTests.processes, "--idle-timeout", "1.5", "--connections-per-address", "4"],
            currentDirectory: directory.url)
        // Six connections, each starting a request head and never finishing it.
        let connections = try (0..<6).map { _ in try Connection(port: server.port) }
        for connection in connections { connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
        // The two past the cap are closed at once.
        Thread.sleep(forTimeInterval: 0.4)
        let early = connections.map { $0.receive(within: 0.02) == nil }
        #expect(early.filter { $0 }.count == 2, "\(early)")
        // The others, trickling a byte every half second, are closed once the timeout passes.
        var open = connections.enumerated().filter { !early[$0.offset] }.map(\.element)
        let start = Date()
        while !open.isEmpty && Date().timeIntervalSince(start) < 6 {
            open = open.filter { $0.send("a") && $0.receive(within: 0.5) != nil }
        }
        #expect(open.isEmpty, "\(open.count) slow connections still open after \(Date().timeIntervalSince(start)) s")
        #expect(Date().timeIntervalSince(start) < 4)

        // A keep-alive connection answered is closed once it stays idle.
        let idle = try Connection(port: server.port)
        idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let answer = idle.receive(within: 3)
        #expect(answer.map { String(decoding: $0, as: UTF8.self).hasPrefix("HTTP/1.1 200") } == true)
        let idleStart = Date()
        var closed = false
        while !closed && Date().timeIntervalSince(idleStart) < 5 {
            closed = idle.receive(within: 0.5) == nil
        }
        #expect(closed && Date().timeIntervalSince(idleStart) < 4, "closed: \(closed)")
        // The cap counts open connections only: new ones are served.
        #expect(try server.request("GET", "/healthz").status == 200)
        _ = server.stop()
    }

    /// CPU time the process has used, in seconds (Linux: /proc).
    static func cpuSeconds(of pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test("a long poll waits on appends, not on reads of the log: cheap while nothing it may see changes, and woken at once by an append")
    func longPoll() throws {
        let setup = try APIServerTests.Setup()
        let server = setup.server!
        for index in 1...60 {
            #expect(try setup.openCase("vat-\(index)").status == 201)
        }
        let head = try server.request("GET", "/v1/tasks", token: setup.tokens["anna"]).json["position"] as? Int ?? 0
        // Lisa sees none of these cases: her poll from the start of the log waits it out.
        let pid = server.process.processIdentifier
        let before = try #require(Self.cpuSeconds(of: pid))
        let started = Date()
        let waited = try server.request("GET", "/v1/tasks/changes?after=0&wait=5", token: setup.tokens["lisa"])
        let used = try #require(Self.cpuSeconds(of: pid)) - before
        #expect(waited.status == 200 && (waited.json["changedCases"] as? [Any])?.isEmpty == true && waited.json["position"] as? Int == head)
        #expect(Date().timeIntervalSince(started) >= 4.9)
        // Reading the log every 200 ms, as the poll did, cost 0.3 s here; following it, about 0.05 s.
        #expect(used < 0.15, "the poll used \(used) s of CPU in 5 s")

        // Anna's poll is answered as soon as her case changes.
        let answer = RunningServer.PendingAnswer()
        let poller = Thread {
            answer.set(try? server.request("GET", "/v1/tasks/changes?after=\(head)&wait=30", token: setup.tokens["anna"]))
        }
        poller.start()
        Thread.sleep(forTimeInterval: 1)
        let revision = try setup.revision("vat-1")
        let appended = Date()
        let consent = try server.request(
            "POST", "/v1/cases/vat-1/consent", token: setup.tokens["anna"], headers: ["Idempotency-Key": "c-1", "If-Match": revision],
            json: ["parties": ["prison"]])
        #expect(consent.status == 200)
        let woke = answer.wait(seconds: 10)
        #expect(Date().timeIntervalSince(appended) < 2)
        #expect((woke?.json["changedCases"] as? [String]) == ["vat-1"], "\(woke?.text ?? "no answer")")
        _ = server.stop()
    }
}
