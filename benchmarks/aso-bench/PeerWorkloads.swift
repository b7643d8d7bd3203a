import Foundation
import Logging
import Synchronization
import WorkflowKit
import WorkflowSQLite

/// The workloads `benchmarks/run` compares against the Python `eventsourcing` library,
/// SpiffWorkflow and the raw SQLite C API: one workload, one side, one OS process (so
/// that its peak memory is its own), one JSON object on standard output.
///
/// Usage: `aso-bench --workload append-batch|command|replay|read-all|group-commit|vat-case [--side ours|raw]
///   [--events N] [--cases N] [--commands N] [--db PATH] [--setup] [--synchronous FULL|NORMAL]
///   [--process FILE]`
///
/// - `append-batch`: `--events` events, 10 per transaction, one case per transaction.
/// - `command`: `--cases` cases of 10 events each are written first (not timed); then
///   `--commands` commands, each loading a case, appending one event and committing (for
///   us: through the `Engine`, with the projections updated in the same transaction).
/// - `replay`: with `--setup`, writes a log of `--events` events (10 per case) to `--db`
///   and exits; without, replays every case of that log from its events (for us: folded
///   into `CaseState`; for raw: the rows read into Swift values; `--read-only`: ours
///   without decoding and folding).
/// - `group-commit`: `--events` single-event appends at FULL from 8 concurrent tasks
///   through one store (for raw: single-row transactions at FULL, one after another).
/// - `read-all`: the whole log of `--db` (as `replay --setup` writes it) read in position
///   order (for us: `readAll(after: 0)`, every event decoded; for raw: paged reads of the
///   same columns).
/// - `vat-case`: `--cases` cases of the VAT six-step process, each from opening to
///   closing with every task completed and the reminders falling due on the way delivered.
enum PeerWorkloads {
    struct Options {
        var workload: String
        var side: String
        var events: Int
        var cases: Int
        var commands: Int
        var database: String?
        var setup: Bool
        var synchronous: String
        var processFile: String
    }

    static func main(_ arguments: [String]) async {
        do {
            try await run(arguments)
        } catch {
            FileHandle.standardError.write(Data("aso-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ arguments: [String]) async throws {
        func value(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        let options = Options(
            workload: value("--workload") ?? "",
            side: value("--side") ?? "ours",
            events: Int(value("--events") ?? "") ?? 20_000,
            cases: Int(value("--cases") ?? "") ?? 1_000,
            commands: Int(value("--commands") ?? "") ?? 2_000,
            database: value("--db"),
            setup: arguments.contains("--setup"),
            synchronous: value("--synchronous") ?? "FULL",
            processFile: value("--process") ?? "processes/vat-generic.yaml")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aso-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var result: [String: Any] = ["workload": options.workload, "side": options.side, "synchronous": options.synchronous]
        switch (options.workload, options.side) {
        case ("append-batch", "ours"):
            let transactions = options.events / 10
            result["rate"] = try await Benchmark.ourAppends(
                directory, synchronous: options.synchronous, transactions: transactions, perTransaction: 10).0
            result["unit"] = "events/s"
            result["count"] = transactions * 10
        case ("append-batch", "raw"):
            let transactions = options.events / 10
            result["rate"] = try Benchmark.rawAppends(
                directory, synchronous: options.synchronous, transactions: transactions, perTransaction: 10)
            result["unit"] = "events/s"
            result["count"] = transactions * 10
        case ("command", "ours"):
            let (rate, cpu) = try await ourCommands(directory, options)
            result["rate"] = rate
            result["cpu_us_per_unit"] = cpu
            result["unit"] = "commands/s"
            result["count"] = options.commands
        case ("command", "raw"):
            let (rate, cpu) = try rawCommands(directory, options)
            result["rate"] = rate
            result["cpu_us_per_unit"] = cpu
            result["unit"] = "commands/s"
            result["count"] = options.commands
        case ("replay", let side) where options.setup:
            guard side == "ours" || side == "raw" else { throw BenchError("unknown side \(side)") }
            guard let path = options.database else { throw BenchError("--setup needs --db PATH") }
            try await writeCaseLog(path: path, events: options.events, processFile: options.processFile)
            result["written"] = options.events
        case ("replay", "ours"):
            guard let path = options.database else { throw BenchError("replay needs --db PATH") }
            let (events, wall, cpu) = try await ourReplay(path: path, fold: !arguments.contains("--read-only"))
            result["rate"] = Double(events) / wall.seconds
            result["unit"] = "events/s"
            result["count"] = events
            result["cpu_us_per_unit"] = cpu.seconds * 1e6 / Double(events)
        case ("replay", "raw"):
            guard let path = options.database else { throw BenchError("replay needs --db PATH") }
            let (events, wall, cpu) = try rawReplay(path: path)
            result["rate"] = Double(events) / wall.seconds
            result["unit"] = "events/s"
            result["count"] = events
            result["cpu_us_per_unit"] = cpu.seconds * 1e6 / Double(events)
        case ("group-commit", "ours"):
            let cpu = CPUTime.now()
            let (rate, groupSize) = try await Benchmark.concurrentAppends(directory, appenders: 8, total: options.events)
            result["rate"] = rate
            result["cpu_us_per_unit"] = (CPUTime.now() - cpu).seconds * 1e6 / Double(options.events)
            result["appends_per_transaction"] = groupSize
            result["unit"] = "events/s"
        case ("group-commit", "raw"):
            result["rate"] = try Benchmark.rawAppends(directory, synchronous: "FULL", transactions: options.events, perTransaction: 1)
            result["unit"] = "events/s"
        case ("read-all", "ours"):
            guard let path = options.database else { throw BenchError("read-all needs --db PATH") }
            let cpu = CPUTime.now()
            result["rate"] = try await Benchmark.ourRead(path)
            result["cpu_seconds"] = (CPUTime.now() - cpu).seconds
            result["unit"] = "events/s"
        case ("read-all", "raw"):
            guard let path = options.database else { throw BenchError("read-all needs --db PATH") }
            let cpu = CPUTime.now()
            result["rate"] = try Benchmark.rawRead(path)
            result["cpu_seconds"] = (CPUTime.now() - cpu).seconds
            result["unit"] = "events/s"
        case ("vat-case", "ours"):
            let (seconds, reminders, events) = try await ourVATCases(directory, options)
            result["rate"] = Double(options.cases) / seconds
            result["unit"] = "cases/s"
            result["count"] = options.cases
            result["reminders_per_case"] = Double(reminders) / Double(options.cases)
            result["events_per_case"] = Double(events) / Double(options.cases)
        default:
            throw BenchError("unknown workload/side: \(options.workload)/\(options.side)")
        }
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    // MARK: - The VAT process

    static func loadVAT(_ file: String) throws -> ProcessDefinition {
        let library = ProcessLoader().load(paths: [file])
        guard let definition = library.definition(id: "vat-generic") else {
            throw BenchError("cannot load vat-generic from \(file): \(library.diagnostics)")
        }
        return definition
    }

    /// A simulated clock the engine and the daemon read.
    final class SimulatedClock: Sendable {
        private let value = Mutex<Int64>(0)
        var now: Int64 {
            get { value.withLock { $0 } }
            set { value.withLock { $0 = newValue } }
        }
        func set(_ iso: String) {
            now = Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970 * 1000)
        }
    }

    struct NullSink: ReminderSink {
        var name: String { "null" }
        func deliver(_ delivery: Delivery) async throws {}
    }

    static let worker = Acting("worker:anna", organisation: "community-sanctions-office", role: "responsible-worker")
    static let chair = Acting("worker:leena", organisation: "community-sanctions-office", role: "chair")

    /// Walks one case of vat-generic from opening to closing, as its workers would, with
    /// the clock moved to each state's last due date and the reminders due by then
    /// delivered (and recorded) before the tasks are done. Returns the reminders delivered.
    static func walkVATCase(
        _ id: StreamID, definition: ProcessDefinition, engine: Engine, daemon: ReminderDaemon, clock: SimulatedClock
    ) async throws -> Int {
        var reminders = 0
        clock.set("2026-06-01T07:00:00Z")
        try await engine.open(
            definition, caseID: id, fields: ["releaseDate": .date(LocalDate("2026-12-23")!), "sentence": .text("prison")],
            responsibleWorker: worker.id, by: worker)
        // 1. Mapping: due 2026-10-23.
        clock.set("2026-10-23T09:00:00Z")
        reminders += try await daemon.tick().count
        try await engine.execute(.complete(task: "map-housing"), on: id, by: worker)
        try await engine.execute(.complete(task: "ask-consent"), on: id, by: worker)
        // Recording the consent is the process's `consent-given` event: the case moves on to notify.
        try await engine.execute(.giveConsent(parties: ["prison", "adult-social-work", "landlord"]), on: id, by: worker)
        // 2-3. Notify, contact the wellbeing services county, collect the advance
        // information, invite each party the consent names, prepare: due by 2026-11-06.
        clock.set("2026-11-06T09:00:00Z")
        reminders += try await daemon.tick().count
        for task in ["notify-chair", "contact-wellbeing-county", "collect-advance-information"] {
            try await engine.execute(.complete(task: task), on: id, by: worker)
        }
        for party in ["prison", "adult-social-work", "landlord"] {
            try await engine.execute(.complete(task: "invite-\(party)"), on: id, by: chair)
        }
        try await engine.execute(.complete(task: "prepare-client"), on: id, by: worker)
        try await engine.execute(.fire(event: "meeting-held"), on: id, by: chair)
        // 4-5. Record the meeting, agree actions, write the memo: due by 2026-11-13.
        clock.set("2026-11-13T09:00:00Z")
        reminders += try await daemon.tick().count
        try await engine.execute(.complete(task: "record-meeting"), on: id, by: chair)
        try await engine.execute(
            .complete(task: "agree-actions", outcomes: ["housingForm": .text("supported"), "supportLinked": .bool(true)]),
            on: id, by: chair)
        try await engine.execute(.complete(task: "write-memo"), on: id, by: chair)
        try await engine.execute(.fire(event: "memo-sent"), on: id, by: chair)
        // 6. Follow up: the service need, identification, housing (due by a month after the memo).
        clock.set("2026-12-14T09:00:00Z")
        reminders += try await daemon.tick().count
        for task in ["service-need-assessment", "id-card", "strong-identification"] {
            try await engine.execute(.complete(task: task), on: id, by: worker)
        }
        try await engine.execute(
            .complete(task: "follow-up-housing", outcomes: ["housedBeforeRelease": .bool(true)]), on: id, by: worker)
        let closed = try await engine.execute(.fire(event: "case-closed"), on: id, by: worker)
        guard closed.state.state == "closed" else { throw BenchError("case \(id) ended in \(closed.state.state)") }
        return reminders
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }

    static func ourVATCases(_ directory: URL, _ options: Options) async throws -> (Double, Int, Int) {
        let definition = try loadVAT(options.processFile)
        var storeOptions = SQLiteEventStore.Options()
        storeOptions.synchronous = options.synchronous == "FULL" ? .full : .normal
        let database = try WorkflowDatabase(path: directory.appendingPathComponent("vat.sqlite").path, options: storeOptions)
        let clock = SimulatedClock()
        let engine = Engine(database: database, now: { clock.now }, logger: quietLogger("bench.engine"))
        let daemon = ReminderDaemon(
            database: database, sinks: [NullSink()], id: "bench", now: { clock.now }, logger: quietLogger("bench.daemon"))
        var reminders = 0
        let elapsed = try await ContinuousClock().measure {
            for index in 0..<options.cases {
                reminders += try await walkVATCase(
                    StreamID("case-\(index)"), definition: definition, engine: engine, daemon: daemon, clock: clock)
            }
        }
        let events = try await database.events.readAll(after: 0).reduce(0) { count, _ in count + 1 }
        return (elapsed.seconds, reminders, events)
    }

    // MARK: - One command at a time

    /// Commands per second, and the CPU time per command in microseconds.
    static func ourCommands(_ directory: URL, _ options: Options) async throws -> (Double, Double) {
        let definition = try loadVAT(options.processFile)
        let path = directory.appendingPathComponent("commands.sqlite").path
        // The cases are written at NORMAL (not timed), then the file is opened again as the run asks.
        do {
            var setupOptions = SQLiteEventStore.Options()
            setupOptions.synchronous = .normal
            let database = try WorkflowDatabase(path: path, options: setupOptions)
            let engine = Engine(database: database, now: { 1_780_300_800_000 }, logger: quietLogger("bench.engine"))
            for index in 0..<options.cases {
                let id = StreamID("case-\(index)")
                let opened = try await engine.open(
                    definition, caseID: id, fields: ["releaseDate": .date(LocalDate("2026-12-23")!)],
                    responsibleWorker: worker.id, by: worker)
                var version = opened.state.version
                var step = 0
                while version < 10 {
                    step += 1
                    version = try await engine.execute(
                        .record(values: ["sentence": .text(step % 2 == 0 ? "prison" : "fine-conversion")]), on: id, by: worker
                    ).state.version
                }
            }
        }
        var storeOptions = SQLiteEventStore.Options()
        storeOptions.synchronous = options.synchronous == "FULL" ? .full : .normal
        let database = try WorkflowDatabase(path: path, options: storeOptions)
        let engine = Engine(database: database, now: { 1_780_300_800_000 }, logger: quietLogger("bench.engine"))
        _ = try await engine.load(StreamID("case-0"))  // the definition, cached as in a running service
        let cpu = CPUTime.now()
        let elapsed = try await ContinuousClock().measure {
            for index in 0..<options.commands {
                // The value flips on each visit to a case, so that every command appends one
                // event (recording the value a case already holds decides nothing).
                let outcome = try await engine.execute(
                    .record(values: ["supportLinked": .bool((index / options.cases) % 2 == 0)]),
                    on: StreamID("case-\(index % options.cases)"), by: worker, commandID: UUID().uuidString)
                guard outcome.events.count == 1 else { throw BenchError("a command appended \(outcome.events.count) events") }
            }
        }
        let used = CPUTime.now() - cpu
        return (Double(options.commands) / elapsed.seconds, used.seconds * 1e6 / Double(options.commands))
    }

    /// Commands per second, and the CPU time per command in microseconds.
    static func rawCommands(_ directory: URL, _ options: Options) throws -> (Double, Double) {
        let path = directory.appendingPathComponent("raw-commands.sqlite").path
        do {
            let setup = try RawSQLite(path: path, synchronous: "NORMAL")
            for batch in Benchmark.rows(transactions: options.cases, perTransaction: 10) {
                try setup.insertTransaction(batch)
            }
        }
        let raw = try RawSQLite(path: path, synchronous: options.synchronous)
        // Prepared before timing, as the append workloads do.
        let commands = (0..<options.commands).map { index in
            BenchRow(
                position: 0, stream: "case-\(index % options.cases)", version: 0, eventID: UUID().uuidString,
                payload: Benchmark.payload(index), correlationID: UUID().uuidString, commandID: UUID().uuidString,
                recordedAt: 1_800_000_000_000 + Int64(index), hash: Data(repeating: 7, count: 32))
        }
        let cpu = CPUTime.now()
        let elapsed = try ContinuousClock().measure {
            for command in commands { try raw.command(command) }
        }
        let used = CPUTime.now() - cpu
        return (Double(options.commands) / elapsed.seconds, used.seconds * 1e6 / Double(options.commands))
    }

    // MARK: - Replay

    /// The first ten events of a real vat-generic case (opening, tasks, consent, state
    /// changes), taken from a case walked through the engine, as the template of every
    /// case in the replay log.
    static func caseTemplate(processFile: String) async throws -> [NewEvent] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aso-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let definition = try loadVAT(processFile)
        let database = try WorkflowDatabase(path: directory.appendingPathComponent("template.sqlite").path)
        let clock = SimulatedClock()
        let engine = Engine(database: database, now: { clock.now }, logger: quietLogger("bench.engine"))
        let daemon = ReminderDaemon(
            database: database, sinks: [NullSink()], id: "bench", now: { clock.now }, logger: quietLogger("bench.daemon"))
        _ = try await walkVATCase("template", definition: definition, engine: engine, daemon: daemon, clock: clock)
        var events: [NewEvent] = []
        for try await event in database.events.read(stream: "template") {
            guard try CaseEvent(event) != nil else { continue }
            events.append(NewEvent(type: event.type, schemaVersion: event.schemaVersion, payload: event.payload))
        }
        return Array(events.prefix(10))
    }

    /// Writes `events` events, ten per case, through the event store (at NORMAL, four
    /// appenders, not timed); the definition the cases follow is stored too.
    static func writeCaseLog(path: String, events: Int, processFile: String) async throws {
        let template = try await caseTemplate(processFile: processFile)
        var options = SQLiteEventStore.Options()
        options.synchronous = .normal
        let store = try SQLiteEventStore(path: path, options: options)
        let cases = events / template.count
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<4 {
                group.addTask {
                    for index in stride(from: appender, to: cases, by: 4) {
                        let batch = template.map { NewEvent(type: $0.type, schemaVersion: $0.schemaVersion, payload: $0.payload) }
                        try await store.append(
                            batch, to: StreamID("case-\(index)"), expected: .noStream, metadata: Benchmark.metadata())
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Rehydrates every case: reads its stream and folds each event into its `CaseState`.
    /// With `fold` false, only reads the streams (`--read-only`: how much of the replay is decoding and folding).
    static func ourReplay(path: String, fold: Bool) async throws -> (events: Int, wall: Duration, cpu: Duration) {
        let store = try SQLiteEventStore(path: path)
        let cases = try RawSQLite(path: path, synchronous: "NORMAL").streamCount()
        var events = 0
        var checksum = 0
        let cpu = CPUTime.now()
        let elapsed = try await ContinuousClock().measure {
            for index in 0..<cases {
                var state = CaseState(id: StreamID("case-\(index)"))
                // By index, as the engine's load does: each event is read in place.
                let read = try await store.events(of: state.id, fromVersion: 1)
                for index in read.indices {
                    if fold, let caseEvent = try CaseEvent(read[index]) { state.apply(caseEvent) }
                    state.version = read[index].version
                    events += 1
                }
                checksum &+= state.state.utf8.count &+ Int(state.version)
            }
        }
        let used = CPUTime.now() - cpu
        guard checksum > 0 else { throw BenchError("nothing replayed") }
        return (events, elapsed, used)
    }

    /// Reads every case's rows, stream by stream, into Swift values.
    static func rawReplay(path: String) throws -> (events: Int, wall: Duration, cpu: Duration) {
        let raw = try RawSQLite(path: path, synchronous: "NORMAL")
        let cases = try raw.streamCount()
        var events = 0
        let cpu = CPUTime.now()
        let elapsed = try ContinuousClock().measure {
            for index in 0..<cases { events += try raw.readStream("case-\(index)") }
        }
        return (events, elapsed, CPUTime.now() - cpu)
    }
}
