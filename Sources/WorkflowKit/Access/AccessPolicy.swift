/// Who sees a case and who may act on it: one set of rules for the command line, the
/// library's embedders and any other surface.
///
/// - **Seeing a case**: the responsible worker; principals of the lead organisation (the
///   responsible worker's, which moves with a handover); and, while the client's consent
///   is in force, principals of the organisations (parties) it names. Anyone else is told
///   that the case does not exist.
/// - **Completing, claiming or unclaiming a task**: a holder of the task's role in the case's process who sees
///   the case (`responsible-worker` tasks: the responsible worker, or a holder of that
///   role in the lead organisation).
/// - **Other changes** (record, fire, consent, disclose, handover, close): the
///   responsible worker, or a holder of `responsible-worker` in the lead organisation.
/// - **Migrate and erase**: a holder of `coordinator` in the case's process who acts for its
///   lead organisation. A coordinator sees no more than the rest of their organisation: the
///   role manages the directory and the organisation's own cases, not everyone's.
/// - **Reading under an override**: a holder of `statutory-override` who asked for an
///   ``AccessOverride`` on the case sees it until the override ends, and may not act on it
///   (see `AccessPolicy+Override.swift`).
///
/// While the directory names nobody, the rules are off (``PrincipalDirectory/isEnforced``).
public struct AccessPolicy: Sendable {
    public let directory: PrincipalDirectory
    /// The overrides granted; those in force at ``now`` let their holders read.
    public let overrides: AccessOverrides
    /// The time the rules are applied at, in milliseconds since 1970.
    public let now: Int64

    /// The role that may migrate and erase cases.
    public static let coordinatorRole = "coordinator"
    /// The role of the worker responsible for a case.
    public static let responsibleRole = "responsible-worker"

    /// Rules without overrides.
    public init(directory: PrincipalDirectory) {
        self.init(directory: directory, overrides: AccessOverrides(), now: 0)
    }

    /// Rules with the overrides granted, applied at `now` (milliseconds since 1970).
    public init(directory: PrincipalDirectory, overrides: AccessOverrides, now: Int64) {
        self.directory = directory
        self.overrides = overrides
        self.now = now
    }

    /// The organisation leading the case: its responsible worker's.
    public func leadOrganisation(of state: CaseState) -> String? {
        state.responsibleWorker.flatMap { directory.principal($0)?.organisation }
    }

    /// Whether `actor` may see case `state` at all: by right, or under an override in force.
    public func canSee(_ state: CaseState, actor: String) -> Bool {
        seesByRight(state, actor: actor) || activeOverride(of: actor, on: state) != nil
    }

    /// Whether `actor` sees case `state` without an override: as its responsible worker, of
    /// its lead organisation, or of a party its consent in force names. Holding a role —
    /// `coordinator` included — adds no sight of other organisations' cases.
    public func seesByRight(_ state: CaseState, actor: String) -> Bool {
        guard directory.isEnforced else { return true }
        guard let principal = directory.principal(actor) else { return false }
        if state.responsibleWorker == actor { return true }
        if let lead = leadOrganisation(of: state), lead == principal.organisation { return true }
        if let consent = state.consent, consent.contains(principal.organisation) { return true }
        return false
    }

    /// Checks that `actor` may run `command` on `state`.
    ///
    /// - Throws: ``AccessDenied``: `.notFound` when the actor may not see the case (the
    ///   message does not reveal that it exists), `.forbidden` naming the role needed.
    public func authorize(_ command: CaseCommand, on state: CaseState, by actor: String) throws {
        guard directory.isEnforced else { return }
        guard let principal = directory.principal(actor) else {
            throw AccessDenied(.unknownActor, "'\(actor)' is not in the directory of principals: ask a coordinator to add them ('aso-engine principals add').")
        }
        try requireSightByRight(of: state, by: actor, doing: "'\(command.name)'")
        switch command {
        case .complete(let task, _), .claim(let task), .unclaim(let task):
            // A task that is not open is the engine's to refuse, with its own sentence.
            guard let role = state.openTask(task)?.role else { return }
            if role == Self.responsibleRole {
                // The responsible worker's tasks: theirs, or their organisation's holders of the role.
                if state.responsibleWorker == actor { return }
                if principal.holds(role, in: state.process), principal.organisation == leadOrganisation(of: state) { return }
            } else if principal.holds(role, in: state.process) {
                return
            }
            let doing = switch command {
            case .claim: "Claiming"
            case .unclaim: "Unclaiming"
            default: "Completing"
            }
            throw AccessDenied(
                .forbidden, "\(doing) task '\(task)' needs the role '\(role)' in process '\(state.process)'; '\(actor)' does not hold it.")
        case .migrate:
            try requireLeadCoordinator(principal, state, doing: "Migrating a case")
        case .erase:
            try requireLeadCoordinator(principal, state, doing: "Erasing a case's personal data")
        case .open:
            return
        default:
            if state.responsibleWorker == actor { return }
            if principal.holds(Self.responsibleRole, in: state.process), principal.organisation == leadOrganisation(of: state) { return }
            throw AccessDenied(
                .forbidden,
                "'\(command.name)' on case \(Identifier.escaped(state.id.rawValue)) is for its responsible worker, or a holder of '\(Self.responsibleRole)' in the lead organisation; '\(actor)' is neither.")
        }
    }

    /// Checks that `actor` may erase case `state`.
    public func authorizeErasure(of state: CaseState, by actor: String) throws {
        guard directory.isEnforced else { return }
        guard let principal = directory.principal(actor) else {
            throw AccessDenied(.unknownActor, "'\(actor)' is not in the directory of principals.")
        }
        try requireSightByRight(of: state, by: actor, doing: "'erase'")
        try requireLeadCoordinator(principal, state, doing: "Erasing a case's personal data")
    }

    /// Erasing and migrating a case: a holder of `coordinator` in its process, acting for its
    /// lead organisation — a party the consent names sees the case, but does not decide
    /// what happens to the lead organisation's record.
    private func requireLeadCoordinator(_ principal: Principal, _ state: CaseState, doing what: String) throws {
        try require(Self.coordinatorRole, principal, state, doing: what)
        let lead = leadOrganisation(of: state)
        guard lead == principal.organisation else {
            let leading = lead.map { "its lead organisation '\($0)'" } ?? "its lead organisation (it has none: its responsible worker is not in the directory)"
            throw AccessDenied(
                .forbidden,
                "\(what) on case \(Identifier.escaped(state.id.rawValue)) is for a holder of '\(Self.coordinatorRole)' of \(leading); "
                    + "'\(principal.actor)' acts for '\(principal.organisation)'.")
        }
    }

    /// A command needs sight of the case by right: an override lets its holder read, not act.
    private func requireSightByRight(of state: CaseState, by actor: String, doing what: String) throws {
        if seesByRight(state, actor: actor) { return }
        guard activeOverride(of: actor, on: state) != nil else {
            throw AccessDenied(.notFound, "Case \(Identifier.escaped(state.id.rawValue)) does not exist.")
        }
        throw AccessDenied(
            .forbidden,
            "\(what) on case \(Identifier.escaped(state.id.rawValue)) is refused: '\(actor)' reads it under an override, "
                + "which lets them read the case, not act on it.")
    }

    private func require(_ role: String, _ principal: Principal, _ state: CaseState, doing what: String) throws {
        guard principal.holds(role, in: state.process) else {
            throw AccessDenied(
                .forbidden, "\(what) needs the role '\(role)' in process '\(state.process)'; '\(principal.actor)' does not hold it.")
        }
    }
}

/// A command or read that the access rules refuse. Nothing was appended to the case.
public struct AccessDenied: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal, to match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case unknownActor, notFound, forbidden }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// The actor is not in the directory.
        public static let unknownActor = Code(.unknownActor)
        /// The actor may not see the case: reported as if it did not exist.
        public static let notFound = Code(.notFound)
        /// The actor sees the case but lacks the role the action needs.
        public static let forbidden = Code(.forbidden)
        public var description: String { value.rawValue }
    }

    public var code: Code
    /// A full sentence; for `.notFound`, the same sentence an unknown case gets.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
