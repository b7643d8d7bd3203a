import ArgumentParser
import Foundation
import Logging
import Synchronization
import Processes
import WorkflowKit
import WorkflowSQLite
import WorkflowPostgres

/// The zone simulated times without an offset, and printed times, are read in.
let helsinki = TimeZone(identifier: "Europe/Helsinki") ?? TimeZone(secondsFromGMT: 2 * 3600)!

extension GlobalOptions {
    /// Who is acting: `--actor`, else the `USER` environment variable (when it is a valid
    /// id), else `cli`; in Unicode normal form C.
    var acting: Acting {
        if let actor, !actor.isEmpty { return Acting(Identifier.normalized(actor)) }
        if let user = ProcessInfo.processInfo.environment["USER"].map(Identifier.normalized),
            Identifier.problem(with: user) == nil
        {
            return Acting(user)
        }
        return Acting("cli")
    }

    /// The current time in milliseconds since 1970: `--now`, or the clock.
    ///
    /// A date alone (`2026-06-01`) means noon of that day in Helsinki; a date-time
    /// without an offset is read in Helsinki time.
    /// A clock for a long-running command: fixed at `--now` when given, else the real time.
    func clock() throws -> @Sendable () -> Int64 {
        guard now != nil else { return { Int64((Date().timeIntervalSince1970 * 1000).rounded()) } }
        let fixed = try nowMilliseconds()
        return { fixed }
    }

    /// A clock that starts at `--now` and runs on from there as real time passes (a running
    /// daemon on a simulation), else the real time.
    func runningClock() throws -> @Sendable () -> Int64 {
        guard now != nil else { return { Int64((Date().timeIntervalSince1970 * 1000).rounded()) } }
        let start = try nowMilliseconds()
        return { start + SimulationClock.elapsedSinceLaunch() }
    }

    func nowMilliseconds() throws -> Int64 {
        guard let now else { return Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
        guard let date = SimulatedTime.parse(now) else {
            throw ValidationError(
                "--now must be an ISO-8601 date or date-time, e.g. 2026-06-01 or 2026-06-01T09:30:00+03:00, not '\(now)'.")
        }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The time the access rules are applied at (which overrides are in force): `--now` in
    /// a simulation, else the clock. A read of real casework may look at another day, but
    /// an override ends on the real clock.
    func accessTime(in store: any CaseStore) throws -> Int64 {
        if now != nil, let database = store as? WorkflowDatabase, try database.isSimulation { return try nowMilliseconds() }
        return Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// Today's date in the Finnish calendar, from `--now` or the clock.
    func today() throws -> LocalDate {
        let milliseconds = try nowMilliseconds()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = helsinki
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// Whether a master key is configured or lies beside the log (so that opening the
    /// database creates none).
    var masterKeyAvailable: Bool {
        let environment = ProcessInfo.processInfo.environment
        return masterKeyFile != nil || environment[MasterKeySource.fileVariable]?.isEmpty == false
            || environment[MasterKeySource.keyVariable]?.isEmpty == false
            || FileManager.default.fileExists(atPath: MasterKeySource.defaultFile(besideDatabase: db))
    }

    /// Opens the workflow database; unless `create`, a missing file is a user error.
    ///
    /// - Parameter verifying: Open a file whose append-only triggers were removed, to report it.
    ///   - changesData: Whether the command records events of its own choosing (not only
    ///     reads): `--now` is then accepted only on a simulation database.
    ///   - clockRunsOn: Whether the simulated time runs on from `--now` as real time passes
    ///     (a running daemon), instead of standing at it (one command).
    func openDatabase(create: Bool = false, verifying: Bool = false, changesData: Bool = true, clockRunsOn: Bool = false) throws
        -> WorkflowDatabase
    {
        if PostgresLocation.isURL(db) {
            printError(
                "'\(PostgresLocation.redacted(db))' is a PostgreSQL database, and this command does not work on one yet: "
                    + "see docs/deployment.md for the commands that do.")
            throw ExitCode(1)
        }
        let existed = FileManager.default.fileExists(atPath: db)
        if !create && !existed {
            printError("There is no event log at '\(db)' (open a case first, or give --db).")
            throw ExitCode(1)
        }
        let milliseconds = try nowMilliseconds()
        let clock = SimulationClock(simulated: now == nil ? nil : milliseconds, runsOn: clockRunsOn)
        var options = SQLiteEventStore.Options()
        options.now = { clock.now() }
        options.refusesTamperedFile = !verifying
        // Warnings (a master key file created beside the log) go to standard error: as
        // text, or as serve's and daemon's --log-format and --log-level say.
        var logger = Logger(label: "aso-engine")
        logger.logLevel = max(logger.logLevel, .warning)
        let database: WorkflowDatabase
        do {
            let masterKey: MasterKeySource = masterKeyFile.map { .file($0) } ?? .automatic()
            database = try WorkflowDatabase(path: db, options: options, masterKey: masterKey, logger: logger)
            // A log that a simulated command creates is a simulation; real casework never becomes one.
            let simulation = try now == nil ? true : (existed ? database.isSimulation : database.markAsSimulation())
            if !simulation {
                if changesData {
                    printError(
                        "--now simulates the time, and this event log holds real casework (it was not made as a simulation): "
                            + "commands that change it run on the real clock. Leave out --now.")
                    throw ExitCode(1)
                }
                // Reads may look at another day; what they record (reads of personal data) is stamped with the real time.
                clock.useRealTime()
            }
        } catch let error as PrivacyError {
            printError(error.message)
            throw ExitCode(1)
        } catch let error as EventStoreError {
            printError(error.description)
            throw ExitCode(1)
        }
        return database
    }

    /// An engine over the database whose clock is `--now` when given.
    ///
    /// The engine logs warnings and errors only: standard output and error carry the
    /// command's own result.
    func makeEngine(create: Bool = false, changesData: Bool = true) throws -> Engine {
        try openEngine(create: create, changesData: changesData).engine
    }

    /// The store `--db` names: the SQLite file (see ``openDatabase(create:verifying:changesData:)``)
    /// or, for a `postgres://` URL, the PostgreSQL store (its master key from
    /// `--master-key-file` or the environment; `--now` is refused: a simulation is a SQLite file).
    func openStore(create: Bool = false, changesData: Bool = true, clockRunsOn: Bool = false) async throws -> any ReminderQueue {
        guard PostgresLocation.isURL(db) else { return try openDatabase(create: create, changesData: changesData, clockRunsOn: clockRunsOn) }
        guard now == nil else {
            printError("--now simulates time in a SQLite file made for it; a PostgreSQL database holds real casework. Leave out --now.")
            throw ExitCode(1)
        }
        do {
            return try await PostgresCaseStore.open(url: db, masterKey: masterKeyFile.map { .file($0) } ?? .automatic())
        } catch let error as PrivacyError {
            printError(error.message)
            throw ExitCode(1)
        } catch let error as EventStoreError {
            printError(error.message)
            throw ExitCode(1)
        }
    }

    /// An engine over the store `--db` names (see ``openStore(create:changesData:)``), and the store.
    func openCaseEngine(create: Bool = false, changesData: Bool = true) async throws -> (engine: Engine, store: any ReminderQueue) {
        if !PostgresLocation.isURL(db) {
            let (engine, database) = try openEngine(create: create, changesData: changesData)
            return (engine, database)
        }
        let store = try await openStore(create: create, changesData: changesData)
        var logger = Logger(label: "aso-engine")
        logger.logLevel = max(logger.logLevel, .warning)
        return (Engine(store: store, logger: logger), store)
    }

    /// An engine, as ``makeEngine(create:changesData:)`` makes it, and the database it is over.
    func openEngine(create: Bool = false, changesData: Bool = true) throws -> (engine: Engine, database: WorkflowDatabase) {
        let database = try openDatabase(create: create, changesData: changesData)
        var logger = Logger(label: "aso-engine")
        logger.logLevel = max(logger.logLevel, .warning)
        if now != nil {
            let milliseconds = try nowMilliseconds()
            return (Engine(database: database, now: { milliseconds }, logger: logger), database)
        }
        return (Engine(database: database, logger: logger), database)
    }
}

/// The store's clock for one command: `--now` in a simulation, else the real clock. A
/// running daemon's simulated time runs on from `--now` (`runsOn`).
final class SimulationClock: Sendable {
    private let simulated: Mutex<Int64?>
    private let runsOn: Bool

    init(simulated: Int64?, runsOn: Bool = false) {
        self.simulated = Mutex(simulated)
        self.runsOn = runsOn
    }

    func useRealTime() { simulated.withLock { $0 = nil } }

    func now() -> Int64 {
        guard let start = simulated.withLock({ $0 }) else { return Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
        return runsOn ? start + Self.elapsedSinceLaunch() : start
    }

    /// When the process first asked for a running simulated time: every running clock of
    /// the process counts from this one instant, so that they agree.
    private static let launched = ContinuousClock.now

    /// Milliseconds of real time since ``launched``.
    static func elapsedSinceLaunch() -> Int64 {
        let origin = launched
        let elapsed = ContinuousClock.now - origin
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

/// Parses `--now` values.
enum SimulatedTime {
    static func parse(_ text: String) -> Date? {
        if let date = LocalDate(text) {
            return components(date, hour: 12, minute: 0, second: 0, zone: helsinki)
        }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        // A local date-time without an offset: 2026-06-01T09:30 or 2026-06-01T09:30:00.
        let parts = text.split(separator: "T", maxSplits: 1).map(String.init)
        guard parts.count == 2, let date = LocalDate(parts[0]) else { return nil }
        let clock = parts[1].split(separator: ":").map { Int($0) }
        guard (2...3).contains(clock.count), clock.allSatisfy({ $0 != nil }) else { return nil }
        let hour = clock[0]!, minute = clock[1]!, second = clock.count == 3 ? clock[2]! : 0
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second) else { return nil }
        return components(date, hour: hour, minute: minute, second: second, zone: helsinki)
    }

    static func components(_ date: LocalDate, hour: Int, minute: Int, second: Int, zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(
            from: DateComponents(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute, second: second))
    }

    /// An event's recorded time as ISO-8601 in Helsinki time, e.g. `2026-06-01T12:00:00+03:00`.
    static func iso(milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = helsinki
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

/// A case id typed on the command line, composed (normal form C), so that a name typed
/// in decomposed form finds the case; new ids are checked by the engine.
func caseStream(_ text: String) -> StreamID {
    StreamID(Identifier.normalized(text))
}

/// Values given with `--values-from`, kept out of the command line (where other users of
/// the machine can read them while the command runs).
struct ValueFileOption: ParsableArguments {
    @Option(
        name: .customLong("values-from"),
        help: ArgumentHelp(
            "Read name=value lines (as --set takes them) from a file, or '-' for standard input: personal values stay out of the process list.",
            valueName: "path"))
    var path: String?

    /// The `name=value` lines of the file (blank lines and lines starting with `#` skipped).
    func assignments() throws -> [String] {
        guard let path else { return [] }
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--values-from: cannot read '\(path)'.")
            }
            data = contents
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
    }
}

/// `--set name=value` arguments, typed by their form.
func parseAssignments(_ assignments: [String], option: String = "--set") throws -> [String: ExpressionValue] {
    var values: [String: ExpressionValue] = [:]
    for assignment in assignments {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
            throw ValidationError("\(option) needs name=value, e.g. \(option) releaseDate=2026-12-23.")
        }
        values[String(assignment[..<equals])] = ExpressionValue(inferringFrom: String(assignment[assignment.index(after: equals)...]))
    }
    return values
}

/// Runs `body`, turning a refused command into its message on standard error and exit 1.
func refusingWithExit<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let refused as CommandRefused {
        printError(refused.message)
        throw ExitCode(1)
    } catch let error as UserError {
        printError(error.description)
        throw ExitCode(1)
    } catch let error as PrivacyError {
        printError(error.message)
        throw ExitCode(1)
    } catch let error as EventStoreError where error.code == .tampered {
        printError(error.message)
        throw ExitCode(1)
    }
}

/// Prints `object` as JSON: sorted keys, pretty, slashes unescaped.
func printJSON(_ object: Any, compact: Bool = false) throws {
    let options: JSONSerialization.WritingOptions = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let data = try JSONSerialization.data(withJSONObject: object, options: options)
    print(String(decoding: data, as: UTF8.self))
}

/// Prints one of the library's view types as JSON, with the same keys and layout as
/// ``printJSON(_:compact:)``.
func printJSON(encoding value: some Encodable, compact: Bool = false) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints rows under a header in aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    // Ids stored before the id rule may hold control characters: never let them reach the terminal raw.
    let rows = rows.map { $0.map(Identifier.printable) }
    let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        let line = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        print(line.trimmingCharacters(in: .whitespaces))
    }
}

/// JSON for optional values: the value, or null.
func jsonOrNull(_ value: (any CustomStringConvertible)?) -> Any {
    value.map { $0.description } ?? NSNull()
}

/// A field value as JSON: dates and text as strings, numbers and yes/no as themselves.
func jsonValue(_ value: ExpressionValue) -> Any {
    switch value {
    case .number(let number): number
    case .bool(let bool): bool
    default: value.description
    }
}

/// `-` for an absent value in tables.
func cell(_ value: (any CustomStringConvertible)?) -> String {
    value.map { $0.description } ?? "-"
}

extension CaseState.OpenTask {
    var jsonObject: [String: Any] {
        [
            "task": task, "role": role, "earliest": jsonOrNull(earliest), "due": jsonOrNull(due),
            "suspended": suspended, "occurrence": occurrence, "claimedBy": jsonOrNull(claimedBy),
        ]
    }
}
