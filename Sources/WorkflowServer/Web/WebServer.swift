import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Processes
import WorkflowKit

/// One request to the web page, signed in: who asks, in which language, and the
/// session's CSRF token for the forms the page holds.
struct WebRequest: Sendable {
    let guardian: AccessGuard
    let strings: Strings
    let csrf: String
    let path: String
    let query: [String: String]
    let form: FormBody?

    var language: Language { strings.language }

    /// The hidden CSRF field every form carries.
    var csrfField: HTML { "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">" }

    /// A fresh command id for a form: a double submit appends once.
    var commandField: HTML { "<input type=\"hidden\" name=\"_command\" value=\"\(WebSessions.random().prefix(24).description)\">" }

    /// Whether the caller holds `role` in some process, or the directory names no one.
    func holds(_ role: String) -> Bool {
        guard guardian.policy.directory.isEnforced else { return true }
        return guardian.principal?.roles.contains(role) ?? false
    }
}

/// An error the web page shows as a page of its own, in the person's language.
struct WebError: Error {
    var status: HTTPResponse.Status
    var message: String
}


extension APIServer {
    /// The web page's routes: HTML for people, beside the JSON API, under the same
    /// access rules. docs/web.md describes the screens.
    static let webRoutes: [String: [String]] = [
        "/": ["GET"], "/sign-in": ["GET", "POST"], "/sign-in/oidc": ["GET"], "/sign-in/oidc/callback": ["GET"], "/sign-out": ["POST"],
        "/language": ["GET"], "/static/site.css": ["GET"], "/accessibility": ["GET"], "/tasks": ["GET"], "/tasks/claim": ["POST"],
        "/tasks/unclaim": ["POST"], "/cases/{case}": ["GET"], "/cases/{case}/tasks/{task}/explanation": ["GET"],
        "/cases/{case}/tasks/{task}/completion": ["POST"], "/cases/{case}/events": ["POST"], "/cases/{case}/consent": ["POST"],
        "/cases/{case}/consent-withdrawal": ["POST"], "/cases/{case}/handover": ["POST"], "/meetings": ["GET"],
        "/processes": ["GET"], "/processes/{process}": ["GET"], "/process-editor": ["GET", "POST"], "/outcomes": ["GET"],
        "/calendar": ["GET"], "/calendar/address": ["POST"], "/calendar/{file}": ["GET"],
    ]

    func addWebRoutes(to router: Router<APIContext>) {
        router.get("/") { request, _ in
            let signedIn = await currentSession(request) != nil
            return Self.redirect(signedIn ? "/tasks" : "/sign-in")
        }
        router.get("/static/site.css") { _, _ in
            guard let url = Bundle.module.url(forResource: "site", withExtension: "css"), let data = FileManager.default.contents(atPath: url.path) else {
                throw Problem.notFound("The style sheet is not installed with this build.")
            }
            return Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/language") { request, _ in
            let query = Self.queryItems(request)
            let language = Language(rawValue: query["to"] ?? "") ?? .default
            var response = Self.redirect(Self.safeReturn(query["return"]))
            response.setCookie(Cookie(name: WebSessions.languageCookie, value: language.rawValue, maxAge: 365 * 86_400, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/accessibility") { request, _ in
            let strings = Self.strings(for: request)
            let session = await currentSession(request)
            return Self.htmlResponse(
                layout(strings: strings, title: strings["a11y.title"], path: "/accessibility", csrf: session?.csrf, body: accessibilityStatement(strings)))
        }
        addSignInRoutes(to: router)
        addProviderSignInRoutes(to: router)
        addTaskPages(to: router)
        addCasePages(to: router)
        addMeetingPages(to: router)
        addProcessPages(to: router)
        addOutcomePages(to: router)
        addCalendarPages(to: router)
    }

    // MARK: Sign-in

    func addSignInRoutes(to router: Router<APIContext>) {
        router.get("/sign-in") { request, _ in
            signInPage(request, message: nil, status: .ok)
        }
        router.post("/sign-in") { request, context in
            var request = request
            let strings = Self.strings(for: request)
            let buffer = try await request.collectBody(upTo: 64 * 1024)
            let form = FormBody(urlEncoded: String(buffer: buffer))
            // Login CSRF: the form's token must match the cookie set with the form.
            guard let cookie = request.cookies[WebSessions.signInCookie]?.value, let sent = form["_csrf"], WebSessions.same(cookie, sent) else {
                return signInPage(request, message: strings["signin.expired"], status: .forbidden)
            }
            let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { return signInPage(request, message: strings["signin.empty"], status: .unprocessableContent, field: true) }
            do {
                _ = try await signIn(presented: token)
            } catch {
                return signInPage(request, message: strings["signin.refused"], status: .unauthorized, field: true)
            }
            let id = await sessions.start(token: token)
            var response = Self.redirect(Self.safeReturn(form["return"]))
            response.setCookie(Cookie(name: WebSessions.cookie, value: id, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            response.setCookie(Cookie(name: WebSessions.signInCookie, value: "", maxAge: 0, path: "/sign-in", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/sign-out") { request, _ in
            try await web(request) { _ in
                if let id = request.cookies[WebSessions.cookie]?.value { await sessions.end(id) }
                var response = Self.redirect("/sign-in")
                response.setCookie(Cookie(name: WebSessions.cookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
                return response
            }
        }
    }

    func signInPage(_ request: Request, message: String?, status: HTTPResponse.Status, field: Bool = false) -> Response {
        let strings = Self.strings(for: request)
        let csrf = WebSessions.random()
        let returnTo = Self.safeReturn(Self.queryItems(request)["return"])
        let error: HTML = message.map { "<p class=\"field-error\" id=\"token-error\"><span class=\"visually-hidden\">\(strings["error.prefix"]) </span>\($0)</p>" } ?? .empty
        let summary: HTML = message.map { "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>\(strings["error.summary"])</h2><p><a href=\"#token\">\($0)</a></p></div>" } ?? .empty
        let provider: HTML =
            configuration.oidc?.configuration.offersWebSignIn == true
            ? """
            <p><a class="button" href="/sign-in/oidc?return=\(HTML.urlComponent(returnTo))">\(strings["signin.provider"])</a></p>
            <h2>\(strings["signin.orToken"])</h2>
            """ : .empty
        let body: HTML = """
            \(summary)
            \(provider)
            <p>\(strings["signin.intro"])</p>
            <form method="post" action="/sign-in" class="stack" novalidate>
            <input type="hidden" name="_csrf" value="\(csrf)">
            <input type="hidden" name="return" value="\(returnTo)">
            <div class="field\(field ? " has-error" : "")">
            <label for="token">\(strings["signin.token"])</label>
            <p class="hint" id="token-hint">\(strings["signin.hint"])</p>
            \(error)
            <input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="token-hint\(message == nil ? "" : " token-error")"\(field ? " aria-invalid=\"true\"" as HTML : .empty)>
            </div>
            <button type="submit" class="button">\(strings["signin.submit"])</button>
            </form>
            """
        var response = Self.htmlResponse(layout(strings: strings, title: strings["signin.title"], path: "/sign-in", csrf: nil, body: body), status: status)
        response.setCookie(Cookie(name: WebSessions.signInCookie, value: csrf, maxAge: 3600, path: "/sign-in", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    var secureCookies: Bool { configuration.tlsCertificate != nil || configuration.secureCookies }

    /// The session the request's cookie names, if it is alive.
    func currentSession(_ request: Request) async -> WebSessions.Session? {
        guard let id = request.cookies[WebSessions.cookie]?.value else { return nil }
        return await sessions.session(id)
    }

    // MARK: Running a page

    /// Runs a page for a signed-in person: signs them in again with their session's token,
    /// reads and checks the form of a POST (its CSRF token), and turns errors into pages.
    func web(_ request: Request, _ page: (WebRequest) async throws -> Response) async throws -> Response {
        let strings = Self.strings(for: request)
        let path = request.uri.path
        guard let session = await currentSession(request) else {
            return Self.redirect("/sign-in?return=\(HTML.urlComponent(request.uri.description))")
        }
        let guardian: AccessGuard
        do {
            guardian = try await signIn(presented: session.token)
        } catch {
            if let id = request.cookies[WebSessions.cookie]?.value { await sessions.end(id) }
            return Self.redirect("/sign-in")
        }
        var form: FormBody?
        if request.method == .post {
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: Self.maximumBodySize)
            } catch {
                return errorPage(strings: strings, session: session, path: path, WebError(status: .contentTooLarge, message: strings["error.tooLarge"]))
            }
            let type = request.headers[.contentType] ?? ""
            if type.lowercased().hasPrefix("multipart/form-data"), let range = type.range(of: "boundary=") {
                let boundary = type[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                form = FormBody(multipart: Data(buffer.readableBytesView), boundary: boundary)
            } else {
                form = FormBody(urlEncoded: String(buffer: buffer))
            }
            guard let sent = form?["_csrf"], WebSessions.same(sent, session.csrf) else {
                return errorPage(strings: strings, session: session, path: path, WebError(status: .forbidden, message: strings["error.csrf"]))
            }
        }
        let web = WebRequest(
            guardian: guardian, strings: strings, csrf: session.csrf, path: path, query: Self.queryItems(request), form: form)
        do {
            return try await page(web)
        } catch let error as WebError {
            return errorPage(strings: strings, session: session, path: path, error)
        } catch let problem as Problem {
            return errorPage(strings: strings, session: session, path: path, WebError(status: problem.status, message: problem.detail))
        } catch let refused as CommandRefused {
            let problem = Problem.refused(refused)
            return errorPage(strings: strings, session: session, path: path, WebError(status: problem.status, message: problem.detail))
        } catch let unknown as UnknownCalendar {
            let problem = Problem.unknownCalendar(unknown)
            return errorPage(strings: strings, session: session, path: path, WebError(status: problem.status, message: problem.detail))
        } catch let denied as AccessDenied {
            let problem = Problem.denied(denied)
            return errorPage(strings: strings, session: session, path: path, WebError(status: problem.status, message: problem.detail))
        }
    }

    func errorPage(strings: Strings, session: WebSessions.Session?, path: String, _ error: WebError) -> Response {
        let title = error.status == .notFound ? strings["error.notFound"] : strings["error.title"]
        let body: HTML = """
            <div class="notice notice-error" role="alert"><p>\(error.message)</p></div>
            <p><a href="/tasks">\(strings["nav.tasks"])</a></p>
            """
        return Self.htmlResponse(layout(strings: strings, title: title, path: path, csrf: session?.csrf, body: body), status: error.status)
    }

    /// The page around a screen's content: landmarks, navigation, language switch, sign-out.
    func page(_ web: WebRequest, title: String, body: HTML, wide: Bool = false) -> HTML {
        layout(strings: web.strings, title: title, path: web.path, csrf: web.csrf, body: body, wide: wide)
    }

    func layout(strings: Strings, title: String, path: String, csrf: String?, body: HTML, wide: Bool = false) -> HTML {
        let navigation: [(String, String)] = [
            ("/tasks", "nav.tasks"), ("/meetings", "nav.meetings"), ("/processes", "nav.processes"), ("/outcomes", "nav.outcomes"),
            ("/calendar", "nav.calendar"),
        ]
        let links: [HTML] = navigation.map { target, key in
            let current = path == target || (target != "/" && path.hasPrefix(target + "/"))
            return "<li><a href=\"\(target)\"\(HTML(unsafe: current ? " aria-current=\"page\"" : ""))>\(strings[key])</a></li>"
        }
        let languages: [HTML] = Language.allCases.map { language in
            if language == strings.language {
                return "<li><span aria-current=\"true\" lang=\"\(language.rawValue)\">\(language.name)</span></li>"
            }
            return "<li><a href=\"/language?to=\(language.rawValue)&amp;return=\(HTML.urlComponent(path))\" lang=\"\(language.rawValue)\" hreflang=\"\(language.rawValue)\">\(language.name)</a></li>"
        }
        let account: HTML =
            csrf == nil
            ? .empty
            : """
            <form method="post" action="/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="\(csrf ?? "")"><button type="submit" class="button-link">\(strings["nav.signOut"])</button></form>
            """
        let nav: HTML = csrf == nil ? .empty : "<nav aria-label=\"\(strings["nav.label"])\" class=\"main-nav\"><ul>\(links)</ul></nav>"
        return """
            <!doctype html>
            <html lang="\(strings.language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) – \(strings["app.name"])</title>
            <link rel="stylesheet" href="/static/site.css">
            </head>
            <body>
            <a class="skip-link" href="#main">\(strings["nav.skip"])</a>
            <header class="site-header">
            <div class="header-inner">
            <p class="brand"><a href="/">\(strings["app.name"])</a></p>
            <nav aria-label="\(strings["nav.languages"])" class="languages"><ul>\(languages)</ul></nav>
            \(account)
            </div>
            \(nav)
            </header>
            <main id="main" tabindex="-1" class="\(wide ? "wide" : "")">
            <h1>\(title)</h1>
            \(body)
            </main>
            <footer class="site-footer"><p><a href="/accessibility">\(strings["a11y.title"])</a> · \(strings["footer.text"])</p></footer>
            </body>
            </html>
            """
    }

    func accessibilityStatement(_ strings: Strings) -> HTML {
        let contact = configuration.accessibilityContact ?? strings["a11y.contactDefault"]
        return """
            <p>\(strings["a11y.intro"])</p>
            <h2>\(strings["a11y.stateTitle"])</h2>
            <p>\(strings["a11y.state"])</p>
            <h2>\(strings["a11y.knownTitle"])</h2>
            <ul><li>\(strings["a11y.known1"])</li><li>\(strings["a11y.known2"])</li></ul>
            <h2>\(strings["a11y.feedbackTitle"])</h2>
            <p>\(strings["a11y.feedback"])</p>
            <p><strong>\(contact)</strong></p>
            <h2>\(strings["a11y.authorityTitle"])</h2>
            <p>\(strings["a11y.authority"])</p>
            <p><a href="https://www.saavutettavuusvaatimukset.fi">saavutettavuusvaatimukset.fi</a></p>
            """
    }

    // MARK: Helpers

    static func strings(for request: Request) -> Strings {
        Strings.of(Language(rawValue: request.cookies[WebSessions.languageCookie]?.value ?? "") ?? .default)
    }

    static func htmlResponse(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: webHeaders(contentType: "text/html; charset=utf-8"), body: ResponseBody(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// Headers of every page: no framing, no inline scripts or styles, no referrer (a
    /// calendar feed's address is a secret), no caching of personal pages.
    static func webHeaders(contentType: String) -> HTTPFields {
        [
            .contentType: contentType, .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// A return path that stays on this site: the one rule for every `return` the web page
    /// takes (the language switch, the token sign-in and the identity provider's sign-in).
    ///
    /// Only a path of this origin is kept: it starts with one `/`, has no scheme or host,
    /// no backslash, and only visible ASCII characters. Browsers drop tabs and line breaks
    /// from an address and read `\` as `/`, so `/<tab>/evil.example/` or `/\evil.example`
    /// would leave the site; anything else returns to `/tasks`.
    static func safeReturn(_ path: String?) -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/sign-"),
            path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }),
            let parsed = URLComponents(string: path), parsed.scheme == nil, parsed.host == nil, parsed.percentEncodedPath.hasPrefix("/"),
            !parsed.percentEncodedPath.hasPrefix("//")
        else { return "/tasks" }
        return path
    }

    static func queryItems(_ request: Request) -> [String: String] {
        var items: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { items[String(name)] = String(value) }
        return items
    }
}
