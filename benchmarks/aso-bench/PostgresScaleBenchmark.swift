import Foundation
import Logging
import PostgresNIO
import WorkflowKit
import WorkflowPostgres

/// The PostgreSQL store at scale: the reminder daemon's tick among 10,000 to 1,000,000
/// open tasks, and engine commands from several processes on one server.
enum PostgresScaleBenchmark {
    /// One master key for every process of a run (the engine benchmark's is random per process).
    static let masterKey = MasterKeySource.base64(Data(repeating: 42, count: 32).base64EncodedString())

    /// One tick delivering `due` reminders among `sizes` open tasks each (the SQLite tick
    /// benchmark's process and rows): the time per tick and per reminder, which must not
    /// grow with the number of open tasks.
    ///
    /// The cases, open tasks and pending reminders are written straight into the
    /// projection tables with `generate_series` (as rebuilding them from a log of that size
    /// would), then analysed; one tick claims, delivers to a sink that keeps nothing and
    /// records each due reminder (an append with the projections, in its transaction).
    static func tick(url: String, sizes: [Int], due: Int, recordsInFlight: Int) async throws -> [(openTasks: Int, tick: Duration, perReminder: Duration)] {
        let library = ProcessLoader().load(sources: [.init(file: "bench.yaml", text: TickBenchmark.definitionYAML)])
        guard let definition = library.definition(id: "bench") else { throw BenchError("\(library.diagnostics)") }
        var results: [(Int, Duration, Duration)] = []
        for size in sizes {
            let schema = "bench_tick_\(UUID().uuidString.prefix(8).lowercased())"
            let target = url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
            let store = try await PostgresCaseStore.open(url: target, masterKey: Self.masterKey)
            try await store.store(definition)
            let now = Int64(1_790_000_000) * 1000
            try await fill(try PostgresLocation(url: target), schema: schema, hash: definition.contentHash, openTasks: size, due: due, now: now)
            var logger = Logger(label: "bench")
            logger.logLevel = .warning
            var daemon = ReminderDaemon(store: store, sinks: [TickBenchmark.NullSink()], id: "bench", now: { now }, logger: logger)
            daemon.recordsInFlight = recordsInFlight
            daemon.batchSize = due
            var delivered = 0
            let elapsed = try await ContinuousClock().measure { delivered = try await daemon.tick().count }
            await store.close()
            guard delivered == due else { throw BenchError("the tick delivered \(delivered) reminders, not \(due)") }
            results.append((size, elapsed, elapsed / due))
            try await drop(try PostgresLocation(url: target), schema: schema)
        }
        return results
    }

    static func fill(_ location: PostgresLocation, schema: String, hash: String, openTasks: Int, due: Int, now: Int64) async throws {
        let client = PostgresClient(configuration: location.benchmarkConfiguration)
        let running = Task { await client.run() }
        defer { running.cancel() }
        let every = max(1, openTasks / due)
        let logger = PostgresScaleBenchmark.logger
        let statements: [PostgresQuery] = [
            """
            INSERT INTO "\(unescaped: schema)".cases (case_id, process, definition, state, opened_on, version, last_position)
            SELECT 'case-' || i, 'bench', \(hash), 'open', '2026-01-05', 0, 0 FROM generate_series(0, \(openTasks - 1)) AS i
            """,
            """
            INSERT INTO "\(unescaped: schema)".open_tasks (case_id, task, process, role, due, occurrence, suspended)
            SELECT 'case-' || i, 'work', 'bench', 'worker', CASE WHEN i % \(every) = 0 THEN '2026-09-21' ELSE '2027-09-21' END, 1, false
            FROM generate_series(0, \(openTasks - 1)) AS i
            """,
            """
            INSERT INTO "\(unescaped: schema)".reminders (id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at)
            SELECT 'rem-' || i, 'case-' || i, 'bench', 'work', 'Do the work', 1, 'worker', 'due',
                   CASE WHEN i % \(every) = 0 THEN '2026-09-21' ELSE '2027-09-21' END,
                   CASE WHEN i % \(every) = 0 THEN '2026-09-21' ELSE '2027-09-21' END,
                   CASE WHEN i % \(every) = 0 THEN \(now - 3_600_000) ELSE \(now + 365 * 86_400_000) END
            FROM generate_series(0, \(openTasks - 1)) AS i
            """,
            "ANALYZE \"\(unescaped: schema)\".cases",
            "ANALYZE \"\(unescaped: schema)\".open_tasks",
            "ANALYZE \"\(unescaped: schema)\".reminders",
        ]
        for statement in statements {
            _ = try await client.query(statement, logger: logger).collect()
        }
    }

    static func drop(_ location: PostgresLocation, schema: String) async throws {
        let client = PostgresClient(configuration: location.benchmarkConfiguration)
        let running = Task { await client.run() }
        defer { running.cancel() }
        // The log's triggers refuse deletes, not dropping the schema.
        _ = try await client.query("DROP SCHEMA \"\(unescaped: schema)\" CASCADE", logger: logger).collect()
    }

    static let logger: Logger = {
        var logger = Logger(label: "aso-bench.postgres")
        logger.logLevel = .warning
        return logger
    }()

    // MARK: - Engine commands from several processes

    /// One process's share of the multi-process engine workload: opens `cases` cases of
    /// its own (ids prefixed with `prefix`), waits until `start` (milliseconds since 1970),
    /// then runs `commands` commands from 4 tasks and prints its commands per second.
    static func engineWorker(url: String, prefix: String, commands: Int, start: Int64) async throws {
        let store = try await PostgresCaseStore.open(url: url, masterKey: Self.masterKey)
        let rate = try await PostgresBenchmark.engineCommands(
            on: store, prefix: "\(prefix)-", cases: 16, commands: commands, concurrency: 4, startingAt: start)
        await store.close()
        print(rate)
    }

    /// `processes` copies of this program running engine commands on one store at once,
    /// started together: commands per second in all (the sum of each one's rate).
    static func engineProcesses(_ url: String, processes: Int, commandsEach: Int) async throws -> Double {
        let target = url + (url.contains("?") ? "&" : "?") + "schema=bench_\(UUID().uuidString.prefix(8).lowercased())"
        let first = try await PostgresCaseStore.open(url: target, masterKey: Self.masterKey)  // the tables, before the race
        await first.close()
        // Each process opens its cases first; all start their commands at the same moment.
        let start = Int64((Date().timeIntervalSince1970 + 3 + Double(processes)) * 1000)
        let children = try (0..<processes).map { index in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = [
                "--store", "postgres", "--url", target, "--engine-worker", "\(commandsEach)", "--prefix", "p\(index)", "--start", "\(start)",
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            return (process, output)
        }
        var total = 0.0
        for (process, output) in children {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, let rate = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw BenchError("an engine process failed")
            }
            total += rate
        }
        return total
    }
}
