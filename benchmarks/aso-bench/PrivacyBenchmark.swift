import Foundation
import Logging
import WorkflowKit
import WorkflowSQLite

/// `aso-bench --privacy`: what sealing personal values costs, measured as the same work
/// on the same process twice in one run — once with its fields marked personal (every
/// value sealed with the case's key on append and opened on load), once with them plain —
/// alternating, medians of `rounds`.
///
/// - Commands: `record` of a note, as in ``EngineBenchmark``, at `synchronous` NORMAL
///   (so that the flush does not hide the CPU work) and FULL.
/// - Cold loads: a fresh engine on a fresh database object (no case or case key
///   cached) folds every case from its stored history; each case was opened with a
///   release date and then had ten notes recorded.
enum PrivacyBenchmark {
    static func definition(personal: Bool) throws -> ProcessDefinition {
        let marked = personal ? ", personal: true" : ""
        let text = EngineBenchmark.process
            .replacingOccurrences(of: "releaseDate: { type: date, required: true }", with: "releaseDate: { type: date, required: true\(marked) }")
            .replacingOccurrences(of: "note: { type: text }", with: "note: { type: text\(marked) }")
        let library = ProcessLoader().load(sources: [.init(file: "bench.yaml", text: text)])
        guard let definition = library.definition(id: "bench"),
            definition.fields.filter(\.personal).count == (personal ? 2 : 0)
        else {
            throw BenchError("the privacy benchmark's process does not load as intended: \(library.diagnostics)")
        }
        return definition
    }

    /// Runs every workload and prints one Markdown table.
    static func run(_ directory: URL, commands: Int, rounds: Int) async throws {
        let sealed = try definition(personal: true)
        let plain = try definition(personal: false)
        print("aso-bench --privacy: the same work with the fields personal (sealed) and plain, median of \(rounds) alternating rounds")
        print("| workload | sealed | plain | unit | sealed/plain |")
        print("|---|---:|---:|---|---:|")
        func row(_ name: String, _ rates: (ours: Double, raw: Double), unit: String) {
            print("| \(name) | \(Int(rates.ours)) | \(Int(rates.raw)) | \(unit) | \(String(format: "%.2f", rates.ours / rates.raw)) |")
        }
        for synchronous in [SQLiteEventStore.Synchronous.normal, .full] {
            let count = synchronous == .normal ? commands * 5 : commands
            let rates = try await Benchmark.alternate(rounds) {
                try await EngineBenchmark.engineCommands(directory, definition: plain, commands: count, cases: 200, synchronous: synchronous)
            } ours: {
                try await EngineBenchmark.engineCommands(directory, definition: sealed, commands: count, cases: 200, synchronous: synchronous)
            }
            row("engine command, 1 event/tx, \(synchronous.rawValue)", rates, unit: "commands/s")
        }
        let loads = try await Benchmark.alternate(rounds) {
            try await coldLoads(directory, definition: plain, cases: 500)
        } ours: {
            try await coldLoads(directory, definition: sealed, cases: 500)
        }
        row("cold case load (a release date and 10 notes)", loads, unit: "cases/s")
    }

    /// Cases loaded per second by an engine that has none of them cached.
    static func coldLoads(_ directory: URL, definition: ProcessDefinition, cases: Int) async throws -> Double {
        var options = SQLiteEventStore.Options()
        options.synchronous = .normal
        let path = directory.appendingPathComponent("loads-\(UUID().uuidString).sqlite").path
        let database = try WorkflowDatabase(path: path, options: options, masterKey: EngineBenchmark.masterKey)
        var logger = Logger(label: "aso-bench.privacy")
        logger.logLevel = .warning
        let writer = Engine(database: database, now: { 1_780_000_000_000 }, logger: logger)
        let actor = Acting("worker:anna", organisation: "community-sanctions-office", role: "responsible-worker")
        let ids = (0..<cases).map { StreamID("case-\($0)") }
        for id in ids {
            try await writer.open(definition, caseID: id, fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], by: actor)
            for note in 0..<10 {
                try await writer.execute(.record(values: ["note": .text("note \(note) of \(id)")]), on: id, by: actor)
            }
        }
        // A database object of its own too, so that no case key is cached either.
        let fresh = try WorkflowDatabase(path: path, options: options, masterKey: EngineBenchmark.masterKey)
        let reader = Engine(database: fresh, now: { 1_780_000_000_000 }, logger: logger)
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            for id in ids {
                let (state, _) = try await reader.load(id)
                guard state.fields["note"] != nil else { throw BenchError("case \(id) loaded without its note") }
            }
        }
        return Double(cases) / elapsed.seconds
    }
}
