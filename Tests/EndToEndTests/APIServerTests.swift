import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine serve` as a real process on a loopback port, called over real HTTP.
@Suite("HTTP API", .serialized)
struct APIServerTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path
    /// A personal value planted in a case: it must never reach anyone without access.
    static let planted = "Kuusitie-7-B-41"

    /// The directory, the tokens and a running server over one event log.
    final class Setup: @unchecked Sendable {
        let directory: TemporaryDirectory
        var tokens: [String: String] = [:]
        var server: RunningServer!

        init(now: String = "2026-06-01") throws {
            directory = try TemporaryDirectory()
            for arguments in [
                ["cora", "--organisation", "community-sanctions-office", "--role", "coordinator"],
                ["anna", "--organisation", "prison", "--role", "responsible-worker"],
                ["carl", "--organisation", "community-sanctions-office", "--role", "chair"],
                ["lisa", "--organisation", "landlord", "--role", "housing-worker"],
                ["bob", "--organisation", "adult-social-work", "--role", "responsible-worker"],
                ["olga", "--organisation", "child-welfare", "--role", "statutory-override"],
                ["pia", "--organisation", "prison", "--role", "coordinator"],
            ] {
                let added = try cli(["principals", "add"] + arguments, as: "cora")
                #expect(added.status == 0, "\(added.stderr)")
            }
            for actor in ["cora", "anna", "carl", "lisa", "bob", "olga", "pia"] {
                tokens[actor] = try token(for: actor)
            }
            server = try RunningServer(
                ["--db", directory.path("cases.sqlite"), "--processes", APIServerTests.processes, "--now", now],
                currentDirectory: directory.url)
        }

        func cli(_ arguments: [String], as actor: String, now: String = "2026-06-01") throws -> ProcessOutput {
            try BuiltProduct.run(
                "aso-engine", arguments + ["--db", directory.path("cases.sqlite"), "--actor", actor, "--now", now],
                currentDirectory: directory.url)
        }

        func token(for actor: String, now: String = "2026-06-01", days: Int = 30) throws -> String {
            let made = try cli(["token", "create", "--for", actor, "--days", String(days), "--json"], as: "cora", now: now)
            #expect(made.status == 0, "\(made.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
            return object?["token"] as? String ?? ""
        }

        /// How many events changed the case (`history` leaves out the reads its access log lists).
        func history(_ caseID: String) throws -> Int {
            let output = try cli(["history", caseID, "--json"], as: "pia")
            try #require(output.status == 0, "\(output.stderr)")
            let events = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
            try #require(!events.isEmpty && events.allSatisfy { $0["type"] as? String != "PersonalDataRead" }, "\(output.stdout)")
            return events.count
        }

        /// What refusals on a case must leave behind: nothing but their security events
        /// (its access log read as the lead organisation's coordinator).
        func trace(_ caseID: String = "vat-1") -> RefusalTrace {
            RefusalTrace(database: directory.path("cases.sqlite"), caseID: caseID) { [self] in
                try cli(["access-log", caseID, "--json"], as: "pia")
            }
        }

        /// The case's revision, as its ETag names it (reading it as the lead organisation's
        /// coordinator: the cases here are led by the prison).
        func revision(_ caseID: String) throws -> String {
            try server.request("GET", "/v1/cases/\(caseID)", token: tokens["pia"]).headers["etag"] ?? "none"
        }

        /// Opens vat-1 through the API as anna, with the planted value.
        func openCase(_ id: String = "vat-1") throws -> RunningServer.Response {
            try server.request(
                "POST", "/v1/cases", token: tokens["anna"], headers: ["Idempotency-Key": "open-\(id)"],
                json: [
                    "process": "vat-generic", "case": id, "responsibleWorker": "anna",
                    "fields": ["releaseDate": "2026-12-23", "previousResidence": APIServerTests.planted],
                ])
        }
    }

    static func isProblem(_ response: RunningServer.Response, _ status: Int, kind: String? = nil) -> Bool {
        guard response.status == status, response.headers["content-type"] == "application/problem+json" else { return false }
        let json = response.json
        guard json["status"] as? Int == status, json["title"] is String, json["detail"] is String,
            let type = json["type"] as? String, type.hasPrefix("urn:aso-engine:problem:")
        else { return false }
        return kind.map { type == "urn:aso-engine:problem:\($0)" } ?? true
    }

    @Test("operations: health, readiness, metrics and the OpenAPI document need no token; SIGTERM ends with 0")
    func operations() throws {
        let setup = try Setup()
        #expect(try setup.server.request("GET", "/healthz").json["status"] as? String == "ok")
        #expect(try setup.server.request("GET", "/readyz").status == 200)
        let document = try setup.server.request("GET", "/openapi.yaml")
        #expect(document.status == 200 && document.text.hasPrefix("openapi: 3.1.0"))
        _ = try setup.server.request("GET", "/v1/cases")
        let metrics = try setup.server.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains(#"aso_http_requests_total{route="/v1/cases",method="GET",status="401"}"#), "\(metrics.text)")
        #expect(metrics.text.contains("aso_reminder_oldest_due_seconds"))
        let unknown = try setup.server.request("GET", "/v2/nothing")
        #expect(Self.isProblem(unknown, 404, kind: "not-found"))
        // Every route of docs/openapi.yaml answers its methods, and 405 naming them to any other.
        var routes: [(path: String, methods: [String])] = []
        for line in document.text.split(separator: "\n") {
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                routes.append((String(line.dropFirst(2).dropLast()), []))
            } else if let match = line.wholeMatch(of: /\ {4}(get|post|put|patch|delete):/), !routes.isEmpty {
                routes[routes.count - 1].methods.append(match.1.uppercased())
            }
        }
        #expect(routes.count == 29)
        for (template, methods) in routes {
            let path = template.replacingOccurrences(of: "{case}", with: "vat-1").replacingOccurrences(of: "{task}", with: "call")
                .replacingOccurrences(of: "{process}", with: "vat-generic")
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
                let answer = try setup.server.request(method, path, token: setup.tokens["anna"], body: method == "GET" ? nil : Data("{}".utf8))
                if methods.contains(method) {
                    #expect(answer.status != 405 && !(answer.status == 404 && answer.text.contains("no such resource")), "\(method) \(path)")
                } else {
                    #expect(Self.isProblem(answer, 405, kind: "method-not-allowed") && answer.headers["allow"] == methods.sorted().joined(separator: ", "), "\(method) \(path): \(answer.status)")
                }
            }
        }
        let stopped = setup.server.stop()
        #expect(stopped.status == 0, "\(stopped.stderr)")
    }

    @Test("sign-in: no token, a malformed, unknown, expired or revoked one is 401; a valid one names its principal")
    func signIn() throws {
        let setup = try Setup()
        let server = setup.server!
        let none = try server.request("GET", "/v1/me")
        #expect(Self.isProblem(none, 401, kind: "unauthorized") && none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(Self.isProblem(try server.request("GET", "/v1/me", headers: ["Authorization": "Basic YTpi"]), 401))
        #expect(Self.isProblem(try server.request("GET", "/v1/me", token: "aso_000000000000_00"), 401))
        let anna = setup.tokens["anna"]!
        let forged = String(anna.dropLast()) + (anna.hasSuffix("0") ? "1" : "0")
        #expect(Self.isProblem(try server.request("GET", "/v1/me", token: forged), 401))
        let expired = try setup.token(for: "lisa", now: "2026-01-01", days: 1)
        #expect(Self.isProblem(try server.request("GET", "/v1/me", token: expired), 401))

        let me = try server.request("GET", "/v1/me", token: anna)
        #expect(me.status == 200 && me.json["actor"] as? String == "anna" && me.json["organisation"] as? String == "prison")

        let listed = try setup.cli(["token", "list", "--json"], as: "cora").stdout
        #expect(!listed.contains(anna) && listed.contains("anna"))
        let id = String(anna.split(separator: "_")[1])
        #expect(try setup.cli(["token", "revoke", id, "--reason", "laptop lost"], as: "cora").status == 0)
        #expect(Self.isProblem(try server.request("GET", "/v1/me", token: anna), 401))
        let notCoordinator = try setup.cli(["token", "create", "--for", "anna"], as: "anna")
        #expect(notCoordinator.status == 1 && notCoordinator.stderr.contains("needs the role 'coordinator'"))
        // Removing the principal stops their token.
        #expect(try setup.cli(["principals", "remove", "bob", "--reason", "left"], as: "cora").status == 0)
        #expect(Self.isProblem(try server.request("GET", "/v1/me", token: setup.tokens["bob"]), 401))
    }

    @Test("commands: Idempotency-Key replays, refuses reuse for another body; If-Match is required and checked; refusals append nothing")
    func commands() throws {
        let setup = try Setup()
        let server = setup.server!
        let anna = setup.tokens["anna"]!
        let body: [String: Any] = ["process": "vat-generic", "case": "vat-1", "responsibleWorker": "anna", "fields": ["releaseDate": "2026-12-23"]]

        let noKey = try server.request("POST", "/v1/cases", token: anna, json: body)
        #expect(Self.isProblem(noKey, 400) && noKey.json["field"] as? String == "Idempotency-Key")
        let opened = try server.request("POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "k-open"], json: body)
        #expect(opened.status == 201, "\(opened.text)")
        let openedAt = opened.json["version"] as? Int ?? 0
        #expect(opened.headers["location"] == "/v1/cases/vat-1" && openedAt > 1 && opened.headers["etag"] == "\"\(openedAt)\"")
        let again = try server.request("POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "k-open"], json: body)
        #expect(again.status == 201 && again.body == opened.body && again.headers["idempotent-replayed"] == "true")
        var changed = body
        changed["case"] = "vat-2"
        let reused = try server.request("POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "k-open"], json: changed)
        #expect(Self.isProblem(reused, 422, kind: "idempotency-key-reused"))
        let exists = try server.request("POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "k-open-2"], json: body)
        #expect(Self.isProblem(exists, 409, kind: "case-exists"))

        let read = try server.request("GET", "/v1/cases/vat-1", token: anna)
        #expect(read.status == 200 && read.headers["etag"] == "\"\(openedAt)\"")
        let tasks = read.json["tasks"] as? [[String: Any]] ?? []
        let task = tasks.first { $0["role"] as? String == "responsible-worker" }?["task"] as? String ?? "none"
        #expect(try server.request("GET", "/v1/cases/vat-1", token: anna, headers: ["If-None-Match": "\"\(openedAt)\""]).status == 304)
        let tag = "\"\(openedAt)\""

        let before = try setup.history("vat-1")
        let trace = setup.trace()
        let path = "/v1/cases/vat-1/tasks/\(task)/completion"
        var mark = try trace.mark()
        mark = try trace.expectRefused("a completion without If-Match", since: mark) {
            Self.isProblem(try server.request("POST", path, token: anna, headers: ["Idempotency-Key": "c1"], json: [:]), 428)
        }
        mark = try trace.expectRefused("a completion with a stale If-Match", since: mark) {
            let stale = try server.request("POST", path, token: anna, headers: ["Idempotency-Key": "c1", "If-Match": "\"999\""], json: [:])
            return Self.isProblem(stale, 412, kind: "stale-version") && stale.json["version"] as? String == String(openedAt)
        }
        try trace.expectRefused("the completion of a task the process does not have", since: mark) {
            let unknownTask = try server.request(
                "POST", "/v1/cases/vat-1/tasks/no-such-task/completion", token: anna, headers: ["Idempotency-Key": "c0", "If-Match": tag], json: [:])
            return Self.isProblem(unknownTask, 409, kind: "command-refused")
        }
        #expect(try setup.history("vat-1") == before)

        let done = try server.request("POST", path, token: anna, headers: ["Idempotency-Key": "c1", "If-Match": tag], json: [:])
        let doneAt = done.json["version"] as? Int ?? 0
        #expect(done.status == 200 && doneAt > openedAt && done.headers["etag"] == "\"\(doneAt)\"", "\(done.text)")
        #expect((done.json["appended"] as? [String])?.contains("TaskCompleted") == true)
        // The same request again (its If-Match now stale): the first answer, nothing appended.
        let afterCompletion = try setup.history("vat-1")
        #expect(afterCompletion > before)
        try trace.expectRefused("the completion replayed", since: try trace.mark()) {
            let replayed = try server.request("POST", path, token: anna, headers: ["Idempotency-Key": "c1", "If-Match": tag], json: [:])
            return replayed.status == 200 && replayed.body == done.body
        }
        #expect(try setup.history("vat-1") == afterCompletion)
    }

    @Test("bad input: malformed JSON, unknown members, wrong types, bad queries and large bodies name what is wrong")
    func badInput() throws {
        let setup = try Setup()
        let server = setup.server!
        let anna = setup.tokens["anna"]!
        let key = ["Idempotency-Key": "b1"]
        let malformed = try server.request("POST", "/v1/cases", token: anna, headers: key, body: Data("{\"process\": ".utf8))
        #expect(Self.isProblem(malformed, 400) && malformed.json["field"] as? String == "body")
        let unknown = try server.request("POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "b2"], json: ["process": "vat-generic", "colour": "red"])
        #expect(Self.isProblem(unknown, 422) && unknown.json["field"] as? String == "colour")
        let wrongType = try server.request(
            "POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "b3"], json: ["process": "vat-generic", "fields": ["releaseDate": ["x"]]])
        #expect(Self.isProblem(wrongType, 422) && wrongType.json["field"] as? String == "fields.releaseDate")
        let noProcess = try server.request("POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "b4"], json: ["process": "nope"])
        #expect(Self.isProblem(noProcess, 422) && noProcess.json["field"] as? String == "process")
        let badID = try server.request(
            "POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "b5"], json: ["process": "vat-generic", "case": "a b\u{0}"])
        #expect(Self.isProblem(badID, 422) && badID.json["field"] as? String == "case")
        let missing = try server.request(
            "POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "b6"], json: ["process": "vat-generic", "case": "vat-3"])
        #expect(Self.isProblem(missing, 409, kind: "command-refused"), "\(missing.text)")
        let limit = try server.request("GET", "/v1/tasks?limit=0", token: anna)
        #expect(Self.isProblem(limit, 422) && limit.json["field"] as? String == "limit")
        let date = try server.request("GET", "/v1/tasks?dueBefore=tomorrow", token: anna)
        #expect(Self.isProblem(date, 422) && date.json["field"] as? String == "dueBefore")
        let cursor = try server.request("GET", "/v1/cases?cursor=%%%", token: anna)
        #expect(Self.isProblem(cursor, 422, kind: "invalid-value") && cursor.json["field"] as? String == "cursor", "\(cursor.status) \(cursor.text)")
        let large = try server.request(
            "POST", "/v1/processes/validation", token: anna, headers: ["Content-Type": "application/yaml"],
            body: Data(repeating: 0x61, count: 600 * 1024))
        #expect(Self.isProblem(large, 413), "\(large.status) \(large.text.prefix(200))")
        let cases = try setup.cli(["cases", "--json"], as: "cora").stdout
        #expect((try JSONSerialization.jsonObject(with: Data(cases.utf8)) as? [Any])?.isEmpty == true, "\(cases)")
    }

    @Test("access matrix: sight follows lead organisation and consent, acts follow roles, refusals append nothing and leak nothing")
    func accessMatrix() throws {
        let setup = try Setup()
        let server = setup.server!
        let token = setup.tokens
        #expect(try setup.openCase().status == 201)
        let routes = ["/v1/cases/vat-1", "/v1/cases/vat-1/history", "/v1/cases/vat-1/access-log"]
        let trace = setup.trace()

        // Before consent: the lead organisation (prison) sees; landlord, adult social work and the chair's office do not.
        for path in routes {
            #expect(try server.request("GET", path, token: token["anna"]).status == 200, "\(path)")
            var mark = try trace.mark()
            for outsider in ["lisa", "bob", "carl"] {
                var hidden: RunningServer.Response?
                mark = try trace.expectRefused("\(outsider) GET \(path)", since: mark) {
                    hidden = try server.request("GET", path, token: token[outsider])
                    return Self.isProblem(try #require(hidden), 404)
                }
                var unknown: RunningServer.Response?
                mark = try trace.expectRefused("\(outsider) GET \(path) of another case", since: mark) {
                    unknown = try server.request("GET", path.replacingOccurrences(of: "vat-1", with: "vat-9"), token: token[outsider])
                    return Self.isProblem(try #require(unknown), 404)
                }
                #expect(hidden?.text == unknown?.text.replacingOccurrences(of: "vat-9", with: "vat-1"))
                #expect(hidden?.text.contains(Self.planted) == false)
            }
        }
        #expect(!(try server.request("GET", "/v1/cases", token: token["lisa"]).text.contains("vat-1")))
        #expect(try server.request("GET", "/v1/cases", token: token["anna"]).text.contains("vat-1"))
        let history = try setup.history("vat-1")
        let revision = try setup.revision("vat-1")

        // The wrong role: bob may not close a case he cannot see (404), carl may not complete anna's task.
        try trace.expectRefused("bob closing a case he cannot see", since: try trace.mark()) {
            let close = try server.request(
                "POST", "/v1/cases/vat-1/closure", token: token["bob"], headers: ["Idempotency-Key": "x1", "If-Match": "\"1\""], json: ["reason": "x"])
            return Self.isProblem(close, 404)
        }
        let consent = try server.request(
            "POST", "/v1/cases/vat-1/consent", token: token["anna"], headers: ["Idempotency-Key": "x2", "If-Match": revision],
            json: ["parties": ["prison", "landlord", "community-sanctions-office", "adult-social-work"]])
        #expect(consent.status == 200, "\(consent.text)")
        let version = consent.json["version"] as? Int ?? 0
        #expect(try server.request("GET", "/v1/cases/vat-1", token: token["lisa"]).text.contains(Self.planted))
        var mark = try trace.mark()
        mark = try trace.expectRefused("bob closing a case he does not lead", since: mark) {
            let notLead = try server.request(
                "POST", "/v1/cases/vat-1/closure", token: token["bob"], headers: ["Idempotency-Key": "x3", "If-Match": "\"\(version)\""],
                json: ["reason": "x"])
            return Self.isProblem(notLead, 403, kind: "forbidden") && notLead.json["detail"] as? String != nil
        }
        try trace.expectRefused("anna erasing", since: mark) {
            let erase = try server.request(
                "POST", "/v1/cases/vat-1/erasure", token: token["anna"], headers: ["Idempotency-Key": "x4", "If-Match": "\"\(version)\""],
                json: ["reason": "x"])
            return Self.isProblem(erase, 403) && (erase.json["detail"] as? String)?.contains("coordinator") == true
        }
        // A coordinator of a party the consent names sees the case, but erases only their own organisation's.
        try trace.expectRefused("cora erasing another organisation's case", since: try trace.mark()) {
            let erase = try server.request(
                "POST", "/v1/cases/vat-1/erasure", token: token["cora"], headers: ["Idempotency-Key": "x4c", "If-Match": "\"\(version)\""],
                json: ["reason": "x"])
            return Self.isProblem(erase, 403) && (erase.json["detail"] as? String)?.contains("of its lead organisation 'prison'") == true
        }
        #expect(try setup.history("vat-1") == history + ((consent.json["appended"] as? [Any])?.count ?? 0))
        let readsNow = try setup.cli(["access-log", "vat-1", "--json"], as: "pia").stdout

        // After withdrawal the consent's parties see nothing again.
        #expect(try setup.revision("vat-1") == "\"\(version)\"")
        let withdrawn = try server.request(
            "POST", "/v1/cases/vat-1/consent-withdrawal", token: token["anna"],
            headers: ["Idempotency-Key": "x5", "If-Match": "\"\(version)\""], json: [:])
        #expect(withdrawn.status == 200, "\(withdrawn.text)")
        #expect(Self.isProblem(try server.request("GET", "/v1/cases/vat-1", token: token["lisa"]), 404))
        #expect(readsNow.contains("lisa"))

        // A lawful override lets olga read, not act; the read is marked in the access log.
        try trace.expectRefused("olga reading without an override", since: try trace.mark()) {
            Self.isProblem(try server.request("GET", "/v1/cases/vat-1", token: token["olga"]), 404)
        }
        let granted = try setup.cli(
            ["override", "vat-1", "--reason", "child protection assessment", "--basis", "Child Welfare Act 417/2007, section 25"], as: "olga")
        #expect(granted.status == 0, "\(granted.stderr)")
        #expect(try server.request("GET", "/v1/cases/vat-1", token: token["olga"]).status == 200)
        try trace.expectRefused("olga closing under an override", since: try trace.mark()) {
            let underOverride = try server.request(
                "POST", "/v1/cases/vat-1/closure", token: token["olga"], headers: ["Idempotency-Key": "x7", "If-Match": "\"\(version + 1)\""],
                json: ["reason": "x"])
            return Self.isProblem(underOverride, 403)
        }
        let marked = try server.request("GET", "/v1/cases/vat-1/access-log", token: token["anna"])
        #expect(marked.text.contains("olga"))
        #expect(try setup.cli(["access-log", "vat-1", "--json"], as: "pia").stdout.contains("child protection assessment"))

        // With the consent withdrawn, another organisation's coordinator does not even see the case.
        let current = try setup.revision("vat-1")
        try trace.expectRefused("cora erasing a case she does not see", since: try trace.mark()) {
            let erase = try server.request(
                "POST", "/v1/cases/vat-1/erasure", token: token["cora"], headers: ["Idempotency-Key": "x6c", "If-Match": current],
                json: ["reason": "x"])
            return Self.isProblem(erase, 404)
        }
        // The lead organisation's coordinator erases; the planted value is gone from every answer.
        let erased = try server.request(
            "POST", "/v1/cases/vat-1/erasure", token: token["pia"], headers: ["Idempotency-Key": "x6", "If-Match": current],
            json: ["reason": "retention period ended"])
        #expect(erased.status == 200, "\(erased.text)")
        #expect(!(try server.request("GET", "/v1/cases/vat-1", token: token["anna"]).text.contains(Self.planted)))

        // Refusals are security events; the value never reached metrics or the server's log.
        let refusals = try setup.cli(["principals", "refusals"], as: "cora").stdout
        #expect(refusals.contains("bob") && refusals.contains("forbidden") && refusals.contains("lisa"))
        #expect(!(try server.request("GET", "/metrics").text.contains(Self.planted)))
        let log = setup.server.stop().stderr
        #expect(!log.contains(Self.planted))
    }

    @Test("access matrix by route: no token, expired token, another organisation and the wrong role are refused, and append nothing")
    func accessMatrixByRoute() throws {
        let setup = try Setup()
        let server = setup.server!
        let token = setup.tokens
        #expect(try setup.openCase().status == 201)
        // The consent names the chair's office (carl, who holds no responsible-worker role), not the landlord.
        let revision = try setup.revision("vat-1")
        #expect(try server.request(
            "POST", "/v1/cases/vat-1/consent", token: token["anna"], headers: ["Idempotency-Key": "m0", "If-Match": revision],
            json: ["parties": ["prison", "community-sanctions-office"]]).status == 200)
        let current = try setup.revision("vat-1")
        let expired = try setup.token(for: "anna", now: "2026-01-01", days: 1)
        let reads = ["/v1/cases/vat-1", "/v1/cases/vat-1/history", "/v1/cases/vat-1/access-log"]
        let commands: [(path: String, body: [String: Any])] = [
            ("/v1/cases/vat-1/fields", ["values": ["sentence": "prison"]]),
            ("/v1/cases/vat-1/events", ["event": "meeting-held"]),
            ("/v1/cases/vat-1/consent", ["parties": ["landlord"]]),
            ("/v1/cases/vat-1/consent-withdrawal", [:]),
            ("/v1/cases/vat-1/disclosures", ["party": "prison", "purpose": "memo"]),
            ("/v1/cases/vat-1/handover", ["to": "bob"]),
            ("/v1/cases/vat-1/closure", ["reason": "moved away"]),
            ("/v1/cases/vat-1/erasure", ["reason": "retention ended"]),
            ("/v1/cases/vat-1/migration", ["process": "vat-generic"]),
        ]
        let before = try setup.history("vat-1")
        let trace = setup.trace()
        var key = 0
        func send(_ method: String, _ path: String, _ who: String?, _ body: [String: Any]?) throws -> RunningServer.Response {
            key += 1
            let bearer = who == "expired" ? expired : who.flatMap { token[$0] }
            guard let body else { return try server.request(method, path, token: bearer) }
            return try server.request(method, path, token: bearer, headers: ["Idempotency-Key": "m\(key)", "If-Match": current], json: body)
        }
        for path in reads {
            var mark = try trace.mark()
            mark = try trace.expectRefused("GET \(path) without a token", since: mark) { Self.isProblem(try send("GET", path, nil, nil), 401) }
            mark = try trace.expectRefused("GET \(path) with an expired token", since: mark) {
                Self.isProblem(try send("GET", path, "expired", nil), 401)
            }
            try trace.expectRefused("GET \(path) by another organisation", since: mark) { Self.isProblem(try send("GET", path, "lisa", nil), 404) }
            #expect(try send("GET", path, "carl", nil).status == 200, "\(path) by a party the consent names")
            #expect(try send("GET", path, "anna", nil).status == 200, "\(path) by the responsible worker")
        }
        var mark = try trace.mark()
        for (path, body) in commands {
            mark = try trace.expectRefused("POST \(path) without a token", since: mark) { Self.isProblem(try send("POST", path, nil, body), 401) }
            mark = try trace.expectRefused("POST \(path) with an expired token", since: mark) {
                Self.isProblem(try send("POST", path, "expired", body), 401)
            }
            mark = try trace.expectRefused("POST \(path) by another organisation", since: mark) {
                Self.isProblem(try send("POST", path, "lisa", body), 404)
            }
            mark = try trace.expectRefused("POST \(path) by the wrong role", since: mark) {
                Self.isProblem(try send("POST", path, "carl", body), 403, kind: "forbidden")
            }
        }
        #expect(try setup.history("vat-1") == before, "refused requests appended to the case")
        // The right role: the coordinator migrates, the responsible worker records.
        #expect(try send("POST", "/v1/cases/vat-1/fields", "anna", ["values": ["sentence": "prison"]]).status == 200)
    }

    @Test("claims: a chair claims a chair task and the task lists show claimedBy; the wrong role is 403, another claim 409")
    func claims() throws {
        let setup = try Setup()
        let server = setup.server!
        let (anna, carl) = (setup.tokens["anna"]!, setup.tokens["carl"]!)
        #expect(try setup.openCase().status == 201)
        let consent = try server.request(
            "POST", "/v1/cases/vat-1/consent", token: anna,
            headers: ["Idempotency-Key": "consent-1", "If-Match": try setup.revision("vat-1")], json: ["parties": ["prison", "community-sanctions-office"]])
        #expect(consent.status == 200, "\(consent.text)")
        let trace = setup.trace()

        // anna sees the case but does not hold 'chair'.
        let revision = try setup.revision("vat-1")
        try trace.expectRefused("anna claiming a chair's task", since: try trace.mark()) {
            let forbidden = try server.request(
                "POST", "/v1/cases/vat-1/tasks/invite-prison/claim", token: anna,
                headers: ["Idempotency-Key": "claim-anna", "If-Match": revision])
            return Self.isProblem(forbidden, 403, kind: "forbidden") && forbidden.text.contains("'chair'")
        }

        let claimed = try server.request(
            "POST", "/v1/cases/vat-1/tasks/invite-prison/claim", token: carl,
            headers: ["Idempotency-Key": "claim-carl", "If-Match": try setup.revision("vat-1")])
        #expect(claimed.status == 200 && claimed.json["appended"] as? [String] == ["TaskClaimed"], "\(claimed.text)")
        let list = try server.request("GET", "/v1/tasks?mine=true", token: carl).json["tasks"] as? [[String: Any]] ?? []
        let row = list.first { $0["case"] as? String == "vat-1" && $0["task"] as? String == "invite-prison" }
        #expect(row?["claimedBy"] as? String == "carl", "\(list)")
        #expect(list.filter { $0["task"] as? String != "invite-prison" }.allSatisfy { $0["claimedBy"] is NSNull })
        let card = (try server.request("GET", "/v1/cases/vat-1", token: carl).json["tasks"] as? [[String: Any]] ?? [])
            .first { $0["task"] as? String == "invite-prison" }
        #expect(card?["claimedBy"] as? String == "carl")

        // Only carl may give it back; cora (a coordinator, not a chair) is refused by role.
        let claimedRevision = try setup.revision("vat-1")
        try trace.expectRefused("cora giving back carl's claim", since: try trace.mark()) {
            let notHers = try server.request(
                "POST", "/v1/cases/vat-1/tasks/invite-prison/unclaim", token: setup.tokens["cora"],
                headers: ["Idempotency-Key": "unclaim-cora", "If-Match": claimedRevision])
            return Self.isProblem(notHers, 403)
        }
        let unclaimed = try server.request(
            "POST", "/v1/cases/vat-1/tasks/invite-prison/unclaim", token: carl,
            headers: ["Idempotency-Key": "unclaim-carl", "If-Match": try setup.revision("vat-1")])
        #expect(unclaimed.status == 200 && unclaimed.json["appended"] as? [String] == ["TaskUnclaimed"], "\(unclaimed.text)")
        let notClaimed = try server.request(
            "POST", "/v1/cases/vat-1/tasks/invite-prison/unclaim", token: carl,
            headers: ["Idempotency-Key": "unclaim-carl-2", "If-Match": try setup.revision("vat-1")])
        #expect(Self.isProblem(notClaimed, 409, kind: "command-refused") && notClaimed.text.contains("not claimed"), "\(notClaimed.text)")
    }

    @Test("task lists: my tasks, by role, ETag/If-None-Match, cursor pages, and a long poll that wakes on a change")
    func taskLists() throws {
        let setup = try Setup()
        let server = setup.server!
        let anna = setup.tokens["anna"]!
        for id in ["vat-1", "vat-2", "vat-3"] { #expect(try setup.openCase(id).status == 201) }
        let all = try server.request("GET", "/v1/tasks?mine=true", token: anna)
        let tasks = all.json["tasks"] as? [[String: Any]] ?? []
        #expect(all.status == 200 && tasks.count >= 3, "\(all.text)")
        let tag = all.headers["etag"] ?? ""
        #expect(try server.request("GET", "/v1/tasks?mine=true", token: anna, headers: ["If-None-Match": tag]).status == 304)

        var seen: [String] = []
        var cursor: String? = nil
        repeat {
            let page = try server.request("GET", "/v1/tasks?mine=true&limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: anna)
            let items = page.json["tasks"] as? [[String: Any]] ?? []
            #expect(items.count <= 2)
            seen += items.map { "\($0["case"] ?? "")/\($0["task"] ?? "")" }
            cursor = page.json["next"] as? String
        } while cursor != nil
        #expect(seen.count == tasks.count && Set(seen).count == seen.count)
        #expect((try server.request("GET", "/v1/tasks", token: setup.tokens["lisa"]).json["tasks"] as? [Any])?.isEmpty == true)
        let agenda = try server.request("GET", "/v1/meetings/agenda?process=vat-generic", token: anna)
        let agendas = agenda.json["agendas"] as? [[String: Any]] ?? []
        #expect(agenda.status == 200 && agendas.first?["process"] as? String == "vat-generic", "\(agenda.text)")
        #expect(Self.isProblem(try server.request("GET", "/v1/meetings/agenda?process=nope", token: anna), 404))

        // Nothing changes: the long poll answers empty after its wait.
        let position = all.json["position"] as? Int ?? 0
        let quiet = try server.request("GET", "/v1/tasks/changes?after=\(position)&wait=1", token: anna)
        #expect(quiet.status == 200 && (quiet.json["changedCases"] as? [Any])?.isEmpty == true)
        // A change from another process (the command line) wakes it: the answer comes
        // soon after the write, not when its 30-second wait runs out (which would name the
        // change all the same).
        let task = try #require(tasks.first { $0["case"] as? String == "vat-2" }?["task"] as? String)
        let done = ResponseBox()
        let poller = Thread {
            done.set(try? server.request("GET", "/v1/tasks/changes?after=\(position)&wait=30", token: anna))
        }
        poller.start()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!done.isSet, "the long poll answered before anything changed")
        #expect(try setup.cli(["complete", "vat-2", task], as: "anna").status == 0)
        let written = ContinuousClock.now
        let woke = done.wait()
        let answeredAfter = ContinuousClock.now - written
        #expect(answeredAfter < .seconds(10), "the long poll answered \(answeredAfter) after the write")
        #expect(woke?.status == 200 && (woke?.json["changedCases"] as? [String]) == ["vat-2"], "\(woke?.text ?? "none")")
        #expect((woke?.json["position"] as? Int ?? 0) > position)
    }

    @Test("process files: list, read, and validate a posted file with line and column")
    func processFiles() throws {
        let setup = try Setup()
        let server = setup.server!
        let anna = setup.tokens["anna"]!
        let list = try server.request("GET", "/v1/processes", token: anna)
        #expect(list.status == 200 && list.text.contains("vat-generic"))
        #expect(try server.request("GET", "/v1/processes/vat-generic", token: anna).json["id"] as? String == "vat-generic")
        #expect(Self.isProblem(try server.request("GET", "/v1/processes/nope", token: anna), 404))
        let broken = """
            process: tiny
            title: Tiny
            calendar: fi
            fields:
              start: { type: date, title: Start }
            states:
              open:
                title: Open
                tasks:
                  - id: call
                    title: Call
                    role: worker
                    due: start + 3 workin days
            """
        let checked = try server.request(
            "POST", "/v1/processes/validation?name=tiny.yaml", token: anna, headers: ["Content-Type": "application/yaml"],
            body: Data(broken.utf8))
        #expect(checked.status == 200 && checked.json["valid"] as? Bool == false, "\(checked.text)")
        let diagnostics = checked.json["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.contains { ($0["line"] as? Int ?? 0) > 0 && ($0["column"] as? Int ?? 0) > 0 && $0["file"] as? String == "tiny.yaml" })

        // A valid file previews its impact on the open cases the caller sees.
        #expect(try setup.openCase().status == 201)
        let file = try Data(contentsOf: URL(fileURLWithPath: Self.processes).appendingPathComponent("vat-generic.yaml"))
        let preview = try server.request(
            "POST", "/v1/processes/validation?name=vat-generic.yaml", token: anna, headers: ["Content-Type": "application/yaml"], body: file)
        let impact = preview.json["impact"] as? [String: Any] ?? [:]
        #expect(preview.json["valid"] as? Bool == true && (impact["cases"] as? [[String: Any]])?.first?["case"] as? String == "vat-1", "\(preview.text)")
        let hidden = try server.request(
            "POST", "/v1/processes/validation?name=vat-generic.yaml", token: setup.tokens["lisa"], headers: ["Content-Type": "application/yaml"], body: file)
        #expect(((hidden.json["impact"] as? [String: Any])?["cases"] as? [Any])?.isEmpty == true)
    }
}

private final class ResponseBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var response: RunningServer.Response??

    func set(_ response: RunningServer.Response?) {
        condition.lock()
        self.response = .some(response)
        condition.broadcast()
        condition.unlock()
    }

    var isSet: Bool {
        condition.lock()
        defer { condition.unlock() }
        return response != nil
    }

    func wait() -> RunningServer.Response? {
        condition.lock()
        defer { condition.unlock() }
        while response == nil { condition.wait() }
        return response!
    }
}
