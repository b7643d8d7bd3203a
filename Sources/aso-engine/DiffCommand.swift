import ArgumentParser
import Foundation
import WorkflowKit
import WorkflowPostgres

/// `aso-engine diff OLD NEW` or `diff FILE`: what a new version changes, and for
/// which open cases.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Preview a process change: what differs, and which open cases would get other tasks or dates if migrated.",
        discussion: """
            With two arguments, compares OLD with NEW (process files or ids). With one, compares it \
            with every version that open cases in --db follow. Either way, the open cases of the \
            process in --db are listed with what migrating them to NEW would change, or why they \
            could not migrate. Nothing is written.
            """)

    @Argument(help: ArgumentHelp("The old version (a process file or id), or with no NEW the new version.", valueName: "old"))
    var first: String

    @Argument(help: ArgumentHelp("The new version (a process file or id).", valueName: "new"))
    var second: String?

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let target = try ProcessArgument.definition(second ?? first, options: processOptions, inspecting: true)
        let engine =
            PostgresLocation.isURL(global.db)
            ? try await global.openCaseEngine(changesData: false).engine
            : FileManager.default.fileExists(atPath: global.db) ? try global.makeEngine(changesData: false) : nil
        if second == nil && engine == nil {
            throw fail("There is no event log at '\(global.db)' to compare '\(first)' with; give OLD and NEW, or --db.")
        }
        var impacts: [MigrationImpact] = []
        var runningVersions: [String: ProcessDefinition] = [:]
        if let engine {
            guard let calendar = target.makeCalendar() else { throw fail("The calendar '\(target.calendar)' is not known.") }
            let today = engine.today(in: calendar)
            for summary in try await engine.store.cases(process: target.id, includeClosed: false) {
                let (state, current) = try await refusingWithExit { try await engine.load(summary.id) }
                runningVersions[current.contentHash] = current
                impacts.append(MigrationImpact(of: state, following: current, to: target, today: today, calendar: calendar))
            }
        }
        var diffs: [ProcessDiff] = []
        if second != nil {
            diffs = [ProcessDiff(from: try ProcessArgument.definition(first, options: processOptions, inspecting: true), to: target)]
        } else {
            diffs = runningVersions.values.filter { $0.contentHash != target.contentHash }.sorted { $0.contentHash < $1.contentHash }
                .map { ProcessDiff(from: $0, to: target) }
        }
        if global.json {
            try printJSON([
                "process": target.id, "newVersion": target.contentHash,
                "versions": diffs.map { diff -> [String: Any] in
                    [
                        "oldVersion": diff.oldVersion,
                        "changes": diff.changes.map { ["kind": $0.kind.rawValue, "element": $0.element, "id": $0.id, "details": $0.details] },
                    ]
                },
                "cases": engine == nil ? NSNull() : impacts.map(\.jsonObject) as Any,
            ] as [String: Any])
            return
        }
        if second == nil && diffs.isEmpty {
            print("Every open case of '\(target.id)' already follows version \(target.shortHash).")
        }
        for diff in diffs {
            print("Process '\(diff.process)': version \(diff.oldVersion.prefix(12)) → \(diff.newVersion.prefix(12))")
            if diff.isEmpty { print("  no changes that affect cases") }
            for change in diff.changes {
                print("  \(change.kind.rawValue) \(change.element) '\(change.id)'")
                for detail in change.details { print("      \(detail)") }
            }
            print("")
        }
        guard engine != nil else {
            print("No event log at '\(global.db)': open cases not checked.")
            return
        }
        let affected = impacts.filter(\.isAffected)
        print("Open cases of '\(target.id)': \(impacts.count), affected if migrated: \(affected.count)")
        for impact in impacts {
            let head = "  \(impact.caseID) (state \(impact.state), version \(impact.fromVersion.prefix(12)))"
            if impact.fromVersion == target.contentHash {
                print("\(head): already follows this version")
            } else if let refusal = impact.refusal {
                print("\(head): cannot migrate: \(refusal)")
            } else if !impact.isAffected {
                print("\(head): unaffected")
            } else {
                print("\(head):")
                for change in impact.taskChanges { print("      \(change)") }
                for change in impact.cadenceChanges { print("      \(change)") }
                for task in impact.tasksNotOpened { print("      \(task): new in state '\(impact.state)'; migrating does not open it") }
            }
        }
    }
}

extension MigrationImpact {
    var jsonObject: [String: Any] {
        [
            "case": caseID.rawValue, "state": state, "fromVersion": fromVersion, "canMigrate": canMigrate,
            "refusal": jsonOrNull(refusal), "affected": isAffected, "tasksNotOpened": tasksNotOpened,
            "cadenceChanges": cadenceChanges.map { change -> [String: Any] in
                [
                    "task": change.task, "previousRule": jsonOrNull(change.previousRule), "rule": jsonOrNull(change.rule),
                    "previousNextDue": jsonOrNull(change.previousNextDue), "nextDue": jsonOrNull(change.nextDue),
                ]
            },
            "taskChanges": taskChanges.map { change -> [String: Any] in
                [
                    "task": change.task, "earliest": jsonOrNull(change.earliest), "due": jsonOrNull(change.due),
                    "previousEarliest": jsonOrNull(change.previousEarliest), "previousDue": jsonOrNull(change.previousDue),
                ]
            },
        ]
    }
}
