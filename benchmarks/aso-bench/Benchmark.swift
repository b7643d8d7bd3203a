import Foundation
import WorkflowKit
import WorkflowSQLite

/// `aso-bench`: the event log beside the raw SQLite C API, same machine, same run.
///
/// Usage: `swift run -c release aso-bench [--quick] [--rounds N] [--events N] [--read-events N] [--replay-events N]`,
/// `aso-bench --tick` for the reminder daemon's tick, or `aso-bench --privacy` for what
/// sealing personal values costs.
@main
struct Benchmark {
    static let usage = """
        aso-bench: the engine's event log and commands beside the raw SQLite C API, in one run.

        Usage:
          aso-bench [--quick] [--rounds N] [--events N] [--read-events N] [--replay-events N] [--process FILE]
              appends (1 and 10 events per transaction, FULL and NORMAL), 8 concurrent appenders,
              engine commands (FULL and NORMAL), replay of every case and whole-log reads, each
              beside raw SQLite doing the same rows, with the CPU time (user + system, getrusage)
              per engine command and per replayed event; medians of N alternating rounds
              (default 3; 1 with --quick). Run it from the package's folder: the replayed cases
              follow processes/vat-generic.yaml (or --process FILE).
          aso-bench --tick [--quick]
              the reminder daemon's tick delivering 1,000 due reminders among 10k, 100k, 1M open tasks,
              recording each delivery before the next (the default) and with 64 records in flight
          aso-bench --privacy [--rounds N] [--events N]
              the same process with its fields personal (sealed) and plain
          aso-bench --language
              loading and validating a generated process file of 200 states and 1,000 tasks
          aso-bench --workload append-batch|command|replay|read-all|group-commit|vat-case [--side ours|raw] [--events N]
                    [--cases N] [--commands N] [--db PATH] [--setup] [--synchronous FULL|NORMAL] [--process FILE]
              one workload of benchmarks/run (against the eventsourcing library and SpiffWorkflow),
              one side, one JSON object on standard output
          aso-bench --store postgres --url postgres://… [--quick] [--rounds N] [--events N]
              the PostgreSQL event log (appends of 1 and 10 events per transaction, 8 concurrent
              appenders, 1, 2 and 4 appending processes) beside raw postgres-nio inserts of the same
              rows with the same transaction shape, on the server the URL names (ASO_BENCH_POSTGRES_URL
              when --url is not given; `eval "$(scripts/postgres-server start)"` starts a throwaway one)
          aso-bench --store postgres --url postgres://… --scale [--quick] [--rounds N] [--commands N]
              engine commands from 1, 2 and 4 processes on one PostgreSQL store, and the daemon's
              tick delivering 1,000 due reminders among 10,000, 100,000 and 1,000,000 open tasks
          aso-bench --help
              this text

        Build it in release mode: swift run -c release aso-bench …
        """

    /// The options each mode takes, and the values they need.
    static let flags: Set<String> = ["--quick", "--tick", "--privacy", "--language", "--setup", "--help", "-h", "--read-only", "--scale"]
    static let valued: Set<String> = [
        "--rounds", "--events", "--read-events", "--replay-events", "--workload", "--side", "--cases", "--commands", "--db", "--synchronous", "--process",
        "--store", "--url", "--append-worker", "--engine-worker", "--prefix", "--start",
    ]

    static func main() async throws {
        let arguments = CommandLine.arguments
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            return
        }
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if valued.contains(argument) {
                guard index + 1 < arguments.count else {
                    FileHandle.standardError.write(Data("aso-bench: \(argument) needs a value.\n\n\(usage)\n".utf8))
                    exit(2)
                }
                index += 2
            } else if flags.contains(argument) {
                index += 1
            } else {
                FileHandle.standardError.write(Data("aso-bench: unknown option '\(argument)'.\n\n\(usage)\n".utf8))
                exit(2)
            }
        }
        let quick = arguments.contains("--quick")
        func value(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return Int(arguments[index + 1]) ?? fallback
        }
        let singles = value("--events", quick ? 300 : 2_000)
        let readEvents = value("--read-events", quick ? 20_000 : 500_000)
        let replayEvents = value("--replay-events", quick ? 20_000 : 200_000)
        let processFile = arguments.firstIndex(of: "--process").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
            ?? "processes/vat-generic.yaml"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aso-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var table = ResultTable()

        if let store = arguments.firstIndex(of: "--store").map({ arguments[$0 + 1] }) {
            guard store == "postgres" else {
                FileHandle.standardError.write(Data("aso-bench: --store takes postgres (SQLite is the default).\n".utf8))
                exit(2)
            }
            guard let url = arguments.firstIndex(of: "--url").map({ arguments[$0 + 1] }) ?? ProcessInfo.processInfo.environment["ASO_BENCH_POSTGRES_URL"] else {
                FileHandle.standardError.write(Data("aso-bench: --store postgres needs --url postgres://… (or ASO_BENCH_POSTGRES_URL).\n".utf8))
                exit(2)
            }
            if let worker = arguments.firstIndex(of: "--append-worker") {
                try await PostgresBenchmark.appendWorker(url: url, transactions: Int(arguments[worker + 1]) ?? 1000)
            } else if let worker = arguments.firstIndex(of: "--engine-worker") {
                try await PostgresScaleBenchmark.engineWorker(
                    url: url, prefix: arguments.firstIndex(of: "--prefix").map { arguments[$0 + 1] } ?? "p",
                    commands: Int(arguments[worker + 1]) ?? 400, start: Int64(value("--start", 0)))
            } else if arguments.contains("--scale") {
                try await PostgresBenchmark.scale(url: url, commands: value("--commands", quick ? 200 : 800), rounds: value("--rounds", quick ? 1 : 3), quick: quick)
            } else {
                try await PostgresBenchmark.run(url: url, transactions: value("--events", quick ? 400 : 2_000), rounds: value("--rounds", quick ? 1 : 3))
            }
            return
        }
        if arguments.contains("--workload") {
            // One workload of `benchmarks/run`, one side, one JSON object.
            await PeerWorkloads.main(arguments)
            return
        }
        if arguments.contains("--language") {
            // Loading, resolving and validating a large process file.
            let text = ProcessLanguageBenchmark.generateLargeDefinition(states: 200, tasks: 1_000)
            var samples: [Duration] = []
            for _ in 0..<7 {
                let clock = ContinuousClock()
                var valid = false
                samples.append(clock.measure {
                    valid = ProcessLoader().load(sources: [.init(file: "large.yaml", text: text)]).isValid
                })
                guard valid else { throw BenchError("the generated definition does not validate") }
            }
            let lines = text.split(separator: "\n").count
            print(String(format: "aso-bench --language: 200 states, 1,000 tasks (%d lines) load and validate in %.0f ms (median of 7)",
                         lines, samples.sorted()[3].seconds * 1000))
            return
        }
        if arguments.contains("--tick") {
            // The reminder daemon's tick against the number of open tasks.
            let sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]
            print("aso-bench --tick: one daemon tick delivering 1,000 due reminders among N open tasks")
            print("| open tasks | records in flight | tick | per reminder |")
            print("|---:|---:|---:|---:|")
            for inFlight in [1, 64] {
                for result in try await TickBenchmark.run(sizes: sizes, due: 1_000, directory: directory, recordsInFlight: inFlight) {
                    print(String(format: "| %d | %d | %.0f ms | %.0f µs |", result.openTasks, inFlight, result.tick.seconds * 1000, result.perReminder.seconds * 1e6))
                }
            }
            return
        }
        let rounds = value("--rounds", quick ? 1 : 3)
        if arguments.contains("--privacy") {
            // What sealing personal values costs: the same process with its fields personal and plain.
            try await PrivacyBenchmark.run(directory, commands: singles, rounds: rounds)
            return
        }
        print("aso-bench: event log vs raw SQLite C API, \(ProcessInfo.processInfo.activeProcessorCount) cores, median of \(rounds) alternating rounds")
        for synchronous in ["FULL", "NORMAL"] {
            let count = synchronous == "FULL" ? singles : singles * 5
            // One event per transaction.
            var latencies: [Duration] = []
            let single = try await alternate(rounds) {
                try rawAppends(directory, synchronous: synchronous, transactions: count, perTransaction: 1)
            } ours: {
                let (rate, samples) = try await ourAppends(directory, synchronous: synchronous, transactions: count, perTransaction: 1)
                latencies += samples
                return rate
            }
            table.add("append, 1 event/tx, \(synchronous)", single, unit: "events/s", goal: 0.8)
            table.latency("append latency, 1 event/tx, \(synchronous)", latencies)
            // A case's worth of events per transaction.
            let batched = try await alternate(rounds) {
                try rawAppends(directory, synchronous: synchronous, transactions: count / 2, perTransaction: 10)
            } ours: {
                try await ourAppends(directory, synchronous: synchronous, transactions: count / 2, perTransaction: 10).0
            }
            table.add("append, 10 events/tx, \(synchronous)", batched, unit: "events/s", goal: 0.8)
        }
        // Group commit: 8 concurrent appenders at FULL against raw single-row FULL transactions.
        var groupSizes: [Double] = []
        let grouped = try await alternate(rounds) {
            try rawAppends(directory, synchronous: "FULL", transactions: singles, perTransaction: 1)
        } ours: {
            let (rate, groupSize) = try await concurrentAppends(directory, appenders: 8, total: singles * 4)
            groupSizes.append(groupSize)
            return rate
        }
        table.add("8 concurrent appenders, FULL (group commit)", grouped, unit: "events/s", goal: 3.0)
        table.note("average group commit: \(String(format: "%.1f", groupSizes.reduce(0, +) / Double(groupSizes.count))) appends per transaction")
        // Engine commands: load the case, decide, append one event, update the projections;
        // beside raw single-row transactions, with the CPU time each used.
        for (synchronous, goal) in [(SQLiteEventStore.Synchronous.full, 0.6), (.normal, 0.5)] {
            let count = synchronous == .full ? singles : singles * 5
            let commands = try await EngineBenchmark.run(directory, commands: count, rounds: rounds, synchronous: synchronous)
            table.add("engine command, 1 event/tx, \(synchronous.rawValue)", (commands.ours.rate, commands.raw.rate), unit: "commands/s", goal: goal)
            table.cpu("CPU time per engine command, \(synchronous.rawValue) (raw: per transaction)", (commands.ours.cpu, commands.raw.cpu), goal: 3)
        }
        // Replay of every case: read, decode, fold.
        let replayed = try await EngineBenchmark.replay(directory, events: replayEvents, rounds: rounds, processFile: processFile)
        table.add("replay every case (\(replayEvents) events, 10 per case)", (replayed.ours.rate, replayed.raw.rate), unit: "events/s", goal: 0.5)
        table.cpu("CPU time per replayed event", (replayed.ours.cpu, replayed.raw.cpu), goal: 2)
        // Full-log reads with events decoded.
        let path = try await writeLog(directory, events: readEvents)
        let read = try await alternate(rounds) {
            try rawRead(path)
        } ours: {
            try await ourRead(path)
        }
        table.add("read whole log, decoded (\(readEvents) events)", read, unit: "events/s", goal: 0.6)
        table.print()
    }

    /// Runs raw and ours alternately, `rounds` times each, and returns both medians, so
    /// that a burst of load on a shared machine hits both sides alike.
    nonisolated(nonsending) static func alternate(
        _ rounds: Int, raw: () async throws -> Double, ours: () async throws -> Double
    ) async throws -> (ours: Double, raw: Double) {
        var rawRates: [Double] = []
        var ourRates: [Double] = []
        for _ in 0..<rounds {
            rawRates.append(try await raw())
            ourRates.append(try await ours())
        }
        return (median(ourRates), median(rawRates))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func rows(transactions: Int, perTransaction: Int) -> [[BenchRow]] {
        var position: Int64 = 0
        return (0..<transactions).map { transaction in
            (0..<perTransaction).map { index in
                position += 1
                return BenchRow(
                    position: position, stream: "case-\(transaction)", version: Int64(index + 1),
                    eventID: UUID().uuidString, payload: payload(index), correlationID: UUID().uuidString,
                    commandID: UUID().uuidString, recordedAt: 1_800_000_000_000 + position, hash: Data(repeating: 7, count: 32))
            }
        }
    }

    static func payload(_ index: Int) -> Data {
        Data(#"{"completedOn":"2026-11-25","outcome":"done","step":\#(index),"task":"map-housing-situation"}"#.utf8)
    }

    static func newEvents(_ count: Int) -> [NewEvent] {
        (0..<count).map { NewEvent(type: "TaskCompleted", payload: payload($0)) }
    }

    static func metadata() -> EventMetadata {
        EventMetadata(
            actor: "worker:anna", organisation: "community-sanctions-office", role: "responsible-worker",
            correlationID: UUID().uuidString, commandID: UUID().uuidString)
    }

    static func rawAppends(_ directory: URL, synchronous: String, transactions: Int, perTransaction: Int) throws -> Double {
        try rawAppendSample(directory, synchronous: synchronous, transactions: transactions, perTransaction: perTransaction).rate
            * Double(perTransaction)
    }

    /// Raw appends: transactions per second, and the CPU time per transaction.
    static func rawAppendSample(_ directory: URL, synchronous: String, transactions: Int, perTransaction: Int) throws -> Sample {
        let path = directory.appendingPathComponent("raw-\(UUID().uuidString).sqlite").path
        let raw = try RawSQLite(path: path, synchronous: synchronous)
        let batches = rows(transactions: transactions, perTransaction: perTransaction)
        let clock = ContinuousClock()
        let cpu = CPUTime.now()
        let elapsed = try clock.measure {
            for batch in batches { try raw.insertTransaction(batch) }
        }
        return Sample(units: transactions, wall: elapsed, cpu: CPUTime.now() - cpu)
    }

    static func openStore(_ directory: URL, synchronous: String) throws -> SQLiteEventStore {
        var options = SQLiteEventStore.Options()
        options.synchronous = synchronous == "FULL" ? .full : .normal
        return try SQLiteEventStore(path: directory.appendingPathComponent("ours-\(UUID().uuidString).sqlite").path, options: options)
    }

    static func ourAppends(
        _ directory: URL, synchronous: String, transactions: Int, perTransaction: Int
    ) async throws -> (Double, [Duration]) {
        let store = try openStore(directory, synchronous: synchronous)
        let prepared = (0..<transactions).map { _ in (newEvents(perTransaction), metadata()) }
        var latencies: [Duration] = []
        latencies.reserveCapacity(transactions)
        let clock = ContinuousClock()
        let start = clock.now
        for (index, (events, metadata)) in prepared.enumerated() {
            let before = clock.now
            try await store.append(events, to: StreamID("case-\(index)"), expected: .noStream, metadata: metadata)
            latencies.append(clock.now - before)
        }
        let elapsed = clock.now - start
        return (Double(transactions * perTransaction) / elapsed.seconds, latencies)
    }

    static func concurrentAppends(_ directory: URL, appenders: Int, total: Int) async throws -> (Double, Double) {
        let store = try openStore(directory, synchronous: "FULL")
        let perAppender = total / appenders
        // Events, ids and metadata made before timing, as the other append workloads do.
        let prepared = (0..<appenders).map { appender in
            (0..<perAppender).map { index in (newEvents(1), StreamID("case-\(appender)-\(index)"), metadata()) }
        }
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appends in prepared {
                    group.addTask {
                        for (events, stream, metadata) in appends {
                            try await store.append(events, to: stream, expected: .noStream, metadata: metadata)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let statistics = store.commitStatistics
        return (Double(perAppender * appenders) / elapsed.seconds, Double(statistics.appends) / Double(statistics.transactions))
    }

    /// Writes a log of `events` events (10 per case) through the store, once.
    static func writeLog(_ directory: URL, events: Int) async throws -> String {
        var options = SQLiteEventStore.Options()
        options.synchronous = .normal
        let path = directory.appendingPathComponent("read.sqlite").path
        let store = try SQLiteEventStore(path: path, options: options)
        let perCase = 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in stride(from: worker, to: events / perCase, by: 4) {
                        try await store.append(newEvents(perCase), to: StreamID("case-\(index)"), expected: .noStream, metadata: metadata())
                    }
                }
            }
            try await group.waitForAll()
        }
        return path
    }

    static func ourRead(_ path: String) async throws -> Double {
        let store = try SQLiteEventStore(path: path)
        let clock = ContinuousClock()
        var count = 0
        let elapsed = try await clock.measure {
            for try await event in store.readAll(after: 0) {
                count &+= event.payload.isEmpty ? 0 : 1
            }
        }
        return Double(count) / elapsed.seconds
    }

    static func rawRead(_ path: String) throws -> Double {
        let raw = try RawSQLite(path: path, synchronous: "NORMAL")
        var count = 0
        let elapsed = try ContinuousClock().measure { count = try raw.readAll(pageSize: 512) }
        return Double(count) / elapsed.seconds
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The printed table: each figure beside raw SQLite, as a ratio against its goal.
struct ResultTable {
    private var lines: [String] = []

    mutating func add(_ name: String, _ rates: (ours: Double, raw: Double), unit: String, goal: Double) {
        let (ours, raw) = rates
        let ratio = ours / raw
        let verdict = ratio >= goal ? "meets" : "below"
        lines.append(
            "| \(name) | \(Int(ours)) | \(Int(raw)) | \(unit) | \(String(format: "%.2f", ratio)) | ≥ \(String(format: "%.2f", goal)) (\(verdict)) |")
    }

    mutating func latency(_ name: String, _ samples: [Duration]) {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> String {
            let index = min(sorted.count - 1, Int(Double(sorted.count) * p))
            return String(format: "%.1f µs", sorted[index].seconds * 1e6)
        }
        lines.append("| \(name) | p50 \(percentile(0.5)) | p99 \(percentile(0.99)) | | | |")
    }

    /// CPU time per unit of work beside raw's; lower is better, so the goal is a ceiling.
    mutating func cpu(_ name: String, _ times: (ours: Duration, raw: Duration), goal: Double) {
        let ratio = times.ours.seconds / times.raw.seconds
        let verdict = ratio <= goal ? "meets" : "above"
        lines.append(
            "| \(name) | \(String(format: "%.1f", times.ours.seconds * 1e6)) | \(String(format: "%.1f", times.raw.seconds * 1e6)) | µs CPU | \(String(format: "%.2f", ratio)) | ≤ \(String(format: "%.2f", goal)) (\(verdict)) |")
    }

    mutating func note(_ text: String) {
        lines.append("| \(text) | | | | | |")
    }

    /// The baseline's name in the header.
    var baseline = "raw SQLite"

    func print() {
        Swift.print("| workload | ours | \(baseline) | unit | ours/raw | goal |")
        Swift.print("|---|---:|---:|---|---:|---|")
        for line in lines { Swift.print(line) }
    }
}
