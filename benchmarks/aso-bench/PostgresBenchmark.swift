import Foundation
import Logging
import PostgresNIO
import WorkflowKit
import WorkflowSQLite
import WorkflowPostgres

/// `aso-bench --store postgres --url URL`: the PostgreSQL event log beside raw
/// postgres-nio inserts of the same rows, with the same transaction shape (BEGIN, one
/// INSERT of the batch's rows from arrays, COMMIT) and the same durability
/// (`synchronous_commit=on`), on one server, in one run.
enum PostgresBenchmark {
    static let logger: Logger = {
        var logger = Logger(label: "aso-bench.postgres")
        logger.logLevel = .error
        return logger
    }()

    static func run(url: String, transactions: Int, rounds: Int) async throws {
        let location = try PostgresLocation(url: url)
        print("aso-bench --store postgres: event log vs raw postgres-nio inserts, \(ProcessInfo.processInfo.activeProcessorCount) cores, server \(location), median of \(rounds) alternating rounds")
        var table = ResultTable()
        table.baseline = "raw postgres-nio (same server)"
        for perTransaction in [1, 10] {
            let count = perTransaction == 1 ? transactions : transactions / 2
            let rates = try await Benchmark.alternate(rounds) {
                try await rawAppends(location, transactions: count, perTransaction: perTransaction, connections: 1)
            } ours: {
                try await ourAppends(url, transactions: count, perTransaction: perTransaction, concurrency: 1).rate
            }
            table.add("append, \(perTransaction) event\(perTransaction == 1 ? "" : "s")/tx", rates, unit: "events/s", goal: 0.7)
        }
        var groupSizes: [Double] = []
        let grouped = try await Benchmark.alternate(rounds) {
            try await rawAppends(location, transactions: transactions, perTransaction: 1, connections: 1)
        } ours: {
            let result = try await ourAppends(url, transactions: transactions * 2, perTransaction: 1, concurrency: 8)
            groupSizes.append(result.groupSize)
            return result.rate
        }
        table.add("8 concurrent appenders in one process (group commit)", grouped, unit: "events/s", goal: 2.0)
        table.note("average group commit: \(String(format: "%.1f", groupSizes.reduce(0, +) / Double(groupSizes.count))) appends per transaction")
        // Engine commands: load the case, decide, append one event with the projections
        // and the reminder schedule in the same transaction; beside raw single-row inserts.
        let commands = max(100, transactions / 2)
        let engineRates = try await Benchmark.alternate(rounds) {
            try await rawAppends(location, transactions: commands, perTransaction: 1, connections: 1)
        } ours: {
            try await engineCommands(url, commands: commands, concurrency: 1)
        }
        table.add("engine command (record a field), one at a time", engineRates, unit: "commands/s", goal: 0.5)
        let concurrentEngine = try await Benchmark.alternate(rounds) {
            try await rawAppends(location, transactions: commands, perTransaction: 1, connections: 1)
        } ours: {
            try await engineCommands(url, commands: commands * 2, concurrency: 8)
        }
        table.add("engine commands, 8 at a time on 8 cases' sets (group commit)", concurrentEngine, unit: "commands/s", goal: 2.0)
        // Several processes on one server: their appends serialise on the head row, and
        // each process group-commits its own.
        var single = 0.0
        for processes in [1, 2, 4] {
            var rates: [Double] = []
            for _ in 0..<rounds {
                rates.append(try await appendProcesses(url, processes: processes, transactionsEach: transactions))
            }
            let rate = Benchmark.median(rates)
            if processes == 1 { single = rate }
            table.add("\(processes) appending process\(processes == 1 ? "" : "es") × 4 tasks (baseline: 1 process)", (rate, single), unit: "events/s", goal: processes == 1 ? 1 : 2)
        }
        table.print()
    }

    /// Engine commands from 1, 2 and 4 processes, and the daemon's tick among 10,000 to
    /// 1,000,000 open tasks (``PostgresScaleBenchmark``).
    static func scale(url: String, commands: Int, rounds: Int, quick: Bool) async throws {
        let location = try PostgresLocation(url: url)
        print("aso-bench --store postgres --scale: \(ProcessInfo.processInfo.activeProcessorCount) cores, server \(location), median of \(rounds) rounds")
        print("")
        print("| engine processes × 4 tasks | commands/s in all | × one process |")
        print("|---:|---:|---:|")
        var single = 0.0
        for processes in [1, 2, 4] {
            var rates: [Double] = []
            for _ in 0..<rounds {
                rates.append(try await PostgresScaleBenchmark.engineProcesses(url, processes: processes, commandsEach: commands))
            }
            let rate = Benchmark.median(rates)
            if processes == 1 { single = rate }
            print(String(format: "| %d | %.0f | %.2f |", processes, rate, rate / single))
        }
        print("")
        print("| open tasks | records in flight | tick (1,000 due) | per reminder |")
        print("|---:|---:|---:|---:|")
        let sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]
        for inFlight in [1, 64] {
            for result in try await PostgresScaleBenchmark.tick(url: url, sizes: sizes, due: 1_000, recordsInFlight: inFlight) {
                print(String(format: "| %d | %d | %.0f ms | %.0f µs |", result.openTasks, inFlight, result.tick.seconds * 1000, result.perReminder.seconds * 1e6))
            }
        }
    }

    /// The appending side of one process in the multi-process workload: prints its rate.
    static func appendWorker(url: String, transactions: Int) async throws {
        let result = try await ourAppends(url, transactions: transactions, perTransaction: 1, concurrency: 4, fresh: false)
        print(result.rate)
    }

    static func ourAppends(
        _ url: String, transactions: Int, perTransaction: Int, concurrency: Int, fresh: Bool = true
    ) async throws -> (rate: Double, groupSize: Double) {
        let target = fresh ? url + (url.contains("?") ? "&" : "?") + "schema=bench_\(UUID().uuidString.prefix(8).lowercased())" : url
        let store = try await PostgresEventStore.open(url: target)
        let prepared = (0..<transactions).map { _ in (Benchmark.newEvents(perTransaction), Benchmark.metadata()) }
        let perTask = transactions / concurrency
        let run = UUID().uuidString.prefix(8)
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<concurrency {
                    group.addTask {
                        for index in (task * perTask)..<((task + 1) * perTask) {
                            let (events, metadata) = prepared[index]
                            try await store.append(events, to: StreamID("case-\(run)-\(index)"), expected: .noStream, metadata: metadata)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let statistics = store.commitStatistics
        await store.close()
        return (Double(perTask * concurrency * perTransaction) / elapsed.seconds,
                Double(statistics.appends) / Double(max(1, statistics.transactions)))
    }

    /// Engine commands on a `PostgresCaseStore`: `concurrency` tasks, each recording a
    /// field on its own cases (so that they never conflict), after 40 cases are opened.
    static func engineCommands(_ url: String, commands: Int, concurrency: Int) async throws -> Double {
        let target = url + (url.contains("?") ? "&" : "?") + "schema=bench_\(UUID().uuidString.prefix(8).lowercased())"
        let store = try await PostgresCaseStore.open(url: target, masterKey: EngineBenchmark.masterKey)
        let rate = try await engineCommands(on: store, prefix: "", cases: 40, commands: commands, concurrency: concurrency)
        await store.close()
        return rate
    }

    /// Opens `cases` cases (ids `<prefix>case-N`) in `store`, waits until `start`
    /// (milliseconds since 1970) when given, then runs `commands` commands (record a field)
    /// from `concurrency` tasks, each on its own cases: commands per second.
    static func engineCommands(
        on store: PostgresCaseStore, prefix: String, cases: Int, commands: Int, concurrency: Int, startingAt start: Int64? = nil
    ) async throws -> Double {
        let library = ProcessLoader().load(sources: [.init(file: "bench.yaml", text: EngineBenchmark.process)])
        guard let definition = library.definition(id: "bench") else { throw BenchError("the benchmark process does not load") }
        var engineLogger = Logger(label: "aso-bench.engine")
        engineLogger.logLevel = .warning
        let engine = Engine(store: store, now: { 1_780_000_000_000 }, logger: engineLogger)
        let actor = Acting("worker:anna", organisation: "community-sanctions-office", role: "responsible-worker")
        for index in 0..<cases {
            try await engine.open(
                definition, caseID: StreamID("\(prefix)case-\(index)"), fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], by: actor)
        }
        if let start {
            let wait = Double(start) / 1000 - Date().timeIntervalSince1970
            if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        }
        let perTask = commands / concurrency
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<concurrency {
                    group.addTask {
                        for index in 0..<perTask {
                            // Task t works on the cases t, t + concurrency, …: no two tasks share a case.
                            let id = StreamID("\(prefix)case-\((task + concurrency * index) % cases)")
                            let outcome = try await engine.execute(.record(values: ["note": .text("note \(index)")]), on: id, by: actor)
                            guard outcome.events.count == 1 else { throw BenchError("a command appended \(outcome.events.count) events") }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return Double(perTask * concurrency) / elapsed.seconds
    }

    /// Raw postgres-nio: the same rows into a table of the same shape, one INSERT of the
    /// batch per transaction, positions given by the client.
    static func rawAppends(_ location: PostgresLocation, transactions: Int, perTransaction: Int, connections: Int) async throws -> Double {
        let client = PostgresClient(configuration: location.benchmarkConfiguration, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        let table = "bench_raw_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await client.query(PostgresQuery(unsafeSQL: """
            CREATE TABLE \(table) (
                position bigint PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL, event_id uuid NOT NULL UNIQUE,
                type text NOT NULL, schema_version integer NOT NULL, payload bytea NOT NULL, actor text, organisation text,
                role text, correlation_id text, causation_id text, command_id text, recorded_at bigint NOT NULL,
                hash bytea NOT NULL, written_at bigint, mac bytea, UNIQUE (stream, version))
            """), logger: logger).collect()
        let batches = Benchmark.rows(transactions: transactions, perTransaction: perTransaction)
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await client.withConnection { connection in
                for batch in batches {
                    _ = try await connection.query("BEGIN", logger: logger).collect()
                    let first = batch[0]
                    let positions = batch.map(\.position), versions = batch.map(\.version)
                    let ids = batch.map { UUID(uuidString: $0.eventID)! }, types = batch.map { _ in "TaskCompleted" }
                    let schemas = batch.map { _ in Int32(1) }, payloads = batch.map { ByteBuffer(bytes: $0.payload) }
                    let hashes = batch.map { ByteBuffer(bytes: $0.hash) }
                    _ = try await connection.query("""
                        INSERT INTO \(unescaped: table) (position, stream, version, event_id, type, schema_version, payload, actor,
                            organisation, role, correlation_id, causation_id, command_id, recorded_at, hash, written_at, mac)
                        SELECT e.position, \(first.stream), e.version, e.event_id, e.type, e.schema_version, e.payload,
                            \("worker:anna"), \("community-sanctions-office"), \("responsible-worker"), \(first.correlationID),
                            NULL, \(first.commandID), \(first.recordedAt), e.hash, \(first.recordedAt), NULL::bytea
                        FROM unnest(\(positions)::bigint[], \(versions)::bigint[], \(ids)::uuid[], \(types)::text[],
                                    \(schemas)::integer[], \(payloads)::bytea[], \(hashes)::bytea[])
                             AS e(position, version, event_id, type, schema_version, payload, hash)
                        """, logger: logger).collect()
                    _ = try await connection.query("COMMIT", logger: logger).collect()
                }
            }
        }
        _ = try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"), logger: logger).collect()
        return Double(transactions * perTransaction) / elapsed.seconds
    }

    /// `processes` copies of this program appending to one log at once: events per second in all.
    static func appendProcesses(_ url: String, processes: Int, transactionsEach: Int) async throws -> Double {
        let target = url + (url.contains("?") ? "&" : "?") + "schema=bench_\(UUID().uuidString.prefix(8).lowercased())"
        let first = try await PostgresEventStore.open(url: target)  // creates the tables before the race
        await first.close()
        let clock = ContinuousClock()
        let start = clock.now
        let children = try (0..<processes).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = ["--store", "postgres", "--url", target, "--append-worker", "\(transactionsEach)"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            return (process, output)
        }
        for (process, output) in children {
            _ = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchError("an appending process failed") }
        }
        let elapsed = clock.now - start
        return Double(processes * (transactionsEach / 4) * 4) / elapsed.seconds
    }
}

extension PostgresLocation {
    /// The raw side's connection settings: the same server, no startup parameters.
    var benchmarkConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketFolder {
            configuration = .init(unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        if schema != "public" { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }
}
