import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Processes
import WorkflowKit

/// Commands as sub-resources of a case. Each needs `Idempotency-Key` and, on an existing
/// case, `If-Match` with the version the caller read; the answer carries the new version.
extension APIServer {
    func addCommandRoutes(to v1: RouterGroup<APIContext>) {
        v1.post("cases") { request, context in
            try await openCase(request, context)
        }
        v1.post("cases/:case/tasks/:task/completion") { request, context in
            let task = try context.pathParameter("task")
            return try await command(request, context, members: ["outcomes"]) { body in
                .complete(task: task, outcomes: try body.values("outcomes"))
            }
        }
        v1.post("cases/:case/tasks/:task/claim") { request, context in
            let task = try context.pathParameter("task")
            return try await command(request, context, members: []) { _ in .claim(task: task) }
        }
        v1.post("cases/:case/tasks/:task/unclaim") { request, context in
            let task = try context.pathParameter("task")
            return try await command(request, context, members: []) { _ in .unclaim(task: task) }
        }
        v1.post("cases/:case/fields") { request, context in
            try await command(request, context, members: ["values", "cleared"]) { body in
                let values = try body.values("values")
                let cleared = try body.texts("cleared", required: false)
                if values.isEmpty && cleared.isEmpty {
                    throw Problem.invalid("Give 'values' to record or 'cleared' to remove.", field: "values")
                }
                return .record(values: values, cleared: cleared)
            }
        }
        v1.post("cases/:case/events") { request, context in
            try await command(request, context, members: ["event"]) { body in .fire(event: try body.text("event")!) }
        }
        v1.post("cases/:case/consent") { request, context in
            try await command(request, context, members: ["parties"]) { body in .giveConsent(parties: try body.texts("parties")) }
        }
        v1.post("cases/:case/consent-withdrawal") { request, context in
            try await command(request, context, members: []) { _ in .withdrawConsent }
        }
        v1.post("cases/:case/disclosures") { request, context in
            try await command(request, context, members: ["party", "purpose"]) { body in
                .disclose(party: try body.text("party")!, purpose: try Self.checkedPurpose(try body.text("purpose")!, field: "purpose"))
            }
        }
        v1.post("cases/:case/handover") { request, context in
            try await command(request, context, members: ["to"]) { body in .handOver(to: Identifier.normalized(try body.text("to")!)) }
        }
        v1.post("cases/:case/closure") { request, context in
            try await command(request, context, members: ["reason"]) { body in .close(reason: try body.text("reason")!) }
        }
        v1.post("cases/:case/reopening") { request, context in
            try await command(request, context, members: ["reason"]) { body in .reopen(reason: try body.text("reason")!) }
        }
        v1.post("cases/:case/migration") { request, context in
            try await command(request, context, members: ["process"]) { body in
                let id = try body.text("process")!
                guard let definition = catalog.definition(id: id) else {
                    throw Problem.invalid("There is no process '\(id)' to migrate to.", field: "process")
                }
                return .migrate(to: definition)
            }
        }
        v1.post("cases/:case/erasure") { request, context in
            try await erase(request, context)
        }
    }

    /// `POST /v1/cases/{case}/…`: one command, under the idempotency and version rules.
    private func command(
        _ request: Request, _ context: APIContext, members: Set<String>, _ make: @Sendable (JSONBody) throws -> CaseCommand
    ) async throws -> Response {
        let guardian = try await signIn(request)
        let id = try context.pathParameter("case")
        let key = try IdempotencyGate.key(of: request)
        let body = try await JSONBody.read(request, context: context)
        let commandID = IdempotencyGate.commandID(key: key, actor: guardian.actor.id, request: request, body: body.data)
        let scoped = IdempotencyGate.scope(key: key, actor: guardian.actor.id)
        return try await idempotency.exclusively(scoped) {
            if let replay = try await replay(commandID, key: scoped, status: .ok) { return replay }
            try body.allowOnly(members)
            let version = try Self.ifMatch(request)
            let command = try make(body)
            let (state, _) = try await visibleCase(id, for: command.name, by: guardian)
            do {
                try await guardian.authorize(command, on: state)
                let outcome = try await engine.execute(
                    command, on: state.id, by: guardian.actor, commandID: commandID, ifRevision: version)
                if !outcome.events.isEmpty { metrics.commandAppended() }
                return try Self.json(
                    Self.commandJSON(id, version: outcome.state.revision, appended: outcome.events.map(\.typeName)),
                    headers: [.eTag: Self.etag(outcome.state.revision)])
            } catch let refused as CommandRefused {
                metrics.commandRefused(refused.code.description)
                throw refused
            } catch let denied as AccessDenied {
                metrics.commandRefused(denied.code.description)
                throw denied
            }
        }
    }

    /// `POST /v1/cases`: opens a case.
    private func openCase(_ request: Request, _ context: APIContext) async throws -> Response {
        let guardian = try await signIn(request)
        let key = try IdempotencyGate.key(of: request)
        let body = try await JSONBody.read(request, context: context)
        let commandID = IdempotencyGate.commandID(key: key, actor: guardian.actor.id, request: request, body: body.data)
        let scoped = IdempotencyGate.scope(key: key, actor: guardian.actor.id)
        return try await idempotency.exclusively(scoped) {
            if let replay = try await replay(commandID, key: scoped, status: .created) { return replay }
            try body.allowOnly(["process", "case", "fields", "responsibleWorker", "legalBasis"])
            let processID = try body.text("process")!
            guard let definition = catalog.definition(id: processID) else {
                throw Problem.invalid("There is no process '\(processID)'; GET /v1/processes lists them.", field: "process")
            }
            let caseID: StreamID
            if let given = try body.text("case", required: false) {
                do {
                    caseID = StreamID(try Identifier.validated(given, as: "case id"))
                } catch let refused as CommandRefused {
                    throw Problem.invalid(refused.message, field: "case")
                }
            } else {
                caseID = StreamID(UUID().uuidString.lowercased())
            }
            let fields = try body.values("fields")
            let worker = try body.text("responsibleWorker", required: false).map(Identifier.normalized)
            let legalBasis = try body.text("legalBasis", required: false)
            if let legalBasis, legalBasis.trimmingCharacters(in: .whitespaces).isEmpty {
                throw Problem.invalid("'legalBasis' must name the law or duty.", field: "legalBasis")
            }
            try await guardian.authorizeOpening(caseID)
            do {
                let outcome = try await engine.open(
                    definition, caseID: caseID, fields: fields, responsibleWorker: worker, legalBasis: legalBasis, by: guardian.actor,
                    commandID: commandID)
                metrics.commandAppended()
                return try Self.json(
                    Self.commandJSON(caseID.rawValue, version: outcome.state.revision, appended: outcome.events.map(\.typeName)),
                    status: .created, headers: [.eTag: Self.etag(outcome.state.revision), .location: "/v1/cases/\(caseID.rawValue)"])
            } catch is VersionConflict {
                // The id is taken: by a case the caller sees, one they do not, or one erased.
                // The answer is the same for all three (and says nothing more than that the
                // id is taken), and the attempt is a security event, as a refused read is:
                // probing ids of other organisations' cases shows in the review.
                metrics.commandRefused("alreadyOpen")
                try await database.recordRefusal(
                    AccessRefused(action: "open", caseID: caseID.rawValue, code: AccessRefused.caseIDTaken), by: guardian.actor)
                throw Problem(
                    .conflict, "case-exists", title: "The case id is taken",
                    detail: "The case id \(Identifier.escaped(caseID.rawValue)) is taken; choose another, or leave out 'case' and the server makes one.",
                    field: "case")
            } catch let refused as CommandRefused {
                metrics.commandRefused(refused.code.description)
                throw refused
            }
        }
    }

    /// `POST /v1/cases/{case}/erasure`: shreds the case's personal data (a coordinator's).
    private func erase(_ request: Request, _ context: APIContext) async throws -> Response {
        let guardian = try await signIn(request)
        let id = try context.pathParameter("case")
        let key = try IdempotencyGate.key(of: request)
        let body = try await JSONBody.read(request, context: context)
        let commandID = IdempotencyGate.commandID(key: key, actor: guardian.actor.id, request: request, body: body.data)
        let scoped = IdempotencyGate.scope(key: key, actor: guardian.actor.id)
        return try await idempotency.exclusively(scoped) {
            if let replay = try await replay(commandID, key: scoped, status: .ok) { return replay }
            try body.allowOnly(["reason"])
            let reason = try body.text("reason")!
            let version = try Self.ifMatch(request)
            let (state, _) = try await visibleCase(id, for: "erase", by: guardian)
            try await guardian.authorizeErasure(of: state)
            if state.revision != version { throw StaleCaseVersion(case: state.id, expected: version, actual: state.revision) }
            let result = try await engine.execute(.erase(reason: reason), on: state.id, by: guardian.actor, commandID: commandID).append
            metrics.commandAppended()
            return try Self.json(
                Self.commandJSON(id, version: result.version, appended: ["CaseErased"]), headers: [.eTag: Self.etag(result.version)])
        }
    }

    /// The first answer to a repeated request, rebuilt from the log; `422` when the caller
    /// used the key for a different request; nil when the key is new to the caller
    /// (`key` is the key in the caller's scope).
    private func replay(_ commandID: String, key: String, status: HTTPResponse.Status) async throws -> Response? {
        let used = try await database.appliedCommandResults(prefixedBy: key + "#", limit: 2)
        if let applied = used[commandID] {
            let count = Int(applied.lastPosition - applied.firstPosition + 1)
            var types: [String] = []
            for try await event in database.eventLog.read(stream: applied.stream, fromVersion: applied.version - Int64(count) + 1) {
                guard types.count < count else { break }
                types.append(event.type)
            }
            var headers: HTTPFields = [.eTag: Self.etag(applied.version), HTTPField.Name("Idempotent-Replayed")!: "true"]
            if status == .created { headers[.location] = "/v1/cases/\(applied.stream.rawValue)" }
            return try Self.json(Self.commandJSON(applied.stream.rawValue, version: applied.version, appended: types), status: status, headers: headers)
        }
        if !used.isEmpty {
            throw Problem(
                .unprocessableContent, "idempotency-key-reused", title: "The key was used for another request",
                detail: "You already used this Idempotency-Key for a different request (another body or path); use a new key for a new command.",
                field: "Idempotency-Key")
        }
        return nil
    }

    /// The case version `If-Match` names: required on commands.
    static func ifMatch(_ request: Request) throws -> Int64 {
        guard let header = request.headers[.ifMatch] else {
            throw Problem(
                .preconditionRequired, "if-match-required", title: "If-Match needed",
                detail: "A command on a case needs 'If-Match' with the case's version as its ETag (e.g. If-Match: \"3\"), from the last read.",
                field: "If-Match")
        }
        var text = header.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") {
            // RFC 9110 §13.1.1: If-Match compares strongly, and a weak tag never matches.
            throw Problem(
                .preconditionFailed, "weak-etag", title: "If-Match needs a strong tag",
                detail: "'If-Match' compares strong tags (RFC 9110): a weak tag (W/\"…\") never matches. Send the case's ETag as it came, e.g. \"3\".",
                field: "If-Match")
        }
        if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        guard let version = Int64(text), version > 0 else {
            throw Problem.badRequest("'If-Match' must be the case's ETag, e.g. \"3\".", field: "If-Match")
        }
        return version
    }

    static func commandJSON(_ caseID: String, version: Int64, appended: [String]) -> [String: Any] {
        ["case": caseID, "version": version, "appended": appended]
    }
}
