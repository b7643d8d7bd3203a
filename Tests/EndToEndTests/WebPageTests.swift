import Foundation
import Testing
import WorkflowKitTesting

/// The web page's security and language rules over real HTTP (the journeys a person
/// makes run in a real browser: Tests/browser/web_journeys.py).
@Suite("Web page", .serialized)
struct WebPageTests {
    /// Signs `actor` in through the sign-in form; returns the session cookie and the page's CSRF token.
    static func signIn(_ setup: APIServerTests.Setup, _ actor: String) throws -> (cookie: String, csrf: String) {
        let form = try setup.server.request("GET", "/sign-in")
        let signInCookie = try #require(cookie(named: "aso_signin", in: form))
        let csrf = try #require(hidden("_csrf", in: form.text))
        let body = "_csrf=\(csrf)&token=\(setup.tokens[actor] ?? "")"
        let signedIn = try setup.server.request(
            "POST", "/sign-in", headers: ["Cookie": "aso_signin=\(signInCookie)", "Content-Type": "application/x-www-form-urlencoded"],
            body: Data(body.utf8))
        #expect(signedIn.status == 303)
        let session = try #require(cookie(named: "aso_session", in: signedIn))
        let page = try setup.server.request("GET", "/calendar", headers: ["Cookie": "aso_session=\(session)"])
        return ("aso_session=\(session)", try #require(hidden("_csrf", in: page.text)))
    }

    static func cookie(named name: String, in response: RunningServer.Response) -> String? {
        for line in (response.headers["set-cookie"] ?? "").split(separator: "\n") where line.hasPrefix("\(name)=") {
            return String(line.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test("Cookies are HttpOnly and SameSite=Strict; a form without its CSRF token changes nothing")
    func sessionsAndForgery() throws {
        let setup = try APIServerTests.Setup()
        #expect(try setup.openCase().status == 201)
        let form = try setup.server.request("GET", "/sign-in")
        let setCookie = form.headers["set-cookie"] ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        #expect(form.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
        // A page's other methods are 405 with Allow, as the API's are.
        let wrongMethod = try setup.server.request("GET", "/sign-out")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"] == "POST")

        // Without the sign-in form's cookie, a posted token does not sign in.
        let forged = try setup.server.request(
            "POST", "/sign-in", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Data("_csrf=abc&token=\(setup.tokens["anna"] ?? "")".utf8))
        #expect(forged.status == 403)
        #expect(WebPageTests.cookie(named: "aso_session", in: forged) == nil)

        let (cookie, csrf) = try WebPageTests.signIn(setup, "anna")
        let before = try setup.history("vat-1")
        // Consent posted without the CSRF token, or with another one: refused, nothing appended.
        for body in ["party=prison", "party=prison&_csrf=\(String(repeating: "0", count: csrf.count))"] {
            let refused = try setup.server.request(
                "POST", "/cases/vat-1/consent", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"],
                body: Data(body.utf8))
            #expect(refused.status == 403)
        }
        #expect(try setup.history("vat-1") == before)
        // With it: done, and a second send of the same form appends once.
        let body = Data("party=prison&_csrf=\(csrf)&_command=consent-1".utf8)
        var counts: [Int] = []
        for _ in 0..<2 {
            let done = try setup.server.request(
                "POST", "/cases/vat-1/consent", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"], body: body)
            #expect(done.status == 303, "\(done.text.components(separatedBy: "role=\"alert\"").last?.prefix(300) ?? "")")
            counts.append(try setup.history("vat-1"))
        }
        #expect(counts[0] > before && counts[1] == counts[0], "\(before) then \(counts)")
        // Signed out, the session cookie opens nothing.
        _ = try setup.server.request(
            "POST", "/sign-out", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"], body: Data("_csrf=\(csrf)".utf8))
        let after = try setup.server.request("GET", "/tasks", headers: ["Cookie": cookie])
        #expect(after.status == 303 && after.headers["location"]?.hasPrefix("/sign-in") == true)
        _ = setup.server.stop()
    }

    @Test("Every form the page posts is refused without its session's CSRF token: none, a made-up one, or another session's")
    func forgeryOnEveryForm() throws {
        let setup = try APIServerTests.Setup()
        #expect(try setup.openCase().status == 201)
        let (cookie, csrf) = try WebPageTests.signIn(setup, "anna")
        let (_, othersCSRF) = try WebPageTests.signIn(setup, "carl")
        #expect(othersCSRF != csrf)
        // Each form with what it would otherwise do; with the right token each is accepted (the other tests).
        let forms: [(path: String, fields: String)] = [
            ("/sign-out", ""),
            ("/tasks/claim", "case=vat-1&task=map-housing&_command=f1"),
            ("/tasks/unclaim", "case=vat-1&task=map-housing&_command=f2"),
            ("/cases/vat-1/tasks/map-housing/completion", "_command=f3"),
            ("/cases/vat-1/events", "event=meeting-held&_command=f4"),
            ("/cases/vat-1/consent", "party=prison&_command=f5"),
            ("/cases/vat-1/consent-withdrawal", "_command=f6"),
            ("/cases/vat-1/handover", "to=bob&_command=f7"),
            ("/process-editor", "text=process%3A%20x"),
            ("/calendar/address", ""),
        ]
        let headers = ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"]
        let trace = setup.trace()
        var mark = try trace.mark()
        for (path, fields) in forms {
            for (name, token) in [("no", nil), ("a made-up", String(repeating: "0", count: csrf.count)), ("another session's", othersCSRF)] {
                mark = try trace.expectRefused("\(path) with \(name) CSRF token", since: mark) {
                    let body = ([fields] + (token.map { ["_csrf=\($0)"] } ?? [])).filter { !$0.isEmpty }.joined(separator: "&")
                    return try setup.server.request("POST", path, headers: headers, body: Data(body.utf8)).status == 403
                }
            }
        }
        // Still signed in: the forged sign-out did nothing either.
        #expect(try setup.server.request("GET", "/tasks", headers: ["Cookie": cookie]).status == 200)
        _ = setup.server.stop()
    }

    @Test("My tasks: a chair claims a chair task, sees whose it is and may unclaim it; the case page shows the claim")
    func claimOnMyTasks() throws {
        let setup = try APIServerTests.Setup()
        #expect(try setup.openCase().status == 201)
        let consent = try setup.server.request(
            "POST", "/v1/cases/vat-1/consent", token: setup.tokens["anna"],
            headers: ["Idempotency-Key": "consent-1", "If-Match": try setup.revision("vat-1")],
            json: ["parties": ["prison", "community-sanctions-office"]])
        #expect(consent.status == 200, "\(consent.text)")
        let (cookie, csrf) = try WebPageTests.signIn(setup, "carl")
        let english = ["Cookie": cookie + "; aso_lang=en"]
        let before = try setup.server.request("GET", "/tasks", headers: english)
        #expect(before.status == 200 && before.text.contains("action=\"/tasks/claim\"") && !before.text.contains("claimed by"))
        let form = ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"]
        let claimed = try setup.server.request(
            "POST", "/tasks/claim", headers: form, body: Data("case=vat-1&task=invite-prison&_csrf=\(csrf)&_command=claim-1".utf8))
        #expect(claimed.status == 303 && claimed.headers["location"] == "/tasks", "\(claimed.status) \(claimed.text.prefix(300))")
        let after = try setup.server.request("GET", "/tasks", headers: english)
        #expect(after.text.contains("claimed by carl") && after.text.contains("action=\"/tasks/unclaim\""))
        let card = try setup.server.request("GET", "/cases/vat-1", headers: english)
        #expect(card.status == 200 && card.text.contains("claimed by carl"))
        // Claiming it again from a second tab: already his, nothing more is appended.
        let count = try setup.history("vat-1")
        let again = try setup.server.request(
            "POST", "/tasks/claim", headers: form, body: Data("case=vat-1&task=invite-prison&_csrf=\(csrf)&_command=claim-2".utf8))
        let countAfter = try setup.history("vat-1")
        #expect(again.status == 303 && countAfter == count)
        let unclaimed = try setup.server.request(
            "POST", "/tasks/unclaim", headers: form, body: Data("case=vat-1&task=invite-prison&_csrf=\(csrf)&_command=unclaim-1".utf8))
        #expect(unclaimed.status == 303)
        let released = try setup.server.request("GET", "/tasks", headers: english)
        #expect(!released.text.contains("claimed by"))
        _ = setup.server.stop()
    }

    @Test("Outcomes: asked again at the same log position the page is the same in any language; a new event is counted")
    func outcomesFollowTheLog() throws {
        let setup = try APIServerTests.Setup()
        #expect(try setup.openCase().status == 201)
        let (cookie, _) = try WebPageTests.signIn(setup, "pia")
        func outcomes(_ language: String) throws -> String {
            let page = try setup.server.request(
                "GET", "/outcomes?from=2026-01-01&to=2026-12-31&process=vat-generic", headers: ["Cookie": "\(cookie); aso_lang=\(language)"])
            #expect(page.status == 200)
            return page.text
        }
        let first = try outcomes("en")
        #expect(first.contains("<dt>Cases opened</dt><dd>1</dd>"), "\(first)")
        #expect(first.contains("<h2 id=\"monthly-title\">Tasks done late, by month</h2>"))
        #expect(first.contains("2026-01") && first.contains("2026-12") && !first.contains("2027-01"))
        let finnish = try outcomes("fi")
        #expect(finnish.contains("<html lang=\"fi\">") && !finnish.contains("Cases opened"))
        #expect(try outcomes("en") == first)
        #expect(try setup.openCase("vat-2").status == 201)
        let after = try outcomes("en")
        #expect(after.contains("<dt>Cases opened</dt><dd>2</dd>"), "\(after)")
        _ = setup.server.stop()
    }

    @Test("Values from a process file are text, never markup; the page speaks the chosen language")
    func escapingAndLanguages() throws {
        let setup = try APIServerTests.Setup()
        let (cookie, csrf) = try WebPageTests.signIn(setup, "cora")
        let file = """
            process: x-test
            title: { fi: "<script>alert(1)</script>", sv: Svensk titel, en: English title }
            calendar: fi
            states:
              start: { initial: true, title: "<b>bold</b>" }
            """
        let body = "_csrf=\(csrf)&text=\(file.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        let checked = try setup.server.request(
            "POST", "/process-editor", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"], body: Data(body.utf8))
        #expect(checked.status == 200)
        #expect(!checked.text.contains("<script>alert(1)</script>"))
        #expect(checked.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!checked.text.contains("<b>bold</b>"))
        for (language, heading) in [("fi", "Omat tehtävät"), ("sv", "Mina uppgifter"), ("en", "My tasks")] {
            let page = try setup.server.request("GET", "/tasks", headers: ["Cookie": "\(cookie); aso_lang=\(language)"])
            #expect(page.text.contains("<html lang=\"\(language)\">"))
            #expect(page.text.contains("<h1>\(heading)</h1>"))
        }
        _ = setup.server.stop()
    }
}

@Suite("Web page catalogs")
struct WebCatalogTests {
    @Test("Finnish, Swedish and English have every message, with the same placeholders")
    func catalogsAgree() throws {
        let folder = Repository.root(of: #filePath).appendingPathComponent("Sources/WorkflowServer/Web/strings")
        var catalogs: [String: [String: String]] = [:]
        for language in ["fi", "sv", "en"] {
            let data = try Data(contentsOf: folder.appendingPathComponent("\(language).json"))
            catalogs[language] = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        }
        let english = try #require(catalogs["en"])
        #expect(english.count > 150)
        for (language, messages) in catalogs {
            #expect(Set(messages.keys) == Set(english.keys), "\(language) differs from en: \(Set(messages.keys).symmetricDifference(english.keys).sorted())")
            for (key, text) in messages {
                #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty, "\(language).\(key) is empty")
                let placeholders = { (text: String) in Set((0..<4).filter { text.contains("{\($0)}") }) }
                #expect(placeholders(text) == placeholders(english[key] ?? ""), "\(language).\(key) has other placeholders than en")
            }
        }
    }
}
