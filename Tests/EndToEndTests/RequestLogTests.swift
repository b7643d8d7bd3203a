import Foundation
import Testing
import WorkflowKitTesting

/// `serve`'s request log: one line per request, with the route's pattern and a request
/// id, and nothing of what the request carried.
@Suite("serve's request log", .serialized)
struct RequestLogTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path
    /// A personal value, a case id and a purpose that must never reach the log.
    static let planted = "Kuusitie-7-B-41"
    static let caseID = "lokitus-4711"
    static let purpose = "tarkoitus-salainen"

    /// A log with one worker and the worker's API token.
    static func setUp() throws -> (directory: TemporaryDirectory, token: String) {
        let directory = try TemporaryDirectory()
        func cli(_ arguments: [String]) throws -> ProcessOutput {
            try BuiltProduct.run(
                "aso-engine", arguments + ["--db", directory.path("cases.sqlite"), "--actor", "cora", "--now", "2026-06-01"],
                currentDirectory: directory.url)
        }
        for arguments in [
            ["cora", "--organisation", "community-sanctions-office", "--role", "coordinator"],
            ["anna", "--organisation", "prison", "--role", "responsible-worker"],
        ] {
            let added = try cli(["principals", "add"] + arguments)
            try #require(added.status == 0, "\(added.stderr)")
        }
        let made = try cli(["token", "create", "--for", "anna", "--days", "30", "--json"])
        try #require(made.status == 0, "\(made.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
        return (directory, try #require(object?["token"] as? String))
    }

    static func serve(_ directory: TemporaryDirectory, _ arguments: [String]) throws -> RunningServer {
        try RunningServer(
            ["--db", directory.path("cases.sqlite"), "--processes", processes, "--now", "2026-06-01"] + arguments,
            currentDirectory: directory.url)
    }

    @Test("--log-format json: one JSON line per request with method, route pattern, status, duration and request id, and no value, token or case id")
    func jsonLines() throws {
        let (directory, token) = try Self.setUp()
        let server = try Self.serve(directory, ["--log-format", "json"])
        let opened = try server.request(
            "POST", "/v1/cases", token: token, headers: ["Idempotency-Key": "open-1", "X-Request-Id": "proxy-7f3a:1"],
            json: [
                "process": "vat-generic", "case": Self.caseID, "responsibleWorker": "anna",
                "fields": ["releaseDate": "2026-12-23", "previousResidence": Self.planted],
            ])
        #expect(opened.status == 201, "\(opened.text)")
        #expect(opened.headers["x-request-id"] == "proxy-7f3a:1")
        // Ids that are too long, or hold a space or a non-ASCII letter, are replaced by one of the server's.
        var replaced: [String] = []
        for bad in [String(repeating: "r", count: 65), "two words", "pyyntö-1"] {
            let read = try server.request(
                "GET", "/v1/cases/\(Self.caseID)?purpose=\(Self.purpose)", token: token, headers: ["X-Request-Id": bad])
            #expect(read.status == 200, "\(read.text)")
            let given = try #require(read.headers["x-request-id"])
            #expect(given != bad && given.count == 32 && given.allSatisfy(\.isHexDigit), "\(given)")
            replaced.append(given)
        }
        #expect(Set(replaced).count == 3)
        let unknown = try server.request("GET", "/v1/nowhere/\(Self.caseID)", token: token)
        #expect(unknown.status == 404)
        let unsigned = try server.request("GET", "/v1/cases/\(Self.caseID)")
        #expect(unsigned.status == 401)
        let stopped = server.stop()
        #expect(stopped.status == 0, "\(stopped.stderr)")

        var requests: [[String: String]] = []
        for line in stopped.stderr.split(separator: "\n") {
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            #expect(entry["timestamp"] is String && entry["level"] is String && entry["label"] is String && entry["message"] is String, "\(line)")
            let metadata = try #require(entry["metadata"] as? [String: String], "\(line)")
            if metadata["route"] != nil {
                #expect(entry["level"] as? String == "info")
                requests.append(metadata)
            }
        }
        let routes = requests.map { [$0["method"] ?? "", $0["route"] ?? "", $0["status"] ?? ""] }
        #expect(
            routes == [
                ["POST", "/v1/cases", "201"], ["GET", "/v1/cases/{case}", "200"], ["GET", "/v1/cases/{case}", "200"],
                ["GET", "/v1/cases/{case}", "200"], ["GET", "unmatched", "404"], ["GET", "/v1/cases/{case}", "401"],
            ], "\(stopped.stderr)")
        #expect(Array(requests.compactMap { $0["request_id"] }.prefix(4)) == ["proxy-7f3a:1"] + replaced)
        #expect(requests.allSatisfy { Double($0["duration_ms"] ?? "") ?? -1 >= 0 })
        #expect(Set(requests.compactMap { $0["request_id"] }).count == requests.count)
        for secret in [Self.planted, Self.caseID, Self.purpose, token, "purpose=", "nowhere"] {
            #expect(!stopped.stderr.contains(secret), "\(secret) is in the log")
        }
    }

    @Test("text lines at info by default; --log-level warning leaves the request lines out")
    func levels() throws {
        let (directory, _) = try Self.setUp()
        let talkative = try Self.serve(directory, [])
        let healthy = try talkative.request("GET", "/healthz", headers: ["X-Request-Id": "probe-1"])
        #expect(healthy.status == 200 && healthy.headers["x-request-id"] == "probe-1")
        let log = talkative.stop().stderr
        #expect(log.contains("GET /healthz 200") && log.contains("request_id=probe-1"), "\(log)")

        let quiet = try Self.serve(directory, ["--log-level", "warning"])
        #expect(try quiet.request("GET", "/healthz", headers: ["X-Request-Id": "probe-2"]).headers["x-request-id"] == "probe-2")
        let stopped = quiet.stop()
        #expect(stopped.status == 0)
        #expect(!stopped.stderr.contains("/healthz") && !stopped.stderr.contains("probe-2"), "\(stopped.stderr)")
    }

    @Test("--log-level and --log-format take only the levels and formats they name")
    func badValues() throws {
        for arguments in [["serve", "--log-level", "verbose"], ["daemon", "--log-format", "xml"]] {
            let result = try BuiltProduct.run("aso-engine", arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }
}
