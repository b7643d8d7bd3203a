import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// Shared pieces of the engine tests: the shipped process, dates as clock readings,
/// and the check that the projections say what the case's history says.
enum EngineFixtures {
    static let calendar = FinnishCalendar()

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static func vatGeneric() throws -> ProcessDefinition {
        let library = ProcessLoader().load(paths: [repositoryRoot.appendingPathComponent("processes/vat-generic.yaml").path])
        return try #require(library.definition(id: "vat-generic"), "\(library.diagnostics)")
    }

    /// `date` at `hour` in Helsinki, in milliseconds since 1970.
    static func at(_ date: String, hour: Int = 9) -> Int64 {
        Int64(calendar.instant(LocalDate(date)!, hour: hour, minute: 0).timeIntervalSince1970 * 1000)
    }

    static func date(_ text: String) -> LocalDate { LocalDate(text)! }

    /// The case events of stream `id`, read back from the log.
    static func history(_ database: WorkflowDatabase, _ id: StreamID) async throws -> [CaseEvent] {
        var events: [CaseEvent] = []
        var expectedVersion: Int64 = 1
        // Read back as the engine reads it: personal values decrypted.
        for (event, caseEvent) in try await database.caseHistory(id) {
            #expect(event.version == expectedVersion, "versions of \(id) are not contiguous")
            expectedVersion += 1
            if let caseEvent { events.append(caseEvent) }
        }
        return events
    }

    /// Everything in which the projections differ from the case's state folded from its stored history.
    static func problems(_ database: WorkflowDatabase, _ id: StreamID) async throws -> [String] {
        let state = CaseState.fold(id, try await history(database, id))
        var problems: [String] = []
        let summary = try await database.cases().first { $0.id == id }
        guard let summary else { return state.exists ? ["no cases row for \(id)"] : [] }
        func check<T: Equatable>(_ name: String, _ projected: T, _ folded: T) {
            if projected != folded { problems.append("\(id) \(name): projection \(projected), history \(folded)") }
        }
        check("process", summary.process, state.process)
        check("definition", summary.definition, state.definition)
        check("state", summary.state, state.state)
        check("version", summary.version, state.version)
        check("responsibleWorker", summary.responsibleWorker, state.responsibleWorker)
        check("openedOn", summary.openedOn, state.openedOn)
        check("fastTrack", summary.fastTrack, state.fastTrack)
        check("closedOn", summary.closedOn, state.closed?.on)
        check("closedReason", summary.closedReason, state.closed?.reason)
        check("erasedOn", summary.erasedOn, state.erased?.on)
        check("openTasks", summary.openTasks, state.openTasks.count)
        check("nextDue", summary.nextDue, state.openTasks.compactMap(\.due).min())
        let tasks = try await database.tasks(TaskQuery(caseID: id))
        func line(
            _ task: String, _ role: String, _ earliest: LocalDate?, _ due: LocalDate?, _ occurrence: Int, _ suspended: Bool, _ claimedBy: String?
        ) -> String {
            "\(task) \(role) \(earliest?.description ?? "-") \(due?.description ?? "-") #\(occurrence)\(suspended ? " suspended" : "")"
                + (claimedBy.map { " claimed by \($0)" } ?? "")
        }
        let projected = tasks.map { line($0.task, $0.role, $0.earliest, $0.due, $0.occurrence, $0.suspended, $0.claimedBy) }.sorted()
        let folded = state.openTasks.map { line($0.task, $0.role, $0.earliest, $0.due, $0.occurrence, $0.suspended, $0.claimedBy) }.sorted()
        check("open tasks", projected, folded)
        return problems
    }
}
