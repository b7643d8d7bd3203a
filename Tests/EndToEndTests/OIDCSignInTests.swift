import Crypto
import Foundation
import Synchronization
import Testing
import WorkflowKitTesting

/// `aso-engine serve --oidc FILE`: JWT access tokens from an identity provider, verified
/// offline against its key set, their claims mapped to actor, organisation and roles.
@Suite("OpenID Connect sign-in")
struct OIDCSignInTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token signed with `key`, ES256, naming key id `kid`.
    static func token(_ claims: [String: Any], key: P256.Signing.PrivateKey, kid: String = "county-1") throws -> String {
        let header = base64URL(try JSONSerialization.data(withJSONObject: ["alg": "ES256", "typ": "JWT", "kid": kid]))
        let payload = base64URL(try JSONSerialization.data(withJSONObject: claims))
        let signature = try key.signature(for: Data("\(header).\(payload)".utf8)).rawRepresentation
        return "\(header).\(payload).\(base64URL(signature))"
    }

    @Test("a provider's token signs in with the claims' actor, organisation and roles; wrong issuer, audience, key or expiry are 401")
    func signIn() throws {
        let directory = try TemporaryDirectory()
        let key = P256.Signing.PrivateKey()
        let point = key.publicKey.x963Representation.dropFirst()
        let jwks: [String: Any] = [
            "keys": [["kty": "EC", "crv": "P-256", "kid": "county-1", "alg": "ES256", "use": "sig",
                      "x": Self.base64URL(Data(point.prefix(32))), "y": Self.base64URL(Data(point.suffix(32)))]]
        ]
        try JSONSerialization.data(withJSONObject: jwks).write(to: directory.url.appendingPathComponent("jwks.json"))
        let configuration = """
            {"issuer": "https://login.example-county.fi", "audience": "aso-engine", "jwksFile": "jwks.json",
             "actorClaim": "preferred_username", "organisationClaim": "org", "rolesClaim": "roles", "rolePrefix": "aso:"}
            """
        try Data(configuration.utf8).write(to: directory.url.appendingPathComponent("oidc.json"))
        let db = directory.path("cases.sqlite")
        let added = try BuiltProduct.run(
            "aso-engine", ["principals", "add", "cora", "--organisation", "community-sanctions-office", "--role", "coordinator",
                           "--db", db, "--actor", "cora"], currentDirectory: directory.url)
        #expect(added.status == 0, "\(added.stderr)")
        let server = try RunningServer(
            ["--db", db, "--processes", Self.processes, "--oidc", directory.path("oidc.json")], currentDirectory: directory.url)
        defer { server.stop() }

        let now = Date().timeIntervalSince1970
        let claims: [String: Any] = [
            "iss": "https://login.example-county.fi", "aud": ["aso-engine", "other"], "exp": now + 600, "nbf": now - 5,
            "sub": "f81d4fae", "preferred_username": "anna", "org": "prison", "roles": ["aso:responsible-worker", "mail-user"],
        ]
        let anna = try Self.token(claims, key: key)
        let me = try server.request("GET", "/v1/me", token: anna)
        #expect(me.status == 200, "\(me.text)")
        #expect(me.json["actor"] as? String == "anna" && me.json["organisation"] as? String == "prison")
        #expect(me.json["roles"] as? [String] == ["responsible-worker"])

        // The claims' principal acts under the same rules: anna opens a case her organisation leads.
        let opened = try server.request(
            "POST", "/v1/cases", token: anna, headers: ["Idempotency-Key": "o1"],
            json: ["process": "vat-generic", "case": "vat-1", "responsibleWorker": "anna", "fields": ["releaseDate": "2030-12-23"]])
        #expect(opened.status == 201, "\(opened.text)")
        var landlord = claims
        landlord["preferred_username"] = "lisa"
        landlord["org"] = "landlord"
        #expect(try server.request("GET", "/v1/cases/vat-1", token: try Self.token(landlord, key: key)).status == 404)

        var wrong = claims
        wrong["aud"] = "someone-else"
        #expect(try server.request("GET", "/v1/me", token: try Self.token(wrong, key: key)).status == 401)
        wrong = claims
        wrong["iss"] = "https://evil.example"
        #expect(try server.request("GET", "/v1/me", token: try Self.token(wrong, key: key)).status == 401)
        wrong = claims
        wrong["exp"] = now - 600
        let expired = try server.request("GET", "/v1/me", token: try Self.token(wrong, key: key))
        #expect(expired.status == 401 && expired.text.contains("expired"))
        wrong = claims
        wrong["org"] = nil
        #expect(try server.request("GET", "/v1/me", token: try Self.token(wrong, key: key)).status == 401)
        let forged = try server.request("GET", "/v1/me", token: try Self.token(claims, key: P256.Signing.PrivateKey()))
        #expect(forged.status == 401 && forged.text.contains("signature"))
        // A token whose header names no known key is still checked against the provider's keys.
        #expect(try server.request("GET", "/v1/me", token: try Self.token(claims, key: P256.Signing.PrivateKey(), kid: "unknown")).status == 401)
        let unsigned = anna.split(separator: ".").prefix(2).joined(separator: ".") + "."
        #expect(try server.request("GET", "/v1/me", token: unsigned).status == 401)

        // No algorithm at all ("alg": "none"), and the provider's public key used as an HMAC
        // secret (HS256), in each form a verifier might hold it.
        let payload = Self.base64URL(try JSONSerialization.data(withJSONObject: claims))
        for header in [["alg": "none", "typ": "JWT"], ["alg": "none", "typ": "JWT", "kid": "county-1"]] {
            let none = Self.base64URL(try JSONSerialization.data(withJSONObject: header)) + ".\(payload)."
            #expect(try server.request("GET", "/v1/me", token: none).status == 401, "\(header)")
        }
        let hmacHeader = Self.base64URL(try JSONSerialization.data(withJSONObject: ["alg": "HS256", "typ": "JWT", "kid": "county-1"]))
        for secret in [
            Data(key.publicKey.pemRepresentation.utf8), key.publicKey.derRepresentation, key.publicKey.x963Representation,
            try JSONSerialization.data(withJSONObject: (jwks["keys"] as? [[String: Any]])?.first ?? [:]),
        ] {
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(hmacHeader).\(payload)".utf8), using: SymmetricKey(data: secret))
            let token = "\(hmacHeader).\(payload).\(Self.base64URL(Data(mac)))"
            #expect(try server.request("GET", "/v1/me", token: token).status == 401)
        }
        // Without an expiry, and not valid until ten minutes from now.
        wrong = claims
        wrong["exp"] = nil
        let noExpiry = try server.request("GET", "/v1/me", token: try Self.token(wrong, key: key))
        #expect(noExpiry.status == 401 && noExpiry.text.contains("expired"), "\(noExpiry.text)")
        wrong = claims
        wrong["nbf"] = now + 600
        #expect(try server.request("GET", "/v1/me", token: try Self.token(wrong, key: key)).status == 401)
        // The same claims, properly signed, still sign in: what was refused was each fault.
        #expect(try server.request("GET", "/v1/me", token: try Self.token(claims, key: key)).status == 200)
    }

    /// What the provider's token endpoint gives for a code: set once the sign-in's nonce is known.
    final class IssuedToken: Sendable {
        let token = Mutex<String?>(nil)
    }

    @Test("a sign-in at the provider: the callback starts a session once; the same callback again is refused")
    func callbackReplay() throws {
        let directory = try TemporaryDirectory()
        let key = P256.Signing.PrivateKey()
        let point = key.publicKey.x963Representation.dropFirst()
        let jwks: [String: Any] = [
            "keys": [["kty": "EC", "crv": "P-256", "kid": "county-1", "alg": "ES256", "use": "sig",
                      "x": Self.base64URL(Data(point.prefix(32))), "y": Self.base64URL(Data(point.suffix(32)))]]
        ]
        try JSONSerialization.data(withJSONObject: jwks).write(to: directory.url.appendingPathComponent("jwks.json"))
        // The provider's token endpoint: the ID token for any code (the code's checks are the provider's).
        let issued = IssuedToken()
        let provider = try LoopbackHTTPServer(responding: { _, request in
            guard request.method == "POST", request.path == "/token", let token = issued.token.withLock({ $0 }),
                let body = try? JSONSerialization.data(withJSONObject: ["id_token": token, "token_type": "Bearer"])
            else { return LoopbackHTTPServer.Response(status: 400) }
            return LoopbackHTTPServer.Response(status: 200, headers: ["Content-Type": "application/json"], body: body)
        })
        defer { provider.stop() }
        let configuration: [String: Any] = [
            "issuer": "https://login.example-county.fi", "audience": "aso-engine", "jwksFile": "jwks.json",
            "actorClaim": "preferred_username", "organisationClaim": "org", "rolesClaim": "roles", "rolePrefix": "aso:",
            "authorizationEndpoint": "https://login.example-county.fi/authorize", "tokenEndpoint": provider.url("/token"),
            "redirectURI": "http://127.0.0.1/sign-in/oidc/callback",
        ]
        try JSONSerialization.data(withJSONObject: configuration).write(to: directory.url.appendingPathComponent("oidc.json"))
        let db = directory.path("cases.sqlite")
        let added = try BuiltProduct.run(
            "aso-engine", ["principals", "add", "cora", "--organisation", "community-sanctions-office", "--role", "coordinator",
                           "--db", db, "--actor", "cora"], currentDirectory: directory.url)
        #expect(added.status == 0, "\(added.stderr)")
        let server = try RunningServer(
            ["--db", db, "--processes", Self.processes, "--oidc", directory.path("oidc.json")], currentDirectory: directory.url)
        defer { server.stop() }

        // The server sends the browser to the provider with a state and a nonce, the state bound by a cookie.
        let start = try server.request("GET", "/sign-in/oidc")
        let location = try #require(start.headers["location"].flatMap(URLComponents.init(string:)), "\(start.status)")
        let state = try #require(location.queryItems?.first { $0.name == "state" }?.value)
        let nonce = try #require(location.queryItems?.first { $0.name == "nonce" }?.value)
        let bound = try #require(WebPageTests.cookie(named: "aso_oidc", in: start))
        let now = Date().timeIntervalSince1970
        issued.token.withLock {
            $0 = try? Self.token(
                [
                    "iss": "https://login.example-county.fi", "aud": "aso-engine", "exp": now + 600, "iat": now, "sub": "f81d4fae",
                    "preferred_username": "anna", "org": "prison", "roles": ["aso:responsible-worker"], "nonce": nonce,
                ], key: key)
        }
        // The provider sends the browser back with a code: a session starts.
        let callback = "/sign-in/oidc/callback?code=one-time-code&state=\(state)"
        let first = try server.request("GET", callback, headers: ["Cookie": "aso_oidc=\(bound)"])
        #expect(first.status == 200, "\(first.text.prefix(300))")
        let session = try #require(WebPageTests.cookie(named: "aso_session", in: first))
        #expect(try server.request("GET", "/tasks", headers: ["Cookie": "aso_session=\(session)"]).status == 200)
        // The same callback again, cookie and all (a replay): refused before the provider is asked, no session.
        let replayed = try server.request("GET", callback, headers: ["Cookie": "aso_oidc=\(bound); aso_lang=en"])
        #expect(replayed.status == 403 && replayed.text.contains("The sign-in form expired"), "\(replayed.status)")
        #expect(WebPageTests.cookie(named: "aso_session", in: replayed) == nil)
        #expect(provider.received.filter { $0.path == "/token" }.count == 1)
    }
}
