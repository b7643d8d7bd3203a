import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine history CASE`: every event of a case, who did it and why.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show every event of a case: position, version, when, who, type and what happened.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("Why the case is read, recorded in its access log (default: history).", valueName: "text"))
    var purpose = "history"

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let database = try await global.openStore(changesData: false)
        let reader = try await AccessGate.read(caseStream(caseID), for: "history", database: database, global: global)
        var rows: [(event: RecordedEvent, summary: String)] = []
        // Reads are listed by `access-log`, not here: otherwise every history would differ from the last.
        for (event, caseEvent) in try await database.caseHistory(caseStream(caseID)) where event.type != PersonalDataRead.typeName {
            let summary = caseEvent?.summary ?? reminderSummary(event) ?? "(\(event.type))"
            rows.append((event, summary))
        }
        if rows.isEmpty {
            throw fail("Case '\(caseID)' does not exist.")
        }
        // History shows field ids, never values: the read names no fields.
        _ = try await refusingWithExit {
            try await database.recordAccess(case: caseStream(caseID), purpose: purpose, fields: [String](), by: reader.actor, underOverride: reader.override)
        }
        if global.json {
            try printJSON(
                rows.map { row -> [String: Any] in
                    [
                        "position": row.event.position, "version": row.event.version,
                        "when": SimulatedTime.iso(milliseconds: row.event.recordedAt), "who": jsonOrNull(row.event.metadata.actor),
                        "type": row.event.type, "summary": row.summary,
                    ]
                })
            return
        }
        printTable(
            ["POS", "VER", "WHEN", "WHO", "TYPE", "WHAT"],
            rows.map {
                [
                    String($0.event.position), String($0.event.version), SimulatedTime.iso(milliseconds: $0.event.recordedAt),
                    $0.event.metadata.actor ?? "-", $0.event.type, $0.summary,
                ]
            })
    }
}

/// A delivered reminder, in one line.
func reminderSummary(_ event: RecordedEvent) -> String? {
    guard event.type == ReminderSent.typeName, let sent = try? event.decode(ReminderSent.self) else { return nil }
    var line = "reminder \(sent.kind.rawValue) for task '\(sent.task)' sent to \(sent.role)"
    if let due = sent.due { line += ", due \(due)" }
    if sent.late { line += " (late)" }
    return line
}
