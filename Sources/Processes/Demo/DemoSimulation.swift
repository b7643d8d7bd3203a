import Foundation
import Logging
import Synchronization
public import WorkflowKit
public import WorkflowSQLite

/// A year of casework on an embedded database, on a simulated clock: cases of every
/// given process open through the year, workers do their tasks (most on time, some
/// late, some never), and the reminder daemon runs every morning.
///
/// Deterministic for a given seed: the same options give the same year.
public struct DemoSimulation: Sendable {
    public struct Options: Sendable {
        /// The first simulated day.
        public var start = LocalDate(year: 2026, month: 1, day: 5)!
        public var days = 365
        /// Cases opened over the year, spread over its first ten months.
        public var cases = 240
        public var seed: UInt64 = 2026

        public init() {}
    }

    /// What happened, for the closing summary.
    public struct Summary: Sendable {
        public var casesOpened = 0
        public var casesClosed = 0
        public var fastTracked = 0
        public var casesByProcess: [String: Int] = [:]
        public var tasksOnTime = 0
        public var tasksLate = 0
        /// Tasks still open and overdue when the year ends.
        public var tasksOverdueAtEnd = 0
        public var reminders = 0
        public var lateReminders = 0
        public var escalations = 0
        /// The days each case was open, summed over the cases (for the rate below).
        public var caseDaysOpen = 0
        public var housedBeforeRelease = 0
        public var notHousedBeforeRelease = 0
        public var housingForms: [String: Int] = [:]
        public var refusals = 0

        /// Reminders and escalations delivered per open case per month (30 days):
        /// what one case costs its workers' attention.
        public var remindersPerCaseMonth: Double {
            caseDaysOpen == 0 ? 0 : Double(reminders) / (Double(caseDaysOpen) / 30)
        }
    }

    /// Progress at the end of a simulated month.
    public struct Progress: Sendable {
        public var month: LocalDate
        public var openCases: Int
        public var reminders: Int
        public var escalations: Int
    }

    /// The simulation's database: every event is stamped with the simulated time.
    public let database: WorkflowDatabase
    public let definitions: [ProcessDefinition]
    public let options: Options
    private let clock = DemoClock()

    /// Creates the database at `path` (a new file; commits are not flushed to disk, since
    /// the simulation is throw-away and would otherwise spend its time waiting for the disk).
    public init(path: String, definitions: [ProcessDefinition], options: Options = Options()) throws {
        var storeOptions = SQLiteEventStore.Options()
        storeOptions.synchronous = .normal
        storeOptions.now = clock.provider
        self.database = try WorkflowDatabase(path: path, options: storeOptions)
        try database.markAsSimulation()
        self.definitions = definitions
        self.options = options
    }

    /// Runs the year.
    ///
    /// - Parameters:
    ///   - onReminder: Called for each reminder and escalation as the daemon delivers it.
    ///   - onProgress: Called at the end of each simulated month.
    public func run(
        onReminder: @escaping @Sendable (Delivery) -> Void, onProgress: @Sendable (Progress) -> Void
    ) async throws -> Summary {
        precondition(!definitions.isEmpty, "the demo needs at least one process")
        let calendar = FinnishCalendar()
        var logger = Logger(label: "aso-engine.demo")
        logger.logLevel = .warning
        let engine = Engine(database: database, now: clock.provider, logger: logger)
        let sink = CountingSink(onReminder: onReminder)
        let daemon = ReminderDaemon(database: database, sinks: [sink], id: "demo-daemon", now: clock.provider, logger: logger)
        var random = SeededRandom(seed: options.seed)
        var summary = Summary()
        var plan = WorkerPlan()
        let worker = Acting("worker:demo", role: "responsible-worker")

        // When each case opens: spread over the first ten months, on working days.
        var openings: [LocalDate: Int] = [:]
        for _ in 0..<options.cases {
            let day = calendar.nextWorkingDay(onOrAfter: options.start.adding(days: Int(random.next(upTo: UInt64(min(options.days, 300))))))
            openings[day, default: 0] += 1
        }
        var caseNumber = 0
        var month = options.start
        for offset in 0..<options.days {
            let today = options.start.adding(days: offset)
            // 08:00: the daemon delivers what is due.
            clock.set(calendar.instant(today, hour: 8, minute: 0))
            try await daemon.tick()
            // 10:00: new cases open.
            clock.set(calendar.instant(today, hour: 10, minute: 0))
            for _ in 0..<(openings[today] ?? 0) {
                caseNumber += 1
                let definition = definitions[caseNumber % definitions.count]
                let fields = sampleFields(for: definition, openedOn: today, random: &random)
                let id = StreamID(String(format: "%@-%04d", definition.id, caseNumber))
                do {
                    let outcome = try await engine.open(
                        definition, caseID: id, fields: fields, responsibleWorker: "worker:\(1 + caseNumber % 7)", by: worker)
                    summary.casesOpened += 1
                    summary.casesByProcess[definition.id, default: 0] += 1
                    if outcome.state.fastTrack != nil { summary.fastTracked += 1 }
                    plan.diligence[id] = Diligence.sample(&random)
                } catch is CommandRefused {
                    summary.refusals += 1
                }
            }
            // 12:00: workers do their work.
            clock.set(calendar.instant(today, hour: 12, minute: 0))
            try await work(today: today, engine: engine, worker: worker, plan: &plan, random: &random, summary: &summary)
            summary.caseDaysOpen += try await database.cases(includeClosed: false).count
            if today.month != month.month || offset == options.days - 1 {
                let open = try await database.cases(includeClosed: false).count
                onProgress(Progress(month: month, openCases: open, reminders: sink.count, escalations: sink.escalations))
                month = today
            }
        }
        summary.reminders = sink.count
        summary.lateReminders = sink.late
        summary.escalations = sink.escalations
        let end = options.start.adding(days: options.days - 1)
        summary.tasksOverdueAtEnd = try await database.tasks(TaskQuery(overdueOn: end)).count
        for row in try await database.cases() {
            if row.closedOn != nil { summary.casesClosed += 1 }
            let (state, _) = try await engine.load(row.id)
            if case .bool(let housed)? = state.fields["housedBeforeRelease"] {
                if housed { summary.housedBeforeRelease += 1 } else { summary.notHousedBeforeRelease += 1 }
            }
            if case .text(let form)? = state.fields["housingForm"] {
                summary.housingForms[form, default: 0] += 1
            }
        }
        return summary
    }

    // MARK: - The workers

    /// How a case's worker works: most on time, some late, some not at all.
    enum Diligence: Sendable {
        case prompt, late, absent

        static func sample(_ random: inout SeededRandom) -> Diligence {
            switch random.next(upTo: 10) {
            case 0: .absent
            case 1, 2: .late
            default: .prompt
            }
        }
    }

    struct WorkerPlan {
        var diligence: [StreamID: Diligence] = [:]
        /// When each open task will be done (nil: never).
        var doneOn: [String: LocalDate?] = [:]
        /// How long each case has been waiting with nothing left to do in its state.
        var idleSince: [StreamID: LocalDate] = [:]
    }

    private func work(
        today: LocalDate, engine: Engine, worker: Acting, plan: inout WorkerPlan, random: inout SeededRandom,
        summary: inout Summary
    ) async throws {
        let tasks = try await database.tasks()
        for task in tasks where !task.suspended {
            let key = "\(task.caseID)/\(task.task)/\(task.occurrence)"
            if plan.doneOn[key] == nil {
                plan.doneOn[key] = doneDate(for: task, today: today, diligence: plan.diligence[task.caseID] ?? .prompt, random: &random)
            }
            guard let maybe = plan.doneOn[key], let date = maybe, date <= today else { continue }
            try await complete(task, today: today, engine: engine, worker: worker, random: &random, summary: &summary)
        }
        // Cases with nothing left to do in their state move on.
        for row in try await database.cases(includeClosed: false) where row.openTasks == 0 || onlyFollowUps(row, tasks) {
            let since = plan.idleSince[row.id] ?? today
            plan.idleSince[row.id] = since
            guard since.days(until: today) >= 3 else { continue }
            plan.idleSince[row.id] = nil
            try await moveOn(row, engine: engine, worker: worker, random: &random, summary: &summary)
        }
    }

    private func onlyFollowUps(_ row: CaseSummary, _ tasks: [OpenTaskSummary]) -> Bool {
        let open = tasks.filter { $0.caseID == row.id }
        return !open.isEmpty && open.allSatisfy { $0.occurrence >= 3 }
    }

    private func doneDate(
        for task: OpenTaskSummary, today: LocalDate, diligence: Diligence, random: inout SeededRandom
    ) -> LocalDate? {
        let start = max(today, task.earliest ?? today)
        guard let due = task.due else { return start.adding(days: Int(random.next(upTo: 20))) }
        switch diligence {
        case .absent where random.next(upTo: 3) == 0:
            return nil
        case .late, .absent:
            return max(start, due.adding(days: 1 + Int(random.next(upTo: 15))))
        case .prompt:
            let window = max(0, start.days(until: due))
            return start.adding(days: Int(random.next(upTo: UInt64(window + 1))))
        }
    }

    private func complete(
        _ task: OpenTaskSummary, today: LocalDate, engine: Engine, worker: Acting, random: inout SeededRandom,
        summary: inout Summary
    ) async throws {
        let (_, definition) = try await engine.load(task.caseID)
        guard let (taskDefinition, _) = definition.task(task.task) else { return }
        var outcomes: [String: ExpressionValue] = [:]
        for id in taskDefinition.outcomes {
            if let field = definition.field(id) { outcomes[id] = sampleValue(field, random: &random, outcome: true, today: today) }
        }
        do {
            let result = try await execute(.complete(task: task.task, outcomes: outcomes), task.caseID, engine, worker, definition)
            for event in result.events {
                if case .taskCompleted(let done) = event {
                    if done.late { summary.tasksLate += 1 } else { summary.tasksOnTime += 1 }
                }
            }
        } catch is CommandRefused {
            summary.refusals += 1
        }
    }

    /// Fires the state's way forward (or its way to a final state when only follow-ups are left).
    private func moveOn(
        _ row: CaseSummary, engine: Engine, worker: Acting, random: inout SeededRandom, summary: inout Summary
    ) async throws {
        let (state, definition) = try await engine.load(row.id)
        guard let current = definition.state(state.state) else { return }
        let declining = ["declin", "withdr", "refus", "cancel", "lost"]
        let forward = current.transitions.filter { transition in !declining.contains { transition.event.contains($0) } }
        let toFinal = forward.first { definition.state($0.to)?.final == true && current.tasks.contains { $0.repeatRule != nil } }
        guard let transition = toFinal ?? forward.first(where: { $0.event != EventDefinition.allTasksDone }) else { return }
        do {
            if transition.event == "consent-given" {
                _ = try await execute(.giveConsent(parties: definition.parties.map(\.id)), row.id, engine, worker, definition)
            } else {
                _ = try await execute(.fire(event: transition.event), row.id, engine, worker, definition)
            }
        } catch is CommandRefused {
            summary.refusals += 1
        }
    }

    /// Runs a command; a refusal for want of consent is met by recording the client's
    /// consent to every party and trying once more, as a worker would.
    private func execute(
        _ command: CaseCommand, _ id: StreamID, _ engine: Engine, _ worker: Acting, _ definition: ProcessDefinition
    ) async throws -> CaseOutcome {
        do {
            return try await engine.execute(command, on: id, by: worker)
        } catch let refusal as CommandRefused where refusal.code == .noConsent || refusal.code == .notAllowedInState {
            let (state, _) = try await engine.load(id)
            guard state.consent == nil else { throw refusal }
            try await engine.execute(.giveConsent(parties: definition.parties.map(\.id)), on: id, by: worker)
            return try await engine.execute(command, on: id, by: worker)
        }
    }

    // MARK: - Sample values

    private func sampleFields(
        for definition: ProcessDefinition, openedOn: LocalDate, random: inout SeededRandom
    ) -> [String: ExpressionValue] {
        var fields: [String: ExpressionValue] = [:]
        for field in definition.fields where field.required {
            if field.type == .date {
                let id = field.id.lowercased()
                if id.contains("birth") {
                    // Close to 18: between 17 years and 17 years 11 months old.
                    fields[field.id] = .date(openedOn.adding(years: -17).adding(days: -Int(random.next(upTo: 330))))
                } else if id.contains("contact") || id.contains("referral") || id.contains("start") {
                    fields[field.id] = .date(openedOn)
                } else {
                    // A release or other coming date: from five weeks to eight months ahead.
                    fields[field.id] = .date(openedOn.adding(days: 35 + Int(random.next(upTo: 210))))
                }
            } else {
                fields[field.id] = sampleValue(field, random: &random, outcome: false, today: openedOn)
            }
        }
        return fields
    }

    private func sampleValue(
        _ field: FieldDefinition, random: inout SeededRandom, outcome: Bool, today: LocalDate
    ) -> ExpressionValue {
        switch field.type {
        case .date: return .date(today)
        case .number: return .number(Double(random.next(upTo: 10)))
        case .bool: return .bool(random.next(upTo: 10) < (outcome ? 7 : 5))
        case .choice: return .text(field.values.isEmpty ? "other" : field.values[Int(random.next(upTo: UInt64(field.values.count)))])
        case .parties: return .text("")
        case .text: return .text("demo")
        }
    }
}

/// The simulated clock the engine and the daemon share.
final class DemoClock: Sendable {
    private let milliseconds = Mutex<Int64>(0)

    func set(_ date: Date) {
        milliseconds.withLock { $0 = Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    }

    var provider: @Sendable () -> Int64 { { self.milliseconds.withLock { $0 } } }
}

/// Counts deliveries and passes each on.
final class CountingSink: ReminderSink {
    private let counts = Mutex<(all: Int, late: Int, escalations: Int)>((0, 0, 0))
    let onReminder: @Sendable (Delivery) -> Void

    init(onReminder: @escaping @Sendable (Delivery) -> Void) {
        self.onReminder = onReminder
    }

    var name: String { "demo" }
    var count: Int { counts.withLock { $0.all } }
    var late: Int { counts.withLock { $0.late } }
    var escalations: Int { counts.withLock { $0.escalations } }

    func deliver(_ delivery: Delivery) async throws {
        counts.withLock {
            $0.all += 1
            if delivery.late { $0.late += 1 }
            if delivery.reminder.kind == .escalation { $0.escalations += 1 }
        }
        onReminder(delivery)
    }
}

/// A small deterministic generator (SplitMix64), so that a seed gives the same year.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upTo bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : next() % bound
    }
}
