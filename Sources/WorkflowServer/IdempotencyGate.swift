import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import WorkflowKit

/// `Idempotency-Key` on commands. The key becomes the command's id, together with a
/// fingerprint of who sent what (actor, method, path, body): the event log keeps it with
/// the events the command appended, in the same transaction, so a repeat survives
/// restarts. The same key with the same request is answered as the first time (from the
/// log); with a different request, `422`; while the first is still running, `409`.
actor IdempotencyGate {
    private var inFlight: Set<String> = []

    /// The longest key accepted.
    static let maximumKeyLength = 200

    /// The key of `request`, checked.
    static func key(of request: Request) throws -> String {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else {
            throw Problem.badRequest(
                "A command needs an 'Idempotency-Key' header (e.g. a new UUID per command): repeating the request with it is safe.",
                field: "Idempotency-Key")
        }
        guard !key.isEmpty, key.count <= maximumKeyLength, key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Problem.badRequest(
                "'Idempotency-Key' must be 1 to \(maximumKeyLength) visible ASCII characters, without spaces.", field: "Idempotency-Key")
        }
        return key
    }

    /// `key` in the caller's own namespace: a key another caller used is new to this one
    /// (never "already used", which would tell that someone sent it). The caller's part
    /// comes first and has a fixed length, so that no key of one caller can spell
    /// another's.
    static func scope(key: String, actor: String) -> String {
        SHA256.hash(data: Data(actor.utf8)).prefix(8).lowercaseHex + ":" + key
    }

    /// The command id of a request: its key in the caller's scope and the fingerprint
    /// of what it asks.
    static func commandID(key: String, actor: String, request: Request, body: Data) -> String {
        var hasher = SHA256()
        for part in [actor, request.method.rawValue, request.uri.path] {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: Data([0]))
        }
        hasher.update(data: body)
        let fingerprint = hasher.finalize().prefix(12).lowercaseHex
        return "\(scope(key: key, actor: actor))#\(fingerprint)"
    }

    /// Runs `body` unless a request with the same scoped key is running; then `409`.
    func exclusively<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        guard inFlight.insert(key).inserted else {
            throw Problem(
                .conflict, "request-in-progress", title: "The same request is still running",
                detail: "A request with this Idempotency-Key is still being processed; repeat it once that one has answered.",
                field: "Idempotency-Key")
        }
        defer { inFlight.remove(key) }
        return try await body()
    }
}
