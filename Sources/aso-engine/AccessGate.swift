import ArgumentParser
import Foundation
import WorkflowKit

/// The access rules as the command line applies them: a refusal is recorded as a
/// security event, printed, and ends the command with exit 1, before anything is
/// appended to the case.
struct AccessGate {
    let database: any CaseStore
    let policy: AccessPolicy
    let actor: Acting

    /// The rules as the log states them, for `--actor`, at the time overrides are checked
    /// at (``GlobalOptions/accessTime(in:)``).
    init(database: any CaseStore, global: GlobalOptions) async throws {
        self.database = database
        self.policy = try await database.accessPolicy(now: try global.accessTime(in: database))
        // The organisation comes from the directory, so that it is recorded with every event.
        var actor = global.acting
        if let principal = policy.directory.principal(actor.id) { actor.organisation = principal.organisation }
        self.actor = actor
    }

    /// Who reads a case: the acting principal (with their organisation), and the override
    /// they read it under when they see it only through one.
    struct Reader {
        var actor: Acting
        var override: AccessOverride?
    }

    /// For a command that reads case `id`: ends it, as if the case did not exist, unless the
    /// actor may see the case (by right or under an override in force).
    static func read(_ id: StreamID, for action: String, database: any CaseStore, global: GlobalOptions) async throws -> Reader {
        let gate = try await AccessGate(database: database, global: global)
        guard gate.policy.directory.isEnforced else { return Reader(actor: gate.actor) }
        let (state, _) = try await refusingWithExit { try await Engine(store: database).load(id) }
        try await gate.requireSight(of: state, for: action)
        return Reader(actor: gate.actor, override: gate.policy.readingUnderOverride(state, actor: gate.actor.id))
    }

    /// The cases of `ids` the actor may see (all of them while the directory is empty).
    /// An actor outside the directory sees none.
    func visible(_ ids: some Sequence<StreamID>) async throws -> Set<StreamID> {
        guard policy.directory.isEnforced else { return Set(ids) }
        guard policy.directory.principal(actor.id) != nil else { return [] }
        let engine = Engine(store: database)
        var visible: Set<StreamID> = []
        for id in Set(ids) where policy.canSee(try await engine.load(id).0, actor: actor.id) {
            visible.insert(id)
        }
        return visible
    }

    /// Whether a task list may show a task of role `role` in `process` to the actor even
    /// where the actor does not see the case: a role holder sees the task (its case id,
    /// dates and role), never the case. The responsible worker's tasks are the lead
    /// organisation's, which sees the case anyway.
    func holds(_ role: String, in process: String) -> Bool {
        guard policy.directory.isEnforced else { return true }
        return role != AccessPolicy.responsibleRole && policy.directory.principal(actor.id)?.holds(role, in: process) == true
    }

    /// Ends the command unless the actor may run `command` on `state`.
    func authorize(_ command: CaseCommand, on state: CaseState) async throws {
        try await refusing(command.name, state) { try policy.authorize(command, on: state, by: actor.id) }
    }

    /// Ends the command, as if the case did not exist, unless the actor may see it.
    func requireSight(of state: CaseState, for action: String) async throws {
        try await refusing(action, state) {
            guard policy.directory.isEnforced else { return }
            guard policy.directory.principal(actor.id) != nil else {
                throw AccessDenied(.unknownActor, "'\(actor.id)' is not in the directory of principals: ask a coordinator to add them ('aso-engine principals add').")
            }
            guard policy.canSee(state, actor: actor.id) else {
                throw AccessDenied(.notFound, "Case \(Identifier.escaped(state.id.rawValue)) does not exist.")
            }
        }
    }

    /// Ends the command unless the actor may erase `state`.
    func authorizeErasure(of state: CaseState) async throws {
        try await refusing("erase", state) { try policy.authorizeErasure(of: state, by: actor.id) }
    }

    /// Ends the command unless the actor may open cases (is in the directory, once it names anyone).
    func authorizeOpening() throws {
        guard policy.directory.isEnforced, policy.directory.principal(actor.id) == nil else { return }
        printError("'\(actor.id)' is not in the directory of principals: ask a coordinator to add them ('aso-engine principals add').")
        throw ExitCode(1)
    }

    private func refusing(_ action: String, _ state: CaseState, _ check: () throws -> Void) async throws {
        try await refusing(action, state.id, check)
    }

    /// Runs `check`; an ``AccessDenied`` is recorded as a security event about case `id`,
    /// printed, and ends the command with exit 1.
    func refusing<T>(_ action: String, _ id: StreamID, _ check: () throws -> T) async throws -> T {
        do {
            return try check()
        } catch let denied as AccessDenied {
            try await database.recordRefusal(
                AccessRefused(action: action, caseID: id.rawValue, code: denied.code.description), by: actor)
            printError(denied.message)
            throw ExitCode(1)
        }
    }
}
