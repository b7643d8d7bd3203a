
/// What the retention sweep decided about one closed case.
public struct RetentionDecision: Sendable, Hashable {
    /// The decision.
    public enum Outcome: Sendable, Hashable, CustomStringConvertible {
        /// The period ended and the case's personal data was destroyed now.
        case erased
        /// The period ended; a dry run left the case as it is.
        case due
        /// Kept until ``RetentionDecision/expiry``.
        case kept
        /// Neither the process file nor the case's version states a retention rule.
        case noRule
        /// The rule counts from a date field the case has no value for.
        case cannotCount
        /// Erased before (by hand or by an earlier sweep).
        case alreadyErased

        public var description: String {
            switch self {
            case .erased: "erased"
            case .due: "due"
            case .kept: "kept"
            case .noRule: "no rule"
            case .cannotCount: "cannot count"
            case .alreadyErased: "already erased"
            }
        }
    }

    public var caseID: StreamID
    public var process: String
    public var closedOn: LocalDate?
    /// The rule that applies, if any.
    public var rule: RetentionRule?
    /// The first day the personal data may be destroyed, when it can be counted.
    public var expiry: LocalDate?
    public var outcome: Outcome
}

/// Destroys (crypto-shreds) the personal data of closed cases whose retention period
/// has ended: the `retention` command and the daemon's daily run.
///
/// The rule of a case comes from its process as the process files state it *now*
/// (`rules`), so that a corrected period applies to every closed case of the process;
/// when the files no longer have the process, from the version the case followed.
/// Open cases are never touched. A case is erased through the engine, as the command
/// ``CaseCommand/erase(reason:)``: its key is deleted, the non-personal facts stay, and
/// the reason names the class and the period — never a value.
public struct RetentionSweep: Sendable {
    public let engine: Engine
    /// The processes the deployment knows now, by id, with their rule (nil: none,
    /// whatever older versions said). A case of a process not in it follows its own version.
    public let currentRules: [String: RetentionRule?]

    public init(engine: Engine, currentRules: [String: RetentionRule?]) {
        self.engine = engine
        self.currentRules = currentRules
    }

    /// Decides for every closed case and, unless `dryRun`, erases those whose period has
    /// ended, as `actor`. `today` defaults to the engine's clock in each case's calendar.
    ///
    /// - Throws: ``UnknownCalendar`` when the engine's calendars lack a closed case's
    ///   (its period cannot be counted; the cases before it were decided); a storage error.
    public func run(dryRun: Bool = false, today: LocalDate? = nil, by actor: Acting) async throws -> [RetentionDecision] {
        var decisions: [RetentionDecision] = []
        for summary in try await engine.store.cases(process: nil, includeClosed: true) where summary.closedOn != nil {
            let pinned = try await engine.definition(hash: summary.definition)
            let rule = currentRules[summary.process] ?? pinned.retention
            let calendar = try engine.calendar(for: pinned)
            let day = today ?? engine.today(in: calendar)
            var decision = RetentionDecision(
                caseID: summary.id, process: summary.process, closedOn: summary.closedOn, rule: rule, expiry: nil, outcome: .noRule)
            if summary.erasedOn != nil {
                decision.outcome = .alreadyErased
                decisions.append(decision)
                continue
            }
            guard let rule else {
                decisions.append(decision)
                continue
            }
            // A case kept for years need not be read every day: a rule counted from
            // closing is decided from the projection alone.
            if rule.after == .closing, let expiry = rule.expiry(closedOn: summary.closedOn, fields: [:], calendar: calendar), expiry > day {
                decision.expiry = expiry
                decision.outcome = .kept
                decisions.append(decision)
                continue
            }
            let (state, _) = try await engine.load(summary.id)
            decision.expiry = rule.expiry(closedOn: state.closed?.on, fields: state.fields, calendar: calendar)
            if let expiry = decision.expiry {
                decision.outcome = expiry > day ? .kept : dryRun ? .due : .erased
            } else {
                decision.outcome = .cannotCount
            }
            if decision.outcome == .erased {
                do {
                    try await engine.execute(.erase(reason: Self.reason(rule)), on: state.id, by: actor)
                } catch let refused as CommandRefused where refused.code == .erased {
                    // Another sweep (a second daemon) got there first.
                    decision.outcome = .alreadyErased
                }
            }
            decisions.append(decision)
        }
        return decisions
    }

    /// The erasure's reason: the class and the period, never a value.
    static func reason(_ rule: RetentionRule) -> String {
        let basis = rule.basis.map { " (\($0))" } ?? ""
        return "The retention period ended: class '\(rule.retentionClass)', kept \(rule)\(basis)."
    }
}
