import ArgumentParser
import Foundation
import Processes
import WorkflowKit
import WorkflowSQLite

/// `aso-engine demo`: a simulated year of casework, with every reminder and escalation.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a simulated year of cases across the processes, printing reminders and escalations as they fire.")

    @Option(name: .long, help: ArgumentHelp("The SQLite file to use (default: a new temporary file).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("A folder of process files to use besides the built-in ones.", valueName: "dir"))
    var processes: String?

    @Option(name: .long, help: "How many cases open during the year.")
    var cases: Int = 240

    @Option(name: .long, help: "The random seed: the same seed gives the same year.")
    var seed: UInt64 = 2026

    @Flag(name: .long, help: "Print escalations and monthly progress only, not every reminder.")
    var quiet = false

    func validate() throws {
        if cases < 1 { throw ValidationError("--cases must be at least 1.") }
    }

    func run() async throws {
        let catalog = ProcessCatalog(directory: processes)
        let definitions = catalog.processes.map(\.definition)
        guard !definitions.isEmpty else {
            printError("No valid process in \(catalog.sourceDescription).")
            throw ExitCode(1)
        }
        let path: String
        if let db {
            path = db
        } else {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("aso-engine-demo-\(UUID().uuidString).sqlite").path
        }
        if FileManager.default.fileExists(atPath: path) {
            printError("'\(path)' exists already; the demo starts from an empty file.")
            throw ExitCode(1)
        }
        var simulation = DemoSimulation.Options()
        simulation.cases = cases
        simulation.seed = seed
        print("A simulated year from \(simulation.start): \(cases) cases across \(definitions.map(\.id).joined(separator: ", ")).")
        print("Database: \(path)")
        // With no master key configured, the demo makes its new database's key itself and
        // says so here, instead of the warning the library gives for a key it had to make.
        let environment = ProcessInfo.processInfo.environment
        let configured = [MasterKeySource.fileVariable, MasterKeySource.keyVariable].contains { environment[$0]?.isEmpty == false }
        let keyFile = MasterKeySource.defaultFile(besideDatabase: path)
        if !configured && !FileManager.default.fileExists(atPath: keyFile) {
            do {
                _ = try MasterKeySource.createKeyFile(at: keyFile)
            } catch let error as PrivacyError {
                printError(error.message)
                throw ExitCode(1)
            }
            print("Master key: \(keyFile) (new, owner-only; aso-engine finds it beside the database)")
        }
        print()
        let quiet = quiet
        let started = ContinuousClock.now
        let summary = try await DemoSimulation(path: path, definitions: definitions, options: simulation).run(
            onReminder: { delivery in
                guard !quiet || delivery.reminder.kind == .escalation else { return }
                print(Self.line(delivery))
            },
            onProgress: { progress in
                let month = "\(progress.month.year)-\(String(format: "%02d", progress.month.month))"
                print("── \(month): \(progress.openCases) open cases, \(progress.reminders) reminders, \(progress.escalations) escalations so far")
            })
        let elapsed = ContinuousClock.now - started
        print("""

            Summary of the year
              cases opened            \(summary.casesOpened) (\(summary.casesByProcess.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
              on the fast track       \(summary.fastTracked)
              cases closed            \(summary.casesClosed)
              tasks done on time      \(summary.tasksOnTime)
              tasks done late         \(summary.tasksLate)
              tasks overdue at end    \(summary.tasksOverdueAtEnd)
              reminders delivered     \(summary.reminders) (\(summary.lateReminders) late)
              escalations             \(summary.escalations)
              reminders per case-month \(String(format: "%.1f", summary.remindersPerCaseMonth)) (goal: at most 4, about one a week per open case)
              housed before release   \(summary.housedBeforeRelease) of \(summary.housedBeforeRelease + summary.notHousedBeforeRelease) recorded
              housing forms agreed    \(summary.housingForms.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
              refused commands        \(summary.refusals)
            Simulated in \(String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) s. \
            Explore it: aso-engine cases --db \(path)
            """)
    }

    static func line(_ delivery: Delivery) -> String {
        let reminder = delivery.reminder
        let when = "\(reminder.fireOn)"
        let kind = reminder.kind == .escalation ? "ESCALATION" : reminder.kind.rawValue
        let due = reminder.due.map { " (due \($0))" } ?? ""
        let late = delivery.late ? " late" : ""
        return "\(when)  \(kind.padding(toLength: 12, withPad: " ", startingAt: 0)) \(reminder.caseID)  \(reminder.task) → \(reminder.role)\(due)\(late)"
    }
}
