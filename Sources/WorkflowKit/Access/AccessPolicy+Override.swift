import Foundation

/// Lawful overrides and their review: who may read a case without consent under a
/// statutory duty, and who reviews it afterwards.
///
/// - **Asking for an override**: a holder of `statutory-override` in the case's process,
///   for themselves ("break the glass"), with a reason and the statutory basis, for at
///   most ``AccessOverride/maximumHours`` hours. Nobody grants it to someone else: the
///   one who reads answers for the reason, and the review sees it.
/// - **Under an override** the holder sees the case (``canSee(_:actor:)``) while it is in
///   force and they still hold the role; every command on the case is still refused.
/// - **Reviewing** overrides and refused attempts: a holder of `coordinator` or
///   `data-protection-officer` (in any process).
extension AccessPolicy {
    /// The role that may ask for an override.
    public static let overrideRole = "statutory-override"
    /// The data-protection officer's role: reviews overrides and refused attempts.
    public static let dataProtectionRole = "data-protection-officer"
    /// The roles that may review overrides and refused attempts.
    public static let reviewerRoles: Set<String> = [coordinatorRole, dataProtectionRole]

    /// The override in force at ``now`` under which `actor` may read `state`: one they
    /// asked for on this case, while they are in the directory and still hold
    /// `statutory-override` in the case's process.
    public func activeOverride(of actor: String, on state: CaseState) -> AccessOverride? {
        guard directory.isEnforced, directory.principal(actor)?.holds(Self.overrideRole, in: state.process) == true else {
            return nil
        }
        return overrides.active(for: actor, on: state.id, at: now)
    }

    /// The override that a read of `state` by `actor` is made under, to mark the read
    /// with in the access log; nil when the actor sees the case by right.
    public func readingUnderOverride(_ state: CaseState, actor: String) -> AccessOverride? {
        seesByRight(state, actor: actor) ? nil : activeOverride(of: actor, on: state)
    }

    /// The grant of an override on case `caseID` to `actor`, from ``now``, once checked:
    /// record it with ``WorkflowDatabase/grantOverride(_:by:)``.
    ///
    /// - Parameters:
    ///   - caseID: The case to be read.
    ///   - state: The case; nil when there is no such case.
    ///   - reason: Why the case must be read; required, never personal data.
    ///   - basis: The statutory duty, e.g. "Child Welfare Act 417/2007 §26"; required.
    ///   - hours: How long it lasts: 1 to ``AccessOverride/maximumHours``.
    ///   - actor: The id of the worker asking for the override.
    /// - Throws: ``AccessDenied``, checked first: `.unknownActor`; `.forbidden` when the
    ///   actor holds `statutory-override` in no process; `.notFound` when there is no such
    ///   case or the actor does not hold the role in its process (so that a refusal does not
    ///   reveal that the case exists). Then ``CommandRefused`` (`.invalidValue`) for a missing
    ///   or over-long reason or basis, hours out of range, or an override that is not needed
    ///   (access control is off, or the actor sees the case by right).
    public func override(
        _ caseID: StreamID, state: CaseState?, reason: String, basis: String, hours: Int = AccessOverride.defaultHours, by actor: String
    ) throws -> AccessOverrideGranted {
        guard directory.isEnforced else {
            throw CommandRefused(
                .invalidValue,
                "Access control is off (the directory of principals is empty): every actor sees every case, and no override is needed.")
        }
        guard let principal = directory.principal(actor) else {
            throw AccessDenied(.unknownActor, Self.notInDirectory(actor))
        }
        guard principal.roles.contains(Self.overrideRole) else {
            throw AccessDenied(
                .forbidden, "Reading a case under an override needs the role '\(Self.overrideRole)'; '\(actor)' does not hold it.")
        }
        guard let state, principal.holds(Self.overrideRole, in: state.process) else {
            throw AccessDenied(.notFound, "Case \(Identifier.escaped(caseID.rawValue)) does not exist.")
        }
        let reason = try Self.statement(reason, named: "reason", example: "why the case must be read")
        let basis = try Self.statement(basis, named: "basis", example: "the statutory duty, e.g. a section of an act")
        guard (1...AccessOverride.maximumHours).contains(hours) else {
            throw CommandRefused(
                .invalidValue,
                "An override lasts 1 to \(AccessOverride.maximumHours) hours, not \(hours); a longer need is a new override with its own reason.")
        }
        if seesByRight(state, actor: actor) {
            throw CommandRefused(
                .invalidValue, "'\(actor)' sees case \(Identifier.escaped(caseID.rawValue)) without an override: none is needed.")
        }
        return AccessOverrideGranted(
            actor: actor, caseID: caseID.rawValue, reason: reason, basis: basis, from: now, until: now + Int64(hours) * 3_600_000)
    }

    /// Checks that `actor` may review the overrides and refused attempts.
    ///
    /// - Throws: ``AccessDenied``: `.unknownActor`, or `.forbidden` naming the roles needed.
    public func authorizeReview(by actor: String) throws {
        guard directory.isEnforced else { return }
        guard let principal = directory.principal(actor) else {
            throw AccessDenied(.unknownActor, Self.notInDirectory(actor))
        }
        guard principal.roles.isDisjoint(with: Self.reviewerRoles) else { return }
        throw AccessDenied(
            .forbidden,
            "Reviewing overrides and refused attempts needs the role '\(Self.coordinatorRole)' or '\(Self.dataProtectionRole)'; '\(actor)' holds neither.")
    }

    private static func notInDirectory(_ actor: String) -> String {
        "'\(actor)' is not in the directory of principals: ask a coordinator to add them ('aso-engine principals add')."
    }

    /// `text` trimmed, when it is a usable reason or basis.
    private static func statement(_ text: String, named name: String, example: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw CommandRefused(.invalidValue, "An override needs a \(name) (\(example)); it is empty.")
        }
        guard trimmed.count <= AccessOverride.maximumTextLength else {
            throw CommandRefused(
                .invalidValue,
                "An override's \(name) is at most \(AccessOverride.maximumTextLength) characters, not \(trimmed.count): "
                    + "state it briefly, without personal data.")
        }
        return trimmed
    }
}
