import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine override CASE --reason TEXT --basis TEXT [--hours N]`: read a case without
/// consent under a statutory duty, for a limited time, recorded for review.
struct OverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Read a case without consent under a statutory duty: a time-limited override with a reason, recorded for review.",
        discussion: """
            For a holder of the '\(AccessPolicy.overrideRole)' role, for themselves: until the override ends they see \
            the case (show, history, explain, access-log), and may not act on it. Every read under it is marked in the \
            case's access log with the reason and basis, and 'aso-engine access-review' lists the override and those \
            reads. Anyone else is refused, and the attempt is recorded as a security event. The reason and basis must \
            not hold personal data: they are kept apart from the case and are not erased with it.
            """)

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("Why the case must be read (required; no personal data).", valueName: "text"))
    var reason: String

    @Option(
        name: .long, help: ArgumentHelp("The statutory duty it is read under, e.g. 'Child Welfare Act 417/2007 §26'.", valueName: "text"))
    var basis: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How long it lasts, in hours (at most \(AccessOverride.maximumHours)).", valueName: "n"))
    var hours = AccessOverride.defaultHours

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let database = try await global.openStore()
        let gate = try await AccessGate(database: database, global: global)
        let id = caseStream(caseID)
        let state = try await refusingWithExit { () -> CaseState? in
            do {
                return try await Engine(store: database).load(id).0
            } catch let refused as CommandRefused where refused.code == .unknownCase {
                return nil
            }
        }
        let grant = try await refusingWithExit {
            try await gate.refusing("override", id) {
                try gate.policy.override(id, state: state, reason: reason, basis: basis, hours: hours, by: gate.actor.id)
            }
        }
        let override = try await database.grantOverride(grant, by: gate.actor)
        if global.json {
            try printJSON(AccessLogCommand.json(override))
            return
        }
        print(
            "Override \(override.id): '\(override.actor)' may read case \(Identifier.escaped(override.caseID.rawValue)) "
                + "until \(SimulatedTime.iso(milliseconds: override.until)), under \(override.basis).")
        print("Every read under it is marked in the case's access log, and 'aso-engine access-review' lists it for review.")
    }
}
