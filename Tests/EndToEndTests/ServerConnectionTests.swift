import Foundation
import Testing
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The long poll's cost: the server as a real process on loopback.
@Suite("Server connections", .serialized)
struct ServerConnectionTests {
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
        // Reading the log every 200 ms, as the poll did, cost some 0.35 s here.
        #expect(used < 0.15, "the poll used \(used) s of CPU in 5 s")

        // Anna's poll is answered as soon as her case changes.
        let answer = Answer()
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

    final class Answer: @unchecked Sendable {
        private let condition = NSCondition()
        private var response: RunningServer.Response?
        private var done = false

        func set(_ response: RunningServer.Response?) {
            condition.lock()
            self.response = response
            done = true
            condition.broadcast()
            condition.unlock()
        }

        func wait(seconds: Double) -> RunningServer.Response? {
            condition.lock()
            defer { condition.unlock() }
            let deadline = Date().addingTimeInterval(seconds)
            while !done && condition.wait(until: deadline) {}
            return response
        }
    }
}
