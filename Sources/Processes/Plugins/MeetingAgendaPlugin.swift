public import WorkflowKit

/// A plug-in that plans the clients of a multi-agency meeting.
public protocol AgendaPlugin: ProcessPlugin {
    /// The date of the next meeting on or after `date`.
    func nextMeeting(onOrAfter date: LocalDate, calendar: any BusinessCalendar) -> LocalDate
    /// The agenda of the meeting on `date`, from the open cases of `definition`.
    func agenda(for cases: [CaseState], definition: ProcessDefinition, meeting date: LocalDate) -> Agenda
}

/// One meeting's agenda.
public struct Agenda: Sendable, Hashable {
    /// One client's slot.
    public struct Client: Sendable, Hashable {
        public var caseID: StreamID
        /// The date the order is by (e.g. the release date), if the case has it.
        public var orderDate: LocalDate?
        public var responsibleWorker: String?
        /// The parties to invite: exactly those the client's consent names.
        public var invite: [String]
        /// Parties the process involves that the consent does not name: not invited, told nothing.
        public var notInvited: [String]
        /// The advance information to send to each invited party (topics; the worker fills them in).
        public var advanceInformation: [String]
        /// Whether the client attends by video (from prison), when the case records it.
        public var attendance: String?
    }

    public var process: String
    public var meeting: LocalDate
    public var clients: [Client]
    /// Ready cases that did not fit: they go to the following meeting, in order.
    public var leftForNextMeeting: [StreamID]
    /// Said when the meeting has fewer clients than the minimum.
    public var note: String?
    /// Cases waiting for the meeting whose release date is before it: the client is
    /// already out, so the group's planning "before release" comes too late. They are
    /// not on the agenda; their workers follow them up outside the meeting.
    public var alreadyReleased: [StreamID] = []
}

/// The ASO/VAT client steering group's meeting agenda (DOMAIN.md, steps 3–4): the
/// meeting is monthly; 2–4 clients per meeting, those released soonest first; only
/// cases that are ready — consent given and waiting for the meeting, the client not
/// released before the meeting (those are named in ``Agenda/alreadyReleased``) — are listed; each
/// client's parties are invited, and advance information sent, only as the client's
/// consent allows.
public struct MeetingAgendaPlugin: AgendaPlugin {
    public var id: String { "meeting-agenda" }
    /// The event that ends a case's wait for the meeting.
    public var meetingEvent = "meeting-held"
    /// The field clients are ordered by.
    public var orderField = "releaseDate"
    /// The field that says how the client attends, if the process has one.
    public var attendanceField = "attendance"
    public var minimumClients = 2
    public var maximumClients = 4
    /// The meeting day: the first of these weekdays in a month (Tuesday by default),
    /// moved to the next working day when it is a day off.
    public var meetingWeekday: Weekday = .tuesday
    /// The topics of the advance information (the meeting's agenda in the source documents).
    public var topics = [
        "where the client lived before", "the client's wishes", "housing skills", "rent debts and disturbances",
        "credit record", "substance use", "other support and service needs", "pending sentences",
    ]

    public init() {}

    public func serves(_ definition: ProcessDefinition) -> Bool {
        definition.events.contains { $0.id == meetingEvent }
    }

    public func nextMeeting(onOrAfter date: LocalDate, calendar: any BusinessCalendar) -> LocalDate {
        var month = LocalDate(year: date.year, month: date.month, day: 1)!
        while true {
            var day = month
            while day.weekday != meetingWeekday { day = day.adding(days: 1) }
            let meeting = calendar.nextWorkingDay(onOrAfter: day)
            if meeting >= date { return meeting }
            month = month.adding(months: 1)
        }
    }

    public func agenda(for cases: [CaseState], definition: ProcessDefinition, meeting date: LocalDate) -> Agenda {
        let readyStates = Set(definition.states.filter { $0.transitions.contains { $0.event == meetingEvent } }.map(\.id))
        let involved = Set(definition.states.flatMap(\.tasks).flatMap(\.involves))
        let waiting = cases.filter { !$0.isClosed && readyStates.contains($0.state) && $0.consent != nil && $0.process == definition.id }
        let released = { (state: CaseState) -> Bool in state.fields[orderField]?.date.map { $0 < date } ?? false }
        let ready = waiting.filter { !released($0) }
            .sorted { first, second in
                let a = first.fields[orderField]?.date ?? first.openedOn ?? date
                let b = second.fields[orderField]?.date ?? second.openedOn ?? date
                return (a, first.id.rawValue) < (b, second.id.rawValue)
            }
        let chosen = ready.prefix(maximumClients)
        let clients = chosen.map { state -> Agenda.Client in
            let consent = state.consent ?? []
            var attendance: String?
            if case .text(let mode)? = state.fields[attendanceField] { attendance = mode }
            return Agenda.Client(
                caseID: state.id, orderDate: state.fields[orderField]?.date, responsibleWorker: state.responsibleWorker,
                invite: consent.sorted(), notInvited: involved.subtracting(consent).sorted(),
                advanceInformation: topics, attendance: attendance)
        }
        let note = clients.count < minimumClients
            ? "Only \(clients.count) ready client\(clients.count == 1 ? "" : "s"); the group meets with \(minimumClients)–\(maximumClients)."
            : nil
        return Agenda(
            process: definition.id, meeting: date, clients: clients, leftForNextMeeting: ready.dropFirst(maximumClients).map(\.id),
            note: note, alreadyReleased: waiting.filter(released).map(\.id).sorted { $0.rawValue < $1.rawValue })
    }
}
