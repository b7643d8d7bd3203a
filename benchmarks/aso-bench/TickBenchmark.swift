import Foundation
import GRDBSQLite
import Logging
import WorkflowKit
import WorkflowSQLite

/// The reminder daemon's tick with 1,000 reminders due among 10,000, 100,000 and
/// 1,000,000 open tasks: the time per tick and per reminder must not grow with the
/// number of open tasks.
///
/// The open tasks and their pending reminders are written straight into the
/// projection tables (as rebuilding them from a log of that size would), then one
/// tick claims, delivers to a sink that keeps nothing, and records each of the 1,000
/// due reminders (an append with the projections updated, one transaction each).
enum TickBenchmark {
    static let definitionYAML = """
        process: bench
        title: Benchmark process
        fields:
          due: { type: date, required: true }
        roles:
          worker: Worker
          chair: Chair
        states:
          open:
            initial: true
            tasks:
              work:
                title: Do the work
                role: worker
                due: due
                remind: [on due]
                escalate: { to: chair, after: 0 working days, every: 2 working days }
            on:
              all-tasks-done: done
          done:
            title: Done
            final: true
        """

    struct NullSink: ReminderSink {
        var name: String { "null" }
        func deliver(_ delivery: Delivery) async throws {}
    }

    /// - Parameter recordsInFlight: The daemon's ``ReminderDaemon/recordsInFlight``: 1 records
    ///   each delivery before the next; more lets the records share flushes.
    static func run(
        sizes: [Int], due: Int, directory: URL, recordsInFlight: Int = 1
    ) async throws -> [(openTasks: Int, tick: Duration, perReminder: Duration)] {
        let library = ProcessLoader().load(sources: [.init(file: "bench.yaml", text: definitionYAML)])
        guard let definition = library.definition(id: "bench") else { throw BenchError("\(library.diagnostics)") }
        var results: [(Int, Duration, Duration)] = []
        for size in sizes {
            let path = directory.appendingPathComponent("tick-\(size)-\(recordsInFlight).sqlite").path
            let database = try WorkflowDatabase(path: path)
            try await database.store(definition)
            try fill(path: path, definition: definition, openTasks: size, due: due)
            let now = Int64(Date(timeIntervalSince1970: 1_790_000_000).timeIntervalSince1970 * 1000)
            var logger = Logger(label: "bench")
            logger.logLevel = .warning
            var daemon = ReminderDaemon(database: database, sinks: [NullSink()], id: "bench", now: { now }, logger: logger)
            daemon.recordsInFlight = recordsInFlight
            let clock = ContinuousClock()
            var delivered = 0
            let elapsed = try await clock.measure { delivered = try await daemon.tick().count }
            guard delivered == due else { throw BenchError("the tick delivered \(delivered) reminders, not \(due)") }
            results.append((size, elapsed, elapsed / due))
        }
        return results
    }

    /// Writes `openTasks` cases, each with one open task and one pending reminder; `due`
    /// of the reminders are due now, the rest a year ahead.
    static func fill(path: String, definition: ProcessDefinition, openTasks: Int, due: Int) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw BenchError("cannot open \(path)") }
        defer { sqlite3_close(db) }
        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
                throw BenchError(String(cString: sqlite3_errmsg(db)))
            }
        }
        func prepare(_ sql: String) -> OpaquePointer? {
            var statement: OpaquePointer?
            sqlite3_prepare_v2(db, sql, -1, &statement, nil)
            return statement
        }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        func bind(_ statement: OpaquePointer?, _ values: [Any?]) throws {
            sqlite3_reset(statement)
            for (index, value) in values.enumerated() {
                let position = Int32(index + 1)
                switch value {
                case let text as String: sqlite3_bind_text(statement, position, text, -1, transient)
                case let number as Int64: sqlite3_bind_int64(statement, position, number)
                case let number as Int: sqlite3_bind_int64(statement, position, Int64(number))
                default: sqlite3_bind_null(statement, position)
                }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw BenchError(String(cString: sqlite3_errmsg(db))) }
        }
        try exec("PRAGMA synchronous = OFF; BEGIN")
        let insertCase = prepare(
            "INSERT INTO cases (case_id, process, definition, state, opened_on, version, last_position) VALUES (?, 'bench', ?, 'open', '2026-01-05', 0, 0)")
        let insertTask = prepare(
            "INSERT INTO open_tasks (case_id, task, process, role, due, occurrence, suspended) VALUES (?, 'work', 'bench', 'worker', ?, 1, 0)")
        let insertReminder = prepare(
            "INSERT INTO reminders (id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at) VALUES (?, ?, 'bench', 'work', 'Do the work', 1, 'worker', 'due', ?, ?, ?)")
        defer {
            sqlite3_finalize(insertCase)
            sqlite3_finalize(insertTask)
            sqlite3_finalize(insertReminder)
        }
        let now = Int64(1_790_000_000) * 1000
        for index in 0..<openTasks {
            let caseID = "case-\(index)"
            let isDue = index % (openTasks / due) == 0
            let fireAt = isDue ? now - 3_600_000 : now + 365 * 86_400_000
            let date = isDue ? "2026-09-21" : "2027-09-21"
            try bind(insertCase, [caseID, definition.contentHash])
            try bind(insertTask, [caseID, date])
            try bind(insertReminder, ["rem-\(index)", caseID, date, date, fireAt])
        }
        try exec("COMMIT")
    }
}
