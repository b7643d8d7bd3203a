import Foundation
import Testing
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The server's answers to an attacker with only a browser or an account in another
/// organisation: each test sends the real requests to `aso-engine serve` on loopback.
@Suite("Server hardening", .serialized)
struct ServerHardeningTests {
    typealias Setup = APIServerTests.Setup

    static let form = "application/x-www-form-urlencoded"

    // MARK: Open redirects

    @Test("a return path with a tab, a line break, a space, a backslash, a scheme or a host returns to /tasks, on every sign-in and the language switch")
    func openRedirect() throws {
        let setup = try Setup()
        let server = setup.server!
        let leaving = [
            "/%09/evil.example/", "/%0A/evil.example/", "/%0D/evil.example/", "/%20/evil.example/", "/%5Cevil.example/",
            "/%5C%5Cevil.example/", "//evil.example/", "https://evil.example/", "/%7F/evil.example/", "/%C2%A0/evil.example/",
            "%2F%09%2Fevil.example%2F",
        ]
        for target in leaving {
            let switched = try server.request("GET", "/language?to=en&return=\(target)")
            #expect(switched.status == 303 && switched.headers["location"] == "/tasks", "\(target): \(switched.headers["location"] ?? "none")")
        }
        // A path of this site is kept as it is.
        let kept = try server.request("GET", "/language?to=en&return=%2Fcases%2Fvat-1%3Fhistory%3Dall")
        #expect(kept.headers["location"] == "/cases/vat-1?history=all")

        // The token sign-in: the form's return, and the one the sign-in page puts in its form.
        for target in ["/%09/evil.example/", "/%5Cevil.example/"] {
            let page = try server.request("GET", "/sign-in?return=\(target)")
            #expect(WebPageTests.hidden("return", in: page.text) == "/tasks", "\(target)")
            let cookie = try #require(WebPageTests.cookie(named: "aso_signin", in: page))
            let csrf = try #require(WebPageTests.hidden("_csrf", in: page.text))
            let signedIn = try server.request(
                "POST", "/sign-in", headers: ["Cookie": "aso_signin=\(cookie)", "Content-Type": Self.form],
                body: Data("_csrf=\(csrf)&token=\(setup.tokens["anna"] ?? "")&return=\(target)".utf8))
            #expect(signedIn.status == 303 && signedIn.headers["location"] == "/tasks", "\(target): \(signedIn.headers["location"] ?? "none")")
        }
        _ = server.stop()
    }

    // MARK: System streams

    @Test("every $-stream is 'does not exist' on every case route, exactly as an unknown case, on the API and the web page")
    func systemStreams() throws {
        let setup = try Setup()
        let server = setup.server!
        #expect(try setup.openCase().status == 201)
        // A refusal, so that $security holds an event.
        #expect(try server.request("GET", "/v1/cases/vat-1", token: setup.tokens["lisa"]).status == 404)
        let anna = setup.tokens["anna"]!
        let (cookie, csrf) = try WebPageTests.signIn(setup, "anna")
        func answers(_ id: String) throws -> [String] {
            var bodies: [String] = []
            for path in ["", "/history", "/access-log", "/tasks/call/explanation"] {
                let answer = try server.request("GET", "/v1/cases/\(id)\(path)", token: anna)
                bodies.append("GET \(path) \(answer.status) \(answer.text)")
            }
            for path in ["/consent", "/closure"] {
                let answer = try server.request(
                    "POST", "/v1/cases/\(id)\(path)", token: anna, headers: ["Idempotency-Key": "k-\(id)\(path)", "If-Match": "\"1\""],
                    json: path == "/consent" ? ["parties": ["prison"]] : ["reason": "done"])
                bodies.append("POST \(path) \(answer.status) \(answer.text)")
            }
            let page = try server.request("GET", "/cases/\(id)", headers: ["Cookie": cookie])
            let explanation = try server.request("GET", "/cases/\(id)/tasks/call/explanation", headers: ["Cookie": cookie])
            let posted = try server.request(
                "POST", "/cases/\(id)/consent", headers: ["Cookie": cookie, "Content-Type": Self.form],
                body: Data("party=prison&_csrf=\(csrf)".utf8))
            for (name, answer) in [("page", page), ("explanation page", explanation), ("consent form", posted)] {
                let message = answer.text.components(separatedBy: "notice-error\" role=\"alert\"><p>").dropFirst().first?.prefix { $0 != "<" } ?? ""
                bodies.append("\(name) \(answer.status) \(message)")
            }
            return bodies.map { $0.replacingOccurrences(of: id, with: "ID") }
        }
        let unknown = try answers("no-such-case")
        #expect(unknown.allSatisfy { $0.contains(" 404 ") }, "\(unknown)")
        let before = try setup.cli(["verify", "--json"], as: "cora").stdout
        for stream in ["$tokens", "$security", "$overrides", "$principals", "$log-chain"] {
            let answered = try answers(stream)
            #expect(answered == unknown, "\(stream): \(answered)")
        }
        #expect(try setup.cli(["verify", "--json"], as: "cora").stdout == before)
        _ = server.stop()
    }

    // MARK: Ids outside ASCII

    @Test("a case id outside ASCII is found by its percent-encoded path, composed or not, on the API and the web page; an id mixing scripts is refused")
    func nonASCIIIds() throws {
        let setup = try Setup()
        let server = setup.server!
        let anna = setup.tokens["anna"]!
        // Idempotency keys are ASCII; the case ids are not.
        func open(_ id: String, key: String) throws -> RunningServer.Response {
            try server.request(
                "POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": key],
                json: ["process": "vat-generic", "case": id, "responsibleWorker": "anna", "fields": ["releaseDate": "2026-12-23"]])
        }
        let opened = try open("käsi-1", key: "open-1")
        #expect(opened.status == 201, "\(opened.text)")
        #expect(opened.headers["location"] == "/v1/cases/käsi-1" || opened.headers["location"] == "/v1/cases/k%C3%A4si-1", "\(opened.headers)")
        for path in ["k%C3%A4si-1", "ka%CC%88si-1"] {
            let read = try server.request("GET", "/v1/cases/\(path)", token: anna)
            #expect(read.status == 200 && read.json["case"] as? String == "käsi-1", "\(path): \(read.status) \(read.text.prefix(200))")
            let log = try server.request("GET", "/v1/cases/\(path)/access-log", token: anna)
            #expect(log.status == 200 && (log.json["reads"] as? [Any])?.isEmpty == false, "\(path): \(log.status)")
            let history = try server.request("GET", "/v1/cases/\(path)/history", token: anna)
            #expect(history.status == 200 && (history.json["events"] as? [Any])?.isEmpty == false)
        }
        let (cookie, _) = try WebPageTests.signIn(setup, "anna")
        let page = try server.request("GET", "/cases/k%C3%A4si-1", headers: ["Cookie": cookie + "; aso_lang=en"])
        #expect(page.status == 200 && page.text.contains("käsi-1"), "\(page.status)")
        // The page's own access log lists its read.
        #expect(page.text.contains("web: case page"))
        // A bad escape is a 400 naming the segment, never a 500.
        let broken = try server.request("GET", "/v1/cases/k%C3si-1", token: anna)
        #expect(APIServerTests.isProblem(broken, 400) && broken.json["field"] as? String == "case", "\(broken.status) \(broken.text)")

        // Look-alikes: a Cyrillic а in a Latin id is refused, naming the field; one script is fine.
        let mixed = try open("case-\u{430}", key: "open-2")
        #expect(APIServerTests.isProblem(mixed, 422) && mixed.json["field"] as? String == "case", "\(mixed.status) \(mixed.text)")
        #expect((mixed.json["detail"] as? String)?.contains("scripts") == true, "\(mixed.text)")
        #expect(try open("дело-1", key: "open-3").status == 201)
        #expect(try open("ケース1件", key: "open-4").status == 201)
        #expect(try open("Käsi-ケース", key: "open-5").status == 201)
        _ = server.stop()
    }

    // MARK: Idempotency keys and If-Match

    @Test("Idempotency-Key belongs to its caller: another caller's key is new, not 'already used'; If-Match refuses a weak tag")
    func idempotencyAndWeakTags() throws {
        let setup = try Setup()
        let server = setup.server!
        let anna = setup.tokens["anna"]!
        let bob = setup.tokens["bob"]!
        let key = ["Idempotency-Key": "shared-key"]
        let opened = try server.request(
            "POST", "/v1/cases", token: anna, headers: key,
            json: ["process": "vat-generic", "case": "vat-1", "responsibleWorker": "anna", "fields": ["releaseDate": "2026-12-23"]])
        #expect(opened.status == 201)
        let bobs: [String: Any] = ["process": "vat-generic", "case": "bob-1", "responsibleWorker": "bob", "fields": ["releaseDate": "2026-12-20"]]
        let other = try server.request("POST", "/v1/cases", token: bob, headers: key, json: bobs)
        #expect(other.status == 201 && other.json["case"] as? String == "bob-1", "\(other.status) \(other.text)")
        let replayed = try server.request("POST", "/v1/cases", token: bob, headers: key, json: bobs)
        #expect(replayed.status == 201 && replayed.headers["idempotent-replayed"] == "true" && replayed.body == other.body)
        // Anna's own key, for another request, is still hers and refused.
        var changed = bobs
        changed["case"] = "vat-2"
        changed["responsibleWorker"] = "anna"
        #expect(APIServerTests.isProblem(try server.request("POST", "/v1/cases", token: anna, headers: key, json: changed), 422, kind: "idempotency-key-reused"))

        let revision = try setup.revision("vat-1")
        let before = try setup.history("vat-1")
        let weak = try server.request(
            "POST", "/v1/cases/vat-1/consent", token: anna, headers: ["Idempotency-Key": "weak-1", "If-Match": "W/\(revision)"],
            json: ["parties": ["prison"]])
        #expect(APIServerTests.isProblem(weak, 412, kind: "weak-etag") && weak.json["field"] as? String == "If-Match", "\(weak.status) \(weak.text)")
        #expect(try setup.history("vat-1") == before)
        let strong = try server.request(
            "POST", "/v1/cases/vat-1/consent", token: anna, headers: ["Idempotency-Key": "strong-1", "If-Match": revision],
            json: ["parties": ["prison"]])
        #expect(strong.status == 200, "\(strong.text)")
        _ = server.stop()
    }

    // MARK: Reads of explanations

    /// The reads recorded in a case's access log, as its lead worker sees them.
    static func reads(_ setup: Setup, _ caseID: String) throws -> [[String: Any]] {
        let log = try setup.server.request("GET", "/v1/cases/\(caseID)/access-log", token: setup.tokens["anna"])
        return log.json["reads"] as? [[String: Any]] ?? []
    }

    @Test("'why this date?' on the API and the web page records the read of the personal dates it shows")
    func explanationReads() throws {
        let setup = try Setup()
        let server = setup.server!
        #expect(try setup.openCase().status == 201)
        let anna = setup.tokens["anna"]!
        let tasks = try server.request("GET", "/v1/cases/vat-1", token: anna).json["tasks"] as? [[String: Any]] ?? []
        let task = try #require(tasks.first?["task"] as? String)
        let before = try Self.reads(setup, "vat-1").count
        let explained = try server.request("GET", "/v1/cases/vat-1/tasks/\(task)/explanation", token: anna)
        #expect(explained.status == 200 && explained.text.contains("releaseDate"), "\(explained.text.prefix(300))")
        var reads = try Self.reads(setup, "vat-1")
        #expect(reads.count == before + 1)
        #expect(reads.last?["purpose"] as? String == "api: explain" && (reads.last?["fields"] as? [String])?.contains("releaseDate") == true, "\(reads.last ?? [:])")

        let (cookie, _) = try WebPageTests.signIn(setup, "anna")
        let page = try server.request("GET", "/cases/vat-1/tasks/\(task)/explanation", headers: ["Cookie": cookie])
        #expect(page.status == 200)
        reads = try Self.reads(setup, "vat-1")
        #expect(reads.count == before + 2 && reads.last?["purpose"] as? String == "web: explain", "\(reads.last ?? [:])")
        // A purpose too long is refused, naming it, and records nothing.
        let long = String(repeating: "x", count: 201)
        let refused = try server.request("GET", "/v1/cases/vat-1/tasks/\(task)/explanation?purpose=\(long)", token: anna)
        #expect(APIServerTests.isProblem(refused, 422) && refused.json["field"] as? String == "purpose")
        #expect(try Self.reads(setup, "vat-1").count == before + 2)
        _ = server.stop()
    }

    // MARK: The agenda and purposes

    @Test("the agenda says nothing of cases the caller cannot see; a purpose is bounded, with a 422 naming it")
    func agendaAndPurpose() throws {
        let setup = try Setup()
        let server = setup.server!
        #expect(try setup.openCase().status == 201)
        let lisa = setup.tokens["lisa"]!
        let agenda = try server.request("GET", "/v1/meetings/agenda", token: lisa)
        #expect(agenda.status == 200 && (agenda.json["agendas"] as? [Any])?.isEmpty == true, "\(agenda.text)")
        let followed = try server.request("GET", "/v1/meetings/agenda?process=vat-generic", token: lisa)
        let unknown = try server.request("GET", "/v1/meetings/agenda?process=no-such-process", token: lisa)
        #expect(followed.status == unknown.status, "\(followed.status) \(followed.text) vs \(unknown.status)")
        #expect(followed.text.replacingOccurrences(of: "vat-generic", with: "P") == unknown.text.replacingOccurrences(of: "no-such-process", with: "P"))
        // The lead worker still sees the process's agenda.
        let own = try server.request("GET", "/v1/meetings/agenda?process=vat-generic", token: setup.tokens["anna"])
        #expect(own.status == 200 && (own.json["agendas"] as? [Any])?.count == 1, "\(own.text)")
        // The web page's meetings say nothing either.
        let (cookie, _) = try WebPageTests.signIn(setup, "lisa")
        let page = try server.request("GET", "/meetings", headers: ["Cookie": cookie + "; aso_lang=en"])
        #expect(page.status == 200 && !page.text.contains("class=\"agenda\""), "\(page.text.suffix(800))")

        let anna = setup.tokens["anna"]!
        let before = try Self.reads(setup, "vat-1").count
        let long = try server.request("GET", "/v1/cases/vat-1?purpose=\(String(repeating: "p", count: 201))", token: anna)
        #expect(APIServerTests.isProblem(long, 422) && long.json["field"] as? String == "purpose", "\(long.status) \(long.text)")
        let big = try server.request("GET", "/v1/cases/vat-1?purpose=\(String(repeating: "p", count: 60_000))", token: anna)
        #expect(big.status >= 400 && big.status < 500, "\(big.status)")
        #expect(try Self.reads(setup, "vat-1").count == before)
        let fits = try server.request("GET", "/v1/cases/vat-1?purpose=\(String(repeating: "p", count: 200))", token: anna)
        #expect(fits.status == 200)
        let history = try setup.history("vat-1")
        let disclosure = try server.request(
            "POST", "/v1/cases/vat-1/disclosures", token: anna,
            headers: ["Idempotency-Key": "disclose-1", "If-Match": try setup.revision("vat-1")],
            json: ["party": "landlord", "purpose": String(repeating: "d", count: 60_000)])
        #expect(APIServerTests.isProblem(disclosure, 422) && disclosure.json["field"] as? String == "purpose", "\(disclosure.status) \(disclosure.text.prefix(300))")
        #expect(try setup.history("vat-1") == history)
        _ = server.stop()
    }

    // MARK: Opening under a taken id

    @Test("opening a case under a taken id answers the same whether the caller sees that case or not, and is a security event")
    func takenIds() throws {
        let setup = try Setup()
        let server = setup.server!
        #expect(try setup.openCase().status == 201)
        let body: [String: Any] = ["process": "vat-generic", "case": "vat-1", "fields": ["releaseDate": "2026-12-23"]]
        let unseen = try server.request("POST", "/v1/cases", token: setup.tokens["lisa"], headers: ["Idempotency-Key": "probe-1"], json: body)
        let seen = try server.request("POST", "/v1/cases", token: setup.tokens["anna"], headers: ["Idempotency-Key": "probe-1"], json: body)
        #expect(APIServerTests.isProblem(unseen, 409, kind: "case-exists") && unseen.json["field"] as? String == "case", "\(unseen.text)")
        #expect(unseen.status == seen.status && unseen.body == seen.body, "\(unseen.text) vs \(seen.text)")
        #expect(unseen.headers.keys.sorted() == seen.headers.keys.sorted())
        // Nothing appended to the case; the probe is in the security events.
        let refusals = try setup.cli(["principals", "refusals"], as: "cora").stdout
        let row = refusals.split(separator: "\n").first { $0.contains("lisa") && $0.contains(" open ") }
        #expect(row?.contains("vat-1") == true && row?.contains("caseIDTaken") == true, "\(refusals)")
        _ = server.stop()
    }
}
