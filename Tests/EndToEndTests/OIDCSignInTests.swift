import Crypto
import Foundation
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
    }
}
