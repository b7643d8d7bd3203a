import Foundation
import Logging
import WorkflowKit
import WorkflowSQLite

/// Commands per second through the engine, beside raw SQLite single-row transactions at
/// the same `synchronous` setting.
///
/// Each command loads its case by reading the case's stream, decides, and appends one
/// event (`record` of a field no rule depends on, so nothing is rescheduled), with the
/// case, open-task and reminder projections updated in the same transaction: one
/// transaction per command. The commands go round-robin over `cases` cases, so that each
/// stream stays as short as a real case's.
enum EngineBenchmark {
    static let process = """
        process: bench
        title: Benchmark process
        calendar: fi
        fields:
          releaseDate: { type: date, required: true }
          note: { type: text }
        roles: { worker: Worker }
        events: { done: Done }
        states:
          mapping:
            initial: true
            tasks:
              map: { title: Map, role: worker, earliest: releaseDate - 6 months, due: releaseDate - 2 months, remind: [on due] }
              ask: { title: Ask, role: worker, due: releaseDate - 2 months, remind: [5 working days before due, on due] }
            on: { done: closed }
          closed: { final: true }
        """

    /// The master key of the benchmark's databases: given, so that none creates a key file.
    static let masterKey = MasterKeySource.base64(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())

    /// Engine commands and raw single-row transactions at `synchronous`, alternating:
    /// medians of `rounds` of the rates and of the CPU time per command (per transaction for raw).
    static func run(
        _ directory: URL, commands: Int, rounds: Int, cases: Int = 200, synchronous: SQLiteEventStore.Synchronous = .full
    ) async throws -> (ours: (rate: Double, cpu: Duration), raw: (rate: Double, cpu: Duration)) {
        let library = ProcessLoader().load(sources: [.init(file: "bench.yaml", text: process)])
        guard let definition = library.definition(id: "bench") else {
            throw BenchError("the benchmark process does not load: \(library.diagnostics)")
        }
        return try await Benchmark.alternateSamples(rounds) {
            try Benchmark.rawAppendSample(directory, synchronous: synchronous.rawValue, transactions: commands, perTransaction: 1)
        } ours: {
            try await engineCommandSample(directory, definition: definition, commands: commands, cases: cases, synchronous: synchronous)
        }
    }

    static func engineCommands(
        _ directory: URL, definition: ProcessDefinition, commands: Int, cases: Int,
        synchronous: SQLiteEventStore.Synchronous = .full
    ) async throws -> Double {
        try await engineCommandSample(directory, definition: definition, commands: commands, cases: cases, synchronous: synchronous).rate
    }

    /// Commands per second through the engine, and the CPU time per command.
    static func engineCommandSample(
        _ directory: URL, definition: ProcessDefinition, commands: Int, cases: Int,
        synchronous: SQLiteEventStore.Synchronous = .full
    ) async throws -> Sample {
        var options = SQLiteEventStore.Options()
        options.synchronous = synchronous
        let database = try WorkflowDatabase(
            path: directory.appendingPathComponent("engine-\(UUID().uuidString).sqlite").path, options: options,
            masterKey: masterKey)
        var logger = Logger(label: "aso-bench.engine")
        logger.logLevel = .warning
        let engine = Engine(database: database, now: { 1_780_000_000_000 }, logger: logger)
        let actor = Acting("worker:anna", organisation: "community-sanctions-office", role: "responsible-worker")
        let releaseDate = LocalDate("2026-12-23")!
        for index in 0..<cases {
            try await engine.open(definition, caseID: StreamID("case-\(index)"), fields: ["releaseDate": .date(releaseDate)], by: actor)
        }
        let prepared = (0..<commands).map { index in
            (CaseCommand.record(values: ["note": .text("note \(index)")]), StreamID("case-\(index % cases)"))
        }
        let clock = ContinuousClock()
        let cpu = CPUTime.now()
        let elapsed = try await clock.measure {
            for (command, id) in prepared {
                let outcome = try await engine.execute(command, on: id, by: actor)
                guard outcome.events.count == 1 else { throw BenchError("a command appended \(outcome.events.count) events") }
            }
        }
        return Sample(units: commands, wall: elapsed, cpu: CPUTime.now() - cpu)
    }

    /// Replay of every case of a log of `events` events (ten per case, the first ten
    /// events of a real vat-generic case), read + decoded + folded into `CaseState`,
    /// beside raw reads of the same rows stream by stream: alternating, medians of
    /// `rounds` of the rates and of the CPU time per event.
    static func replay(
        _ directory: URL, events: Int, rounds: Int, processFile: String
    ) async throws -> (ours: (rate: Double, cpu: Duration), raw: (rate: Double, cpu: Duration)) {
        let path = directory.appendingPathComponent("replay.sqlite").path
        try await PeerWorkloads.writeCaseLog(path: path, events: events, processFile: processFile)
        return try await Benchmark.alternateSamples(rounds) {
            let (count, wall, cpu) = try PeerWorkloads.rawReplay(path: path)
            return Sample(units: count, wall: wall, cpu: cpu)
        } ours: {
            let (count, wall, cpu) = try await PeerWorkloads.ourReplay(path: path, fold: true)
            return Sample(units: count, wall: wall, cpu: cpu)
        }
    }
}
