import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// One case of a built-in process, walked day by day through the engine: a real
/// SQLite file in a temporary directory, and a simulated clock that stamps every
/// event and gives the engine its "today".
///
/// Every command checks that the projections agree with the case as the engine
/// folds it, and that each event was recorded at the simulated time.
struct ScenarioCase {
    let directory: TemporaryDirectory
    let time: ManualTime
    let database: WorkflowDatabase
    let engine: Engine
    let definition: ProcessDefinition
    let id: StreamID

    static let helsinki = FinnishCalendar()

    /// - Parameters:
    ///   - process: The id of a built-in process.
    ///   - day: The simulated day the scenario starts on.
    init(process: String, caseID: StreamID, on day: String) throws {
        directory = try TemporaryDirectory(prefix: "scenario")
        time = ManualTime(milliseconds: Self.at(day))
        var options = SQLiteEventStore.Options()
        options.now = time.provider
        database = try WorkflowDatabase(path: directory.path("cases.sqlite"), options: options)
        engine = Engine(database: database, now: time.provider)
        definition = try #require(ProcessCatalog().definition(id: process), "no built-in process '\(process)'")
        id = caseID
    }

    /// 09:00 in Helsinki on `day`, in milliseconds since 1970.
    static func at(_ day: String) -> Int64 {
        Int64(helsinki.instant(date(day), hour: 9, minute: 0).timeIntervalSince1970 * 1000)
    }

    /// The date written `text` (ISO 8601); a typo stops the test.
    static func date(_ text: String) -> LocalDate {
        guard let date = LocalDate(text) else { preconditionFailure("not a date: \(text)") }
        return date
    }

    /// Opens the case on `day`.
    @discardableResult
    func open(
        on day: String, fields: [String: ExpressionValue], worker: String, by actor: Acting,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CaseOutcome {
        time.set(milliseconds: Self.at(day))
        let outcome = try await engine.open(definition, caseID: id, fields: fields, responsibleWorker: worker, by: actor)
        try await checkStored(outcome, sourceLocation: sourceLocation)
        return outcome
    }

    /// Runs `command` on `day`.
    @discardableResult
    func run(
        _ day: String, _ command: CaseCommand, by actor: Acting, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CaseOutcome {
        time.set(milliseconds: Self.at(day))
        let outcome = try await engine.execute(command, on: id, by: actor)
        try await checkStored(outcome, sourceLocation: sourceLocation)
        return outcome
    }

    /// Runs `command` on `day` and expects it refused with `code`, its message
    /// mentioning each of `mentions`, and nothing appended to the log or projected.
    @discardableResult
    func refused(
        _ day: String, _ command: CaseCommand, by actor: Acting, code: CommandRefused.Code, mentions: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CommandRefused? {
        time.set(milliseconds: Self.at(day))
        let position = try await database.events.lastPosition()
        let snapshot = try await database.projectionSnapshot()
        do {
            let outcome = try await engine.execute(command, on: id, by: actor)
            Issue.record(
                "'\(command.name)' on \(day) was allowed in state '\(outcome.state.state)'; it appended \(outcome.events.map(\.typeName))",
                sourceLocation: sourceLocation)
            return nil
        } catch let refusal as CommandRefused {
            #expect(refusal.code == code, "\(refusal)", sourceLocation: sourceLocation)
            for text in mentions {
                #expect(refusal.message.contains(text), "'\(refusal.message)' does not mention \(text)", sourceLocation: sourceLocation)
            }
            #expect(try await database.events.lastPosition() == position, sourceLocation: sourceLocation)
            #expect(try await database.projectionSnapshot() == snapshot, sourceLocation: sourceLocation)
            return refusal
        }
    }

    /// The open tasks as the tasks projection lists them: "from <earliest> due <due>",
    /// "due <due>" or "no due date", with ", suspended" for a suspended task.
    func tasks(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: String] {
        let rows = try await database.tasks(TaskQuery(caseID: id))
        var tasks: [String: String] = [:]
        for row in rows {
            tasks[row.task] = Self.describe(earliest: row.earliest, due: row.due, suspended: row.suspended)
        }
        // The engine's own view of the case says the same.
        let state = try await engine.load(id).0
        var folded: [String: String] = [:]
        for open in state.openTasks {
            folded[open.task] = Self.describe(earliest: open.earliest, due: open.due, suspended: open.suspended)
        }
        #expect(folded == tasks, "the tasks projection differs from the case's history", sourceLocation: sourceLocation)
        return tasks
    }

    /// The row of the case in the cases projection.
    func summary(sourceLocation: SourceLocation = #_sourceLocation) async throws -> CaseSummary {
        try #require(try await database.cases().first(where: { $0.id == id }), sourceLocation: sourceLocation)
    }

    static func describe(earliest: LocalDate?, due: LocalDate?, suspended: Bool) -> String {
        var text = due.map { "due \($0)" } ?? "no due date"
        if let earliest { text = "from \(earliest) \(text)" }
        return suspended ? text + ", suspended" : text
    }

    /// The events of the case with their types, in order: what the log holds.
    func history() async throws -> [CaseEvent] {
        try await database.events.read(stream: id).collect().compactMap { try CaseEvent($0) }
    }

    /// Checks that the command's events are stored at the simulated time and that
    /// the cases projection agrees with the case.
    private func checkStored(_ outcome: CaseOutcome, sourceLocation: SourceLocation) async throws {
        guard !outcome.events.isEmpty else { return }
        let stored = try await database.events.read(stream: id, fromVersion: outcome.append.version - Int64(outcome.events.count) + 1)
            .collect()
        #expect(stored.count == outcome.events.count, sourceLocation: sourceLocation)
        #expect(stored.allSatisfy { $0.recordedAt == time.now }, "events not stamped with the simulated time", sourceLocation: sourceLocation)
        let row = try await summary(sourceLocation: sourceLocation)
        let state = outcome.state
        #expect(row.state == state.state && row.version == state.version, sourceLocation: sourceLocation)
        #expect(row.responsibleWorker == state.responsibleWorker && row.fastTrack == state.fastTrack, sourceLocation: sourceLocation)
        #expect(row.openTasks == state.openTasks.count, sourceLocation: sourceLocation)
        #expect(row.nextDue == state.openTasks.compactMap(\.due).min(), sourceLocation: sourceLocation)
        #expect(row.closedOn == state.closed?.on, sourceLocation: sourceLocation)
    }
}

extension CaseOutcome {
    /// The reschedulings the command caused, by task.
    var rescheduled: [String: TaskRescheduled] {
        var result: [String: TaskRescheduled] = [:]
        for case .taskRescheduled(let event) in events { result[event.task] = event }
        return result
    }

    /// The tasks the command suspended, with the reasons.
    var suspended: [String: String] {
        var result: [String: String] = [:]
        for case .taskSuspended(let event) in events { result[event.task] = event.reason }
        return result
    }

    /// The tasks the command cancelled.
    var cancelled: Set<String> {
        var result: Set<String> = []
        for case .taskCancelled(let event) in events { result.insert(event.task) }
        return result
    }
}

/// `text` as a date value.
func day(_ text: String) -> ExpressionValue { .date(ScenarioCase.date(text)) }
