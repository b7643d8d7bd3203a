/// The access rules applied for one acting principal, on any surface (the HTTP API, an
/// embedder's own): each check either passes or records the refused attempt as a
/// security event (``AccessRefused``, apart from the case) and throws ``AccessDenied``.
/// Nothing is appended to the case by a refusal.
public struct AccessGuard: Sendable {
    public let database: any CaseStore
    public let policy: AccessPolicy
    /// The acting principal, with the organisation the directory names for them.
    public let actor: Acting

    /// Reads the directory and the lawful overrides now (`now` decides which overrides
    /// are in force), and takes the actor's organisation from the directory.
    public init(database: any CaseStore, actor: Acting, now: Int64) async throws {
        self.init(database: database, policy: try await database.accessPolicy(now: now), actor: actor)
    }

    public init(database: any CaseStore, policy: AccessPolicy, actor: Acting) {
        self.database = database
        self.policy = policy
        var actor = actor
        if let principal = policy.directory.principal(actor.id) { actor.organisation = principal.organisation }
        self.actor = actor
    }

    /// The acting principal's directory entry (nil while the directory is empty, or for an unknown actor).
    public var principal: Principal? { policy.directory.principal(actor.id) }

    /// The lawful override the actor would read `state` under (nil when they see it by
    /// right, or not at all): reads under it are recorded as such in the access log.
    public func override(for state: CaseState) -> AccessOverride? {
        policy.directory.isEnforced ? policy.readingUnderOverride(state, actor: actor.id) : nil
    }

    /// Whether the actor may see case `state`.
    public func canSee(_ state: CaseState) -> Bool {
        guard policy.directory.isEnforced else { return true }
        return principal != nil && policy.canSee(state, actor: actor.id)
    }

    /// Whether a task list may show a task of `role` in `process` to the actor where the
    /// actor does not see its case: a role holder sees the task (case id, dates, role),
    /// never the case. The responsible worker's tasks belong to the lead organisation,
    /// which sees the case anyway.
    public func maySeeTask(role: String, process: String) -> Bool {
        guard policy.directory.isEnforced else { return true }
        return role != AccessPolicy.responsibleRole && principal?.holds(role, in: process) == true
    }

    /// Passes when the actor may see `state`; else records the refusal of `action` and
    /// throws ``AccessDenied`` (`.notFound` says only that the case does not exist).
    public func requireSight(of state: CaseState, for action: String) async throws {
        try await refusing(action, state.id) {
            guard policy.directory.isEnforced else { return }
            guard principal != nil else { throw Self.unknown(actor.id) }
            guard policy.canSee(state, actor: actor.id) else {
                throw AccessDenied(.notFound, "Case \(Identifier.escaped(state.id.rawValue)) does not exist.")
            }
        }
    }

    /// Passes when the actor may run `command` on `state`; else records and throws.
    public func authorize(_ command: CaseCommand, on state: CaseState) async throws {
        try await refusing(command.name, state.id) { try policy.authorize(command, on: state, by: actor.id) }
    }

    /// Passes when the actor may erase `state`; else records and throws.
    public func authorizeErasure(of state: CaseState) async throws {
        try await refusing("erase", state.id) { try policy.authorizeErasure(of: state, by: actor.id) }
    }

    /// Passes when the actor may open cases: anyone in the directory (once it names anyone).
    public func authorizeOpening(_ caseID: StreamID) async throws {
        try await refusing("open", caseID) {
            guard policy.directory.isEnforced, principal == nil else { return }
            throw Self.unknown(actor.id)
        }
    }

    /// Passes when the actor holds `role` (in any process); else records and throws.
    public func requireRole(_ role: String, for action: String) async throws {
        try await refusing(action, StreamID(rawValue: "-")) {
            guard policy.directory.isEnforced else { return }
            guard let principal else { throw Self.unknown(actor.id) }
            guard principal.roles.contains(role) else {
                throw AccessDenied(.forbidden, "'\(action)' needs the role '\(role)'; '\(actor.id)' does not hold it.")
            }
        }
    }

    private static func unknown(_ actor: String) -> AccessDenied {
        AccessDenied(.unknownActor, "'\(actor)' is not in the directory of principals: ask a coordinator to add them ('aso-engine principals add').")
    }

    private func refusing(_ action: String, _ caseID: StreamID, _ check: () throws -> Void) async throws {
        do {
            try check()
        } catch let denied as AccessDenied {
            try await database.recordRefusal(
                AccessRefused(action: action, caseID: caseID.rawValue, code: denied.code.description), by: actor)
            throw denied
        }
    }
}
