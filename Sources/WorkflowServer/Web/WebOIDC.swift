import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import WorkflowKit

/// Signing in to the web page at the county's identity provider: OpenID Connect's
/// authorization-code flow with PKCE (RFC 7636), a `state` bound to the browser by a
/// cookie and a `nonce` checked in the ID token.
///
/// The server sends the browser to the provider; the provider sends it back to
/// `/sign-in/oidc/callback` with a code, which the server exchanges at the provider's
/// token endpoint for an ID token. The ID token is verified as an API bearer token is
/// (signature, issuer, audience, expiry; ``OIDCVerifier``) and becomes the session's
/// token: the session ends when it expires, and the person signs in at the provider again.
extension APIServer {
    func addProviderSignInRoutes(to router: Router<APIContext>) {
        router.get("/sign-in/oidc") { request, _ in
            guard let oidc = configuration.oidc, oidc.configuration.offersWebSignIn,
                let endpoint = oidc.configuration.authorizationEndpoint, let redirect = oidc.configuration.redirectURI
            else {
                return signInPage(request, message: Self.strings(for: request)["signin.noProvider"], status: .notFound)
            }
            let state = WebSessions.random()
            let verifier = WebSessions.random()
            let challenge = Self.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
            let nonce = WebSessions.random()
            await sessions.expect(
                state: state,
                .init(nonce: nonce, verifier: verifier, returnTo: Self.safeReturn(Self.queryItems(request)["return"]), started: .now))
            let parameters = [
                ("response_type", "code"), ("client_id", oidc.configuration.audience), ("redirect_uri", redirect),
                ("scope", oidc.configuration.scope ?? "openid profile"), ("state", state), ("nonce", nonce),
                ("code_challenge", challenge), ("code_challenge_method", "S256"),
            ]
            let separator = endpoint.contains("?") ? "&" : "?"
            var response = Self.redirect(endpoint + separator + parameters.map { "\($0.0)=\(HTML.urlComponent($0.1))" }.joined(separator: "&"))
            // Lax, not Strict: the provider's redirect back is a navigation from another site.
            response.setCookie(
                Cookie(name: WebSessions.providerCookie, value: state, maxAge: 600, path: "/sign-in/oidc", secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
        router.get("/sign-in/oidc/callback") { request, _ in
            let strings = Self.strings(for: request)
            let query = Self.queryItems(request)
            guard let oidc = configuration.oidc, oidc.configuration.offersWebSignIn else {
                return signInPage(request, message: strings["signin.noProvider"], status: .notFound)
            }
            if query["error"] != nil {
                return signInPage(request, message: strings["signin.providerRefused"], status: .unauthorized)
            }
            guard let state = query["state"], let code = query["code"], let bound = request.cookies[WebSessions.providerCookie]?.value,
                WebSessions.same(bound, state), let pending = await sessions.takeExpected(state: state)
            else {
                return signInPage(request, message: strings["signin.expired"], status: .forbidden)
            }
            guard let idToken = await exchange(code: code, verifier: pending.verifier, configuration: oidc.configuration) else {
                logger.warning("The identity provider's token endpoint did not give an ID token for a sign-in code.")
                return signInPage(request, message: strings["signin.providerFailed"], status: .badGateway)
            }
            guard case .success = await oidc.principal(of: idToken, now: now()), await oidc.nonce(of: idToken) == pending.nonce else {
                return signInPage(request, message: strings["signin.refused"], status: .unauthorized)
            }
            do {
                _ = try await signIn(presented: idToken)
            } catch {
                return signInPage(request, message: strings["signin.refused"], status: .unauthorized)
            }
            let id = await sessions.start(token: idToken)
            // A page of our own, not a redirect: the browser then sends the SameSite=Strict
            // session cookie with its next request, which a redirect chain started by the
            // provider's site would not.
            let body: HTML = """
                <!doctype html><html lang="\(strings.language.rawValue)"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=\(pending.returnTo)"><title>\(strings["signin.title"])</title></head>
                <body><main><p><a href="\(pending.returnTo)">\(strings["signin.continue"])</a></p></main></body></html>
                """
            var response = Self.htmlResponse(body)
            response.setCookie(Cookie(name: WebSessions.cookie, value: id, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            response.setCookie(Cookie(name: WebSessions.providerCookie, value: "", maxAge: 0, path: "/sign-in/oidc", secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
    }

    /// One client for the token endpoint, which never follows redirects.
    static let providerClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The ID token the provider gives for `code`, or nil (and nothing of the answer logged).
    func exchange(code: String, verifier: String, configuration: OIDCVerifier.Configuration) async -> String? {
        guard let endpoint = configuration.tokenEndpoint, let redirect = configuration.redirectURI else { return nil }
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect), ("client_id", configuration.audience),
            ("code_verifier", verifier),
        ]
        if let secret = configuration.clientSecret { form.append(("client_secret", secret)) }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(HTML.urlComponent($0.1))" }.joined(separator: "&")))
        do {
            let response = try await Self.providerClient.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 256 * 1024)
            guard response.status.code == 200,
                let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let idToken = object["id_token"] as? String
            else { return nil }
            return idToken
        } catch {
            return nil
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
