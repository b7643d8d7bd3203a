import Foundation
import Testing
import WorkflowKitTesting

/// The long poll on PostgreSQL: a waiting `GET /v1/tasks/changes` follows the log, and
/// the subscription's `LISTEN`/`NOTIFY` listener wakes it for another process's append.
@Suite("long poll on PostgreSQL", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresLongPollTests {
    static let masterKey = Data(repeating: 5, count: 32).base64EncodedString()

    func run(_ arguments: [String], as actor: String, url: String) throws -> ProcessOutput {
        try BuiltProduct.run("aso-engine", arguments + ["--db", url, "--actor", actor], environment: ["ASO_MASTER_KEY": Self.masterKey])
    }

    @Test("a poll waiting on one server is answered with the case another server changed, and only with cases its caller may see")
    func pollAcrossServers() throws {
        let url = try PostgresTestServer.freshURL()
        let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path
        for arguments in [
            ["cora", "--organisation", "community-sanctions-office", "--role", "coordinator"],
            ["anna", "--organisation", "prison", "--role", "responsible-worker"],
        ] {
            #expect(try run(["principals", "add"] + arguments, as: "cora", url: url).status == 0)
        }
        var tokens: [String: String] = [:]
        for actor in ["cora", "anna"] {
            let created = try run(["token", "create", "--for", actor], as: "cora", url: url)
            tokens[actor] = created.stdout.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("aso_") }
        }
        let environment = ["ASO_MASTER_KEY": Self.masterKey]
        let first = try RunningServer(["--db", url, "--processes", processes], environment: environment)
        let second = try RunningServer(["--db", url, "--processes", processes], environment: environment)
        let opened = try first.request(
            "POST", "/v1/cases", token: tokens["anna"], headers: ["Idempotency-Key": "open-1"],
            json: ["process": "vat-generic", "case": "vat-1", "responsibleWorker": "anna", "fields": ["releaseDate": "2026-12-23"]])
        #expect(opened.status == 201, "\(opened.text)")
        let head = try first.request("GET", "/v1/tasks", token: tokens["anna"]).json["position"] as? Int ?? 0

        let answer = RunningServer.PendingAnswer()
        let annasToken = tokens["anna"]
        Thread {
            answer.set(try? second.request("GET", "/v1/tasks/changes?after=\(head)&wait=30", token: annasToken))
        }.start()
        Thread.sleep(forTimeInterval: 1)
        let revision = try first.request("GET", "/v1/cases/vat-1", token: tokens["anna"]).headers["etag"] ?? ""
        let appended = Date()
        let consent = try first.request(
            "POST", "/v1/cases/vat-1/consent", token: tokens["anna"], headers: ["Idempotency-Key": "consent-1", "If-Match": revision],
            json: ["parties": ["prison"]])
        #expect(consent.status == 200, "\(consent.text)")
        let woke = answer.wait(seconds: 10)
        #expect(Date().timeIntervalSince(appended) < 3)
        #expect((woke?.json["changedCases"] as? [String]) == ["vat-1"], "\(woke?.text ?? "no answer")")
        // A read recorded in the access log (the GET above) is not a change.
        let quiet = try second.request("GET", "/v1/tasks/changes?after=\(woke?.json["position"] as? Int ?? 0)&wait=1", token: tokens["anna"])
        #expect(quiet.status == 200 && (quiet.json["changedCases"] as? [String]) == [])
        _ = first.stop()
        _ = second.stop()
    }
}
