import Foundation
import WorkflowKit

/// `aso-bench`: the event log beside the raw SQLite C API, same machine, same run.
///
/// Usage: `swift run -c release aso-bench [--quick] [--events N] [--read-events N]`
@main
struct Benchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let quick = arguments.contains("--quick")
        func value(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return Int(arguments[index + 1]) ?? fallback
        }
        let singles = value("--events", quick ? 300 : 2_000)
        let readEvents = value("--read-events", quick ? 20_000 : 500_000)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aso-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var table = ResultTable()

        print("aso-bench: event log vs raw SQLite C API (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        for synchronous in ["FULL", "NORMAL"] {
            let count = synchronous == "FULL" ? singles : singles * 5
            // One event per transaction.
            let raw1 = try rawAppends(directory, synchronous: synchronous, transactions: count, perTransaction: 1)
            let (ours1, latencies) = try await ourAppends(directory, synchronous: synchronous, transactions: count, perTransaction: 1)
            table.add("append, 1 event/tx, \(synchronous)", ours: ours1, raw: raw1, unit: "events/s", goal: 0.8)
            table.latency("append latency, 1 event/tx, \(synchronous)", latencies)
            // A case's worth of events per transaction.
            let raw10 = try rawAppends(directory, synchronous: synchronous, transactions: count / 2, perTransaction: 10)
            let (ours10, _) = try await ourAppends(directory, synchronous: synchronous, transactions: count / 2, perTransaction: 10)
            table.add("append, 10 events/tx, \(synchronous)", ours: ours10, raw: raw10, unit: "events/s", goal: 0.8)
        }
        // Group commit: 8 concurrent appenders at FULL against raw single-row FULL transactions.
        let rawSingleFull = try rawAppends(directory, synchronous: "FULL", transactions: singles, perTransaction: 1)
        let concurrent = try await concurrentAppends(directory, appenders: 8, total: singles * 4)
        table.add("8 concurrent appenders, FULL (group commit)", ours: concurrent, raw: rawSingleFull, unit: "events/s", goal: 5.0)
        // Full-log reads with events decoded.
        let (oursRead, rawRead) = try await reads(directory, events: readEvents)
        table.add("read whole log, decoded (\(readEvents) events)", ours: oursRead, raw: rawRead, unit: "events/s", goal: 0.5)
        table.print()
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
        let path = directory.appendingPathComponent("raw-\(UUID().uuidString).sqlite").path
        let raw = try RawSQLite(path: path, synchronous: synchronous)
        let batches = rows(transactions: transactions, perTransaction: perTransaction)
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for batch in batches { try raw.insertTransaction(batch) }
        }
        return Double(transactions * perTransaction) / elapsed.seconds
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

    static func concurrentAppends(_ directory: URL, appenders: Int, total: Int) async throws -> Double {
        let store = try openStore(directory, synchronous: "FULL")
        let perAppender = total / appenders
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        for index in 0..<perAppender {
                            try await store.append(
                                newEvents(1), to: StreamID("case-\(appender)-\(index)"), expected: .noStream,
                                metadata: metadata())
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return Double(perAppender * appenders) / elapsed.seconds
    }

    static func reads(_ directory: URL, events: Int) async throws -> (Double, Double) {
        // Write the same log once through our store; read it both ways.
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
        let clock = ContinuousClock()
        var count = 0
        let ours = try await clock.measure {
            for try await event in store.readAll(after: 0) {
                count &+= event.payload.count > 0 ? 1 : 0
            }
        }
        let raw = try RawSQLite(path: path, synchronous: "NORMAL")
        var rawCount = 0
        let rawElapsed = try clock.measure { rawCount = try raw.readAll(pageSize: 512) }
        guard count == rawCount else { throw BenchError("read \(count) events, raw read \(rawCount)") }
        return (Double(count) / ours.seconds, Double(rawCount) / rawElapsed.seconds)
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

    mutating func add(_ name: String, ours: Double, raw: Double, unit: String, goal: Double) {
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

    func print() {
        Swift.print("| workload | ours | raw SQLite | unit | ours/raw | goal |")
        Swift.print("|---|---:|---:|---|---:|---|")
        for line in lines { Swift.print(line) }
    }
}
