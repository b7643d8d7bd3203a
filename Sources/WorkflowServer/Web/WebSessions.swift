import Crypto
import Foundation

/// The web page's sign-in sessions, held in the server's memory.
///
/// A session keeps the token its person signed in with, so that every page signs in
/// again with it: a revoked or expired token, or a principal removed from the
/// directory, ends the session at the next click. The browser holds only a random
/// session id in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` when the server
/// speaks TLS), and each session has its own CSRF token for its forms. Sessions end
/// after `idleLimit` without a request, at sign-out, and when the server restarts.
actor WebSessions {
    struct Session: Sendable {
        var token: String
        var csrf: String
        var lastSeen: ContinuousClock.Instant
    }

    static let cookie = "aso_session"
    static let signInCookie = "aso_signin"
    static let languageCookie = "aso_lang"
    static let providerCookie = "aso_oidc"
    let idleLimit: Duration

    private var sessions: [String: Session] = [:]

    init(idleLimit: Duration = .seconds(8 * 3600)) { self.idleLimit = idleLimit }

    /// Starts a session for `token`; returns its id (the cookie's value).
    func start(token: String) -> String {
        sweep()
        let id = Self.random()
        sessions[id] = Session(token: token, csrf: Self.random(), lastSeen: .now)
        return id
    }

    /// The session `id`, if it is still alive; touching it keeps it so.
    func session(_ id: String) -> Session? {
        guard var session = sessions[id] else { return nil }
        guard ContinuousClock.now - session.lastSeen < idleLimit else {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = .now
        sessions[id] = session
        return session
    }

    func end(_ id: String) { sessions[id] = nil }

    /// A sign-in at the identity provider under way: what the callback must match.
    struct PendingSignIn: Sendable {
        var nonce: String
        var verifier: String
        var returnTo: String
        var started: ContinuousClock.Instant
    }

    private var pending: [String: PendingSignIn] = [:]

    /// Remembers a sign-in sent to the provider under `state` (for ten minutes).
    func expect(state: String, _ signIn: PendingSignIn) {
        let now = ContinuousClock.now
        pending = pending.filter { now - $0.value.started < .seconds(600) }
        pending[state] = signIn
    }

    /// The sign-in `state` names, once: a callback cannot be replayed.
    func takeExpected(state: String) -> PendingSignIn? {
        guard let found = pending.removeValue(forKey: state), ContinuousClock.now - found.started < .seconds(600) else { return nil }
        return found
    }

    private func sweep() {
        let now = ContinuousClock.now
        sessions = sessions.filter { now - $0.value.lastSeen < idleLimit }
    }

    /// 32 random bytes, hex.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Whether two secrets are equal, in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
