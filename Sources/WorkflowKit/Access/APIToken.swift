import Crypto
import Foundation

/// API tokens: how host systems and people sign in to the HTTP API without an identity
/// provider.
///
/// A token is `aso_<id>_<secret>`: the id (12 hex digits) names it in lists and
/// revocations, the secret (32 random bytes, 64 hex digits) is shown once when the token is
/// made. The log keeps only the SHA-256 of the whole token, beside its actor and expiry,
/// as events of the `$tokens` stream: who issued or revoked which token, and when, is as
/// auditable as the cases. A token carries its principal: the actor it was issued to,
/// whose organisation and roles are read from the directory at each request, so that
/// removing the principal disables the token.
public struct APIToken: Sendable, Hashable, Codable {
    /// The token's public name, e.g. `3f9a0c12b7de`.
    public var id: String
    /// The actor the token signs in as.
    public var actor: String
    /// SHA-256 of the whole token text, hex.
    public var hash: String
    /// A note saying what the token is for (e.g. "prison case system").
    public var label: String
    /// When it was issued and when it stops working, milliseconds since 1970.
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// When it was revoked, if it was.
    public var revokedAt: Int64?
    /// What the token may do: nil for the whole API (as its actor), or ``calendarScope``
    /// for a calendar feed address, which reads only its actor's due dates and signs in
    /// nowhere else.
    public var scope: String?

    /// The scope of a calendar feed's token.
    public static let calendarScope = "calendar"

    /// Whether the token signs in at `now`.
    public func isValid(at now: Int64) -> Bool { revokedAt == nil && now < expiresAt }

    /// The id in a token's text, or nil when the text is not shaped like a token.
    public static func id(inText text: String) -> String? {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "aso", parts[1].count == 12,
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }), !parts[2].isEmpty
        else { return nil }
        return String(parts[1])
    }

    /// The hash the log keeps of a token's text.
    public static func hash(ofText text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).lowercaseHex
    }

    /// A new token's text: `aso_<id>_<secret>`.
    static func makeText() -> (id: String, text: String) {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return (id, "aso_\(id)_\(secret)")
    }
}

/// The tokens as the `$tokens` stream states them.
public struct APITokenRegistry: Sendable, Hashable {
    /// The stream tokens are kept in (no case id can start with `$`).
    public static let stream = StreamID(rawValue: "$tokens")

    public private(set) var tokens: [String: APIToken] = [:]

    public init() {}

    /// The token whose text is `text`, if it is valid at `now`: its id is known, its hash
    /// matches (compared in constant time), it has not expired and was not revoked.
    public func signIn(_ text: String, at now: Int64) -> APIToken? {
        guard let id = APIToken.id(inText: text), let token = tokens[id] else { return nil }
        let presented = Array(APIToken.hash(ofText: text).utf8)
        let stored = Array(token.hash.utf8)
        guard presented.count == stored.count else { return nil }
        var difference: UInt8 = 0
        for index in presented.indices { difference |= presented[index] ^ stored[index] }
        guard difference == 0, token.isValid(at: now) else { return nil }
        return token
    }

    mutating func apply(_ event: APITokenEvent) {
        switch event {
        case .issued(let issued): tokens[issued.token.id] = issued.token
        case .revoked(let revoked, let at): tokens[revoked.id]?.revokedAt = at
        }
    }
}

/// A token issued (only its hash is kept).
public struct APITokenIssued: Sendable, Hashable, Codable {
    public static let typeName = "APITokenIssued"
    public var token: APIToken
}

/// A token revoked: it signs in no more.
public struct APITokenRevoked: Sendable, Hashable, Codable {
    public static let typeName = "APITokenRevoked"
    public var id: String
    public var reason: String
}

enum APITokenEvent {
    case issued(APITokenIssued)
    case revoked(APITokenRevoked, at: Int64)
}

/// A new token, as ``WorkflowDatabase/issueToken(actor:label:validFor:now:by:scope:)`` returns it:
/// the only time its text exists outside the client that keeps it.
public struct IssuedToken: Sendable {
    public var token: APIToken
    /// The whole token text: shown once, never stored.
    public var text: String
}

extension CaseStore {
    /// The tokens as their events state them now.
    public func apiTokens() async throws -> APITokenRegistry {
        var registry = APITokenRegistry()
        for try await record in eventLog.read(stream: APITokenRegistry.stream) {
            switch record.type {
            case APITokenIssued.typeName: registry.apply(.issued(try record.decode(APITokenIssued.self)))
            case APITokenRevoked.typeName: registry.apply(.revoked(try record.decode(APITokenRevoked.self), at: record.recordedAt))
            default: continue
            }
        }
        return registry
    }

    /// Issues a token for `actor`, valid for `validFor` seconds from `now` (milliseconds since 1970).
    ///
    /// - Throws: ``CommandRefused`` (`.invalidIdentifier`) for an actor id that breaks the
    ///   id rule, (`.invalidValue`) for a validity that is not positive or longer than two years.
    public func issueToken(
        actor: String, label: String, validFor seconds: Int64, now: Int64, by issuer: Acting, scope: String? = nil
    ) async throws -> IssuedToken {
        try Identifier.check(actor, as: "actor id")
        guard seconds > 0, seconds <= Self.longestTokenValidity else {
            throw CommandRefused(.invalidValue, "A token is valid for at least a second and at most 730 days; \(seconds / 86_400) days was asked.")
        }
        let (id, text) = APIToken.makeText()
        let token = APIToken(
            id: id, actor: actor, hash: APIToken.hash(ofText: text), label: label, issuedAt: now,
            expiresAt: now + seconds * 1000, revokedAt: nil, scope: scope)
        _ = try await eventLog.append(
            [try NewEvent(type: APITokenIssued.typeName, encoding: APITokenIssued(token: token))], to: APITokenRegistry.stream,
            expected: .any, metadata: EventMetadata(actor: issuer.id, organisation: issuer.organisation, role: issuer.role))
        return IssuedToken(token: token, text: text)
    }

    /// The longest a token may be valid: two years, in seconds.
    public static var longestTokenValidity: Int64 { 730 * 86_400 }

    /// Revokes token `id`.
    ///
    /// - Throws: ``CommandRefused`` (`.unknownCase`) when there is no such token, or it was revoked already.
    public func revokeToken(_ id: String, reason: String, by actor: Acting) async throws {
        guard let token = try await apiTokens().tokens[id], token.revokedAt == nil else {
            throw CommandRefused(.unknownCase, "There is no token \(Identifier.escaped(id)) to revoke.")
        }
        _ = try await eventLog.append(
            [try NewEvent(type: APITokenRevoked.typeName, encoding: APITokenRevoked(id: id, reason: reason))],
            to: APITokenRegistry.stream, expected: .any,
            metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
    }
}
