import Foundation

/// The directory of principals and the record of refused attempts, kept as eventLog.
extension CaseStore {
    /// The directory as its events state it now.
    public func principals() async throws -> PrincipalDirectory {
        var directory = PrincipalDirectory()
        let decoder = JSONDecoder()
        for try await record in eventLog.read(stream: PrincipalDirectory.stream) {
            switch record.type {
            case PrincipalAdded.typeName: directory.apply(.added(try decoder.decode(PrincipalAdded.self, from: record.payload)))
            case PrincipalRemoved.typeName: directory.apply(.removed(try decoder.decode(PrincipalRemoved.self, from: record.payload)))
            default: continue
            }
        }
        return directory
    }

    /// Adds `principal` to the directory, or replaces its entry.
    ///
    /// - Throws: ``CommandRefused`` (`.invalidIdentifier`) when an id breaks the id rule.
    @discardableResult
    public func addPrincipal(_ principal: Principal, by actor: Acting) async throws -> AppendResult {
        try Identifier.check(principal.actor, as: "actor id")
        try Identifier.check(principal.organisation, as: "organisation id")
        for role in principal.roles { try Identifier.check(role, as: "role id") }
        for process in principal.processes ?? [] { try Identifier.check(process, as: "process id") }
        return try await appendDirectoryEvent(PrincipalAdded.typeName, PrincipalAdded(principal: principal), by: actor)
    }

    /// Removes `actor` from the directory.
    ///
    /// - Throws: ``CommandRefused`` (`.unknownCase`) when the directory has no such principal.
    @discardableResult
    public func removePrincipal(_ actorID: String, reason: String, by actor: Acting) async throws -> AppendResult {
        guard try await principals().principal(actorID) != nil else {
            throw CommandRefused(.unknownCase, "The directory has no principal \(Identifier.escaped(actorID)).")
        }
        return try await appendDirectoryEvent(PrincipalRemoved.typeName, PrincipalRemoved(actor: actorID, reason: reason), by: actor)
    }

    private func appendDirectoryEvent(_ type: String, _ payload: some Encodable, by actor: Acting) async throws -> AppendResult {
        try await eventLog.append(
            [try NewEvent(type: type, encoding: payload)], to: PrincipalDirectory.stream, expected: .any,
            metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
    }

    /// Records a refused attempt (who tried what on which case, and why it was refused)
    /// in the log's `$security` stream, apart from the case: a refusal appends nothing to
    /// the case itself, and a case the actor may not see is not revealed to exist.
    @discardableResult
    public func recordRefusal(_ refusal: AccessRefused, by actor: Acting) async throws -> AppendResult {
        try await eventLog.append(
            [try NewEvent(type: AccessRefused.typeName, encoding: refusal)], to: AccessRefused.stream, expected: .any,
            metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
    }

    /// Every refused attempt, oldest first, with who made it and when (milliseconds since 1970).
    public func refusals() async throws -> [(refusal: AccessRefused, actor: String?, at: Int64)] {
        var result: [(refusal: AccessRefused, actor: String?, at: Int64)] = []
        for try await record in eventLog.read(stream: AccessRefused.stream) where record.type == AccessRefused.typeName {
            result.append((try record.decode(AccessRefused.self), record.metadata.actor, record.recordedAt))
        }
        return result
    }
}

/// A refused attempt, recorded as a security event.
public struct AccessRefused: Sendable, Hashable, Codable {
    public static let typeName = "AccessRefused"
    /// The stream security events are kept in.
    public static let stream = StreamID(rawValue: "$security")

    /// What was tried, e.g. `complete`, `show`, `erase`.
    public var action: String
    /// The case it was tried on.
    public var caseID: String
    /// Why it was refused: `unknownActor`, `notFound` or `forbidden`, or
    /// ``caseIDTaken``.
    public var code: String

    /// The code of an attempt to open a case under an id that is taken (whoever's case
    /// it is): the answer does not say whose, and the attempt is kept, as ids of other
    /// organisations' cases can be probed this way.
    public static let caseIDTaken = "caseIDTaken"

    public init(action: String, caseID: String, code: String) {
        self.action = action
        self.caseID = caseID
        self.code = code
    }
}
