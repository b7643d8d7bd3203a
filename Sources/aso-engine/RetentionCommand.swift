import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine retention`: destroys the personal data of closed cases whose retention
/// period has ended, as the process files state it.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Erase the personal data of closed cases whose retention period has ended.",
        discussion: """
            Each process file states its rule, e.g. 'retention: { class: working-age-adult-services, \
            keep: 10 years after closing }'. The rule in force now applies to every closed case of the \
            process. Open cases are never erased. The daemon runs this once a day; --dry-run only lists.
            """)

    @Flag(name: .long, help: "List what would be erased, and erase nothing.")
    var dryRun = false

    @Flag(name: .long, help: "List every closed case, also those kept.")
    var all = false

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let catalog = try processOptions.loadCatalog()
        let engine = try await global.openCaseEngine().engine
        let sweep = RetentionSweep(engine: engine, currentRules: catalog.retentionRules)
        let decisions = try await refusingWithExit {
            try await sweep.run(dryRun: dryRun, by: global.acting)
        }
        if global.json {
            try printJSON(decisions.map(\.jsonObject))
            return
        }
        let counts = Dictionary(grouping: decisions, by: \.outcome).mapValues(\.count)
        for decision in decisions where all || [.erased, .due, .cannotCount].contains(decision.outcome) {
            print(decision.line)
        }
        let erased = counts[.erased] ?? 0
        let due = counts[.due] ?? 0
        var summary = dryRun ? "\(counted(due, "closed case")) due for erasure (dry run: nothing erased)" : "\(counted(erased, "case")) erased"
        summary += "; \(counts[.kept] ?? 0) kept until their period ends"
        if let none = counts[.noRule] { summary += "; \(none) with no retention rule (kept until erased by hand)" }
        if let cannot = counts[.cannotCount] { summary += "; \(cannot) that cannot be counted (no value for the rule's date)" }
        print(summary + ".")
    }
}

extension ProcessCatalog {
    /// The retention rule of every process the catalog knows, by id (nil: no rule).
    var retentionRules: [String: RetentionRule?] { definitionsByID.mapValues(\.retention) }
}

extension RetentionDecision {
    var line: String {
        let closed = closedOn.map { "closed \($0)" } ?? "closed"
        let rule = rule.map { "\($0.retentionClass): \($0)" } ?? "no retention rule"
        switch outcome {
        case .erased: return "erased    \(caseID) (\(process), \(closed); \(rule), ended \(expiry?.description ?? "-"))"
        case .due: return "due       \(caseID) (\(process), \(closed); \(rule), ended \(expiry?.description ?? "-"))"
        case .kept: return "kept      \(caseID) (\(process), \(closed); \(rule), until \(expiry?.description ?? "-"))"
        case .noRule: return "no rule   \(caseID) (\(process), \(closed))"
        case .cannotCount: return "uncounted \(caseID) (\(process), \(closed); \(rule): the case has no value for it)"
        case .alreadyErased: return "erased    \(caseID) (\(process), \(closed); erased before)"
        }
    }

    var jsonObject: [String: Any] {
        [
            "case": caseID.rawValue, "process": process, "closedOn": jsonOrNull(closedOn?.description),
            "class": jsonOrNull(rule?.retentionClass), "rule": jsonOrNull(rule?.description),
            "expiry": jsonOrNull(expiry?.description), "outcome": outcome.description,
        ]
    }
}
