public import WorkflowKit

/// The outcomes the source documents judge the work by, per process, for a period:
/// cases opened and closed, fast-tracked cases, tasks done on time and late,
/// escalations, and each of the process's `report:` fields (yes/no counts, the
/// choices made, and for dates the working days from opening — e.g. from contact to
/// the first meeting).
public struct OutcomeReport: Sendable {
    /// One process's figures.
    public struct ProcessOutcomes: Sendable, Hashable {
        public var process: String
        public var casesOpened = 0
        public var casesClosed = 0
        public var fastTracked = 0
        public var tasksOnTime = 0
        public var tasksLate = 0
        /// The tasks done late in the period by the month they were done in, keyed by the
        /// month's first day (the months sum to ``tasksLate``).
        public var tasksLateByMonth: [LocalDate: Int] = [:]
        public var escalations = 0
        /// Cases closed in the period, by the state they closed in (e.g. `contact-lost`).
        public var closedIn: [String: Int] = [:]
        /// Cases reopened in the period (e.g. a client who lost contact came back).
        public var casesReopened = 0
        /// For each reported yes/no or choice field: value → number of cases.
        public var values: [String: [String: Int]] = [:]
        /// For each reported date field: working days from opening, one entry per case.
        public var workingDaysFromOpening: [String: [Int]] = [:]

        public init(process: String) {
            self.process = process
        }
    }

    public var from: LocalDate?
    public var to: LocalDate?
    public var processes: [ProcessOutcomes]

    /// Builds the report by one pass over the log.
    ///
    /// - Parameters:
    ///   - definitions: Looks up the definition a case follows by its content hash.
    ///   - from, to: The period, both days included; nil for open-ended.
    ///   - read: Reads a case event from a stored one; pass `caseEvent(_:)` of the case store so
    ///     that reported personal fields (a date of first meeting) are opened with the case key.
    ///     The default reads only what is stored in plain text.
    ///   - calendars: Where each process's calendar is found (working days are counted in it).
    /// - Throws: ``UnknownCalendar`` when `calendars` lacks the calendar of a process whose
    ///   dates the report counts; what `events`, `definitions` and `read` throw.
    public static func build(
        events: some AsyncSequence<RecordedEvent, any Error>, definitions: (String) async throws -> ProcessDefinition?,
        process: String? = nil, from: LocalDate? = nil, to: LocalDate? = nil,
        read: (RecordedEvent) async throws -> CaseEvent? = { try CaseEvent($0) }, calendars: CalendarRegistry = .standard
    ) async throws -> OutcomeReport {
        func inPeriod(_ date: LocalDate) -> Bool {
            (from.map { date >= $0 } ?? true) && (to.map { date <= $0 } ?? true)
        }
        var states: [StreamID: CaseState] = [:]
        var outcomes: [String: ProcessOutcomes] = [:]
        for try await event in events {
            let state = states[event.stream] ?? CaseState(id: event.stream)
            if event.type == ReminderSent.typeName {
                if let sent = try? event.decode(ReminderSent.self), sent.kind == .escalation, inPeriod(sent.fireOn),
                    state.exists, process == nil || state.process == process
                {
                    outcomes[state.process, default: ProcessOutcomes(process: state.process)].escalations += 1
                }
                continue
            }
            guard let caseEvent = try await read(event) else { continue }
            let next = state.evolve(caseEvent)
            states[event.stream] = next
            guard process == nil || next.process == process else { continue }
            var figures = outcomes[next.process] ?? ProcessOutcomes(process: next.process)
            switch caseEvent {
            case .opened(let opened) where inPeriod(opened.openedOn):
                figures.casesOpened += 1
                if opened.fastTrack != nil { figures.fastTracked += 1 }
            case .caseClosed(let closed) where inPeriod(closed.on):
                figures.casesClosed += 1
                figures.closedIn[next.state, default: 0] += 1
            case .caseReopened(let reopened) where inPeriod(reopened.on):
                figures.casesReopened += 1
            case .taskCompleted(let done) where inPeriod(done.on):
                if done.late {
                    figures.tasksLate += 1
                    figures.tasksLateByMonth[done.on.firstOfMonth, default: 0] += 1
                } else {
                    figures.tasksOnTime += 1
                }
            default:
                break
            }
            outcomes[next.process] = figures
        }
        // The reported fields, as each case (opened in the period) has them now.
        for state in states.values where state.exists && (process == nil || state.process == process) {
            guard let openedOn = state.openedOn, inPeriod(openedOn), let definition = try await definitions(state.definition)
            else { continue }
            let calendar = try definition.calendar(in: calendars)
            var figures = outcomes[state.process] ?? ProcessOutcomes(process: state.process)
            for id in definition.report {
                guard let value = state.fields[id] else { continue }
                switch value {
                case .date(let date):
                    figures.workingDaysFromOpening[id, default: []].append(calendar.workingDays(from: openedOn, to: date))
                case .bool(let flag):
                    figures.values[id, default: [:]][flag ? "yes" : "no", default: 0] += 1
                case .text(let text):
                    figures.values[id, default: [:]][text, default: 0] += 1
                case .number, .duration:
                    figures.values[id, default: [:]][value.description, default: 0] += 1
                }
            }
            outcomes[state.process] = figures
        }
        return OutcomeReport(from: from, to: to, processes: outcomes.values.sorted { $0.process < $1.process })
    }

    /// The tasks done late in each month of the period, over the processes reported, from
    /// the period's first month on, at most `limit` months: a month's count is that of the
    /// report built for the month alone (cut to the period).
    public func tasksLateByMonth(limit: Int = 24) -> [(month: LocalDate, late: Int)] {
        guard let from, let to else { return [] }
        var months: [(month: LocalDate, late: Int)] = []
        var month = from.firstOfMonth
        while month <= to && months.count < limit {
            months.append((month, processes.reduce(0) { $0 + $1.tasksLateByMonth[month, default: 0] }))
            month = month.adding(months: 1)
        }
        return months
    }
}

extension LocalDate {
    /// The first day of this date's month.
    var firstOfMonth: LocalDate { LocalDate(year: year, month: month, day: 1)! }
}
