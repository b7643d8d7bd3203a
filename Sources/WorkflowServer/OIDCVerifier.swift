import Foundation
import JWTKit
import WorkflowKit

/// Signing in with a county's identity provider (OpenID Connect): JWT access tokens
/// verified offline against the provider's published keys (a JWKS file), their claims
/// mapped to actor, organisation and roles by configuration (docs/api.md shows a file).
///
/// Checked: the signature (by the key the token's `kid` names), `iss`, `aud`, `exp` and
/// `nbf` (with a minute's leeway, against the server's clock); the actor claim must be a
/// valid id, the organisation claim present. Nothing of the token is logged.
public struct OIDCVerifier: Sendable {
    /// The configuration file's shape.
    public struct Configuration: Sendable, Codable {
        /// The `iss` the tokens must carry.
        public var issuer: String
        /// An `aud` the tokens must carry (this API's client id at the provider).
        public var audience: String
        /// The provider's JSON Web Key Set, a file (fetched by the operator from the
        /// provider's `jwks_uri`, and refreshed when the provider rotates its keys).
        public var jwksFile: String
        /// The claim naming the actor (default `sub`).
        public var actorClaim: String?
        /// The claim naming the organisation, a party of the process files (default `organisation`).
        public var organisationClaim: String?
        /// The claim listing the roles: an array of strings, or one space-separated string (default `roles`).
        public var rolesClaim: String?
        /// Roles prefixed so at the provider (e.g. `aso:`) keep only what follows; others are ignored.
        public var rolePrefix: String?
        /// For people signing in to the web page at the provider (the authorization-code
        /// flow with PKCE): the provider's `authorization_endpoint` and `token_endpoint`, and
        /// this server's callback address as registered at the provider
        /// (`https://…/sign-in/oidc/callback`). Without them the web page offers only tokens.
        public var authorizationEndpoint: String?
        public var tokenEndpoint: String?
        public var redirectURI: String?
        /// The client secret, for a provider that registers this server as a confidential
        /// client (sent at the token endpoint); a public client relies on PKCE alone.
        public var clientSecret: String?
        /// The scopes asked for (default `openid profile`).
        public var scope: String?

        /// Whether the web page can send people to the provider to sign in.
        public var offersWebSignIn: Bool { authorizationEndpoint != nil && tokenEndpoint != nil && redirectURI != nil }
    }

    public let configuration: Configuration
    let keys: JWTKeyCollection

    /// Reads the configuration file and the key set it names.
    ///
    /// - Throws: ``OIDCVerifier/SetupError`` naming the file and what is wrong with it.
    public init(configurationFile path: String) async throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SetupError("Cannot read the OpenID Connect configuration '\(path)'.")
        }
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw SetupError("The OpenID Connect configuration '\(path)' needs '\(key.stringValue)'.")
        } catch {
            throw SetupError("The OpenID Connect configuration '\(path)' is not a JSON object with issuer, audience and jwksFile.")
        }
        let jwksPath = configuration.jwksFile.hasPrefix("/")
            ? configuration.jwksFile
            : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(configuration.jwksFile).path
        guard let jwks = FileManager.default.contents(atPath: jwksPath) else {
            throw SetupError("Cannot read the key set '\(jwksPath)' that '\(path)' names.")
        }
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: String(decoding: jwks, as: UTF8.self))
        } catch {
            throw SetupError("The key set '\(jwksPath)' holds no key this server can use (RS256/ES256 keys with a kid): \(error).")
        }
        self.configuration = configuration
        self.keys = keys
    }

    /// A configuration that cannot be used: the server does not start.
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The `nonce` claim of a token whose signature verified (the web sign-in checks it
    /// against the one it sent to the provider).
    func nonce(of token: String) async -> String? {
        guard let claims = try? await keys.verify(token, as: Claims.self), case .string(let nonce) = claims.values["nonce"] else { return nil }
        return nonce
    }

    /// Whether `token` looks like a JWT (three base64url parts).
    static func looksLikeJWT(_ token: String) -> Bool {
        token.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The principal `token` signs in as at `now` (milliseconds since 1970), or a
    /// sentence saying why it does not.
    func principal(of token: String, now: Int64) async -> Result<Principal, SignInRefused> {
        let claims: Claims
        do {
            claims = try await keys.verify(token, as: Claims.self)
        } catch {
            return .failure(SignInRefused("The token's signature does not verify against the identity provider's keys."))
        }
        let seconds = Double(now) / 1000
        let leeway = 60.0
        guard case .string(let issuer) = claims.values["iss"], issuer == configuration.issuer else {
            return .failure(SignInRefused("The token was not issued by '\(configuration.issuer)'."))
        }
        let audiences: [String] =
            switch claims.values["aud"] {
            case .string(let one): [one]
            case .array(let many): many.compactMap { if case .string(let text) = $0 { text } else { nil } }
            default: []
            }
        guard audiences.contains(configuration.audience) else {
            return .failure(SignInRefused("The token is not meant for this API (audience '\(configuration.audience)')."))
        }
        guard case .number(let expiry) = claims.values["exp"], seconds < expiry + leeway else {
            return .failure(SignInRefused("The token has expired."))
        }
        if case .number(let notBefore) = claims.values["nbf"], seconds + leeway < notBefore {
            return .failure(SignInRefused("The token is not valid yet."))
        }
        let actorClaim = configuration.actorClaim ?? "sub"
        guard case .string(let rawActor) = claims.values[actorClaim], let actor = Self.identifier(rawActor) else {
            return .failure(SignInRefused("The token's '\(actorClaim)' claim is not a usable actor id."))
        }
        let organisationClaim = configuration.organisationClaim ?? "organisation"
        guard case .string(let rawOrganisation) = claims.values[organisationClaim], let organisation = Self.identifier(rawOrganisation) else {
            return .failure(SignInRefused("The token does not name an organisation in its '\(organisationClaim)' claim."))
        }
        let rolesClaim = configuration.rolesClaim ?? "roles"
        var roles: [String] =
            switch claims.values[rolesClaim] {
            case .string(let spaced): spaced.split(separator: " ").map(String.init)
            case .array(let many): many.compactMap { if case .string(let text) = $0 { text } else { nil } }
            default: []
            }
        if let prefix = configuration.rolePrefix {
            roles = roles.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
        return .success(Principal(actor: actor, organisation: organisation, roles: Set(roles.compactMap(Self.identifier))))
    }

    private static func identifier(_ text: String) -> String? {
        let normalized = Identifier.normalized(text)
        return Identifier.problem(with: normalized) == nil ? normalized : nil
    }

    /// Why a token does not sign in.
    struct SignInRefused: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Every claim of a token, as JSON values; the checks are made with the server's clock
    /// after the signature verifies.
    struct Claims: JWTPayload {
        var values: [String: JSONValue]

        init(from decoder: any Decoder) throws {
            values = try decoder.singleValueContainer().decode([String: JSONValue].self)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(values)
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    enum JSONValue: Codable, Sendable {
        case string(String), number(Double), bool(Bool), array([JSONValue]), object([String: JSONValue]), null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let string = try? container.decode(String.self) {
                self = .string(string)
            } else if let array = try? container.decode([JSONValue].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            case .null: try container.encodeNil()
            }
        }
    }
}
