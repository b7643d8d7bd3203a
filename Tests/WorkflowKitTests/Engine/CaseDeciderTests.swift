import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// The pure rules of a case: decide and evolve, with small inline processes and plain dates.
@Suite("Case decider")
struct CaseDeciderTests {
    static let yaml = """
        process: housing-test
        title: Housing test
        calendar: fi
        fields:
          releaseDate: { type: date, required: true, personal: true }
          note: { type: text, personal: true }
          housingForm: { type: choice, values: [independent, supported] }
          housed: { type: bool }
          named: { type: parties, personal: true }
        parties:
          prison: Prison
          landlord: Landlord
          kela: Kela
        roles:
          worker: Worker
          chair: Chair
        events:
          consent-given: Consent given
          client-declined: The client declined
          meeting-held: The meeting was held
          case-closed: The work ended
        fastTrack:
          when: openedOn > releaseDate - 2 months
          state: fast
          reason: Opened less than 2 months before release.
        states:
          mapping:
            initial: true
            tasks:
              map: { title: Map, role: worker, earliest: releaseDate - 6 months, due: releaseDate - 2 months, remind: [on due] }
              ask: { title: Ask consent, role: worker, due: releaseDate - 2 months, remind: [on due] }
              contact-kela: { title: Contact Kela, role: worker, due: releaseDate - 1 month, remind: [on due], involves: [kela] }
            on:
              consent-given: { to: invite, guard: consent.includes('prison') }
              client-declined: closed
          fast:
            tasks:
              map-fast: { title: Map at once, role: worker, due: openedOn + 5 working days, remind: [on due] }
            on:
              consent-given: { to: invite, guard: consent.given }
              client-declined: closed
          invite:
            tasks:
              invite-parties: { title: Invite, role: chair, due: event.consent-given + 10 working days, remind: [on due], involves: [prison, landlord] }
              prepare: { title: Prepare the client, role: worker, due: event.consent-given + 10 working days, remind: [on due] }
            on:
              all-tasks-done: assess
              client-declined: closed
          assess:
            tasks:
              agree: { title: Agree, role: chair, due: event.all-tasks-done + 2 working days, remind: [on due], outcomes: [housingForm] }
            on:
              meeting-held: [ { to: follow-up, guard: known(housingForm) }, { to: assess-again } ]
              client-declined: closed
          assess-again:
            on:
              meeting-held: follow-up
          follow-up:
            tasks:
              follow: { title: Follow up, role: worker, due: event.meeting-held + 1 month, remind: [on due], outcomes: [housed], repeat: { every: 1 month, until: housed == true } }
            on:
              case-closed: closed
          closed:
            final: true
        """

    static func definition(_ text: String = yaml) throws -> ProcessDefinition {
        try CaseScenario.definition(yaml: text)
    }

    static func date(_ text: String) -> LocalDate { LocalDate(text)! }

    /// A case opened on 2026-06-01, releaseDate 2026-12-23, responsible worker anna.
    static func opened() throws -> CaseScenario {
        var scenario = try CaseScenario(try definition(), today: date("2026-06-01"))
        try scenario.run(.open(fields: ["releaseDate": .date(date("2026-12-23"))], responsibleWorker: "anna"))
        return scenario
    }

    /// A case moved on to `invite` with consent naming prison and landlord.
    static func inInvite(today: String = "2026-06-10") throws -> CaseScenario {
        var scenario = try opened()
        scenario.today = date(today)
        try scenario.run(.giveConsent(parties: ["prison", "landlord"]))
        return scenario
    }

    static func refusal(_ body: () throws -> Void) -> CommandRefused? {
        do {
            try body()
            return nil
        } catch let refused as CommandRefused {
            return refused
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    // MARK: Opening

    @Test("opening starts in the initial state with its tasks and their windows")
    func opening() throws {
        let scenario = try Self.opened()
        guard case .opened(let opened) = scenario.history[0] else {
            Issue.record("the first event is \(scenario.history[0])")
            return
        }
        #expect(opened.process == "housing-test")
        #expect(opened.definition == scenario.definition.contentHash)
        #expect(opened.fastTrack == nil)
        #expect(opened.responsibleWorker == "anna")
        #expect(scenario.state.state == "mapping")
        #expect(scenario.state.openTasks.map(\.task) == ["map", "ask", "contact-kela"])
        let map = try #require(scenario.state.openTask("map"))
        #expect(map.earliest == Self.date("2026-06-23"))
        #expect(map.due == Self.date("2026-10-23"))
        #expect(map.occurrence == 1 && map.role == "worker" && !map.suspended)
        #expect(scenario.state.version == Int64(scenario.history.count))
        #expect(CaseState.fold("case-1", scenario.history) == scenario.state)
    }

    @Test("opening without a required field is refused, naming the field")
    func openingMissingField() throws {
        var scenario = try CaseScenario(try Self.definition(), today: Self.date("2026-06-01"))
        let refused = try #require(Self.refusal { try scenario.run(.open(fields: [:], responsibleWorker: nil)) })
        #expect(refused.code == .invalidValue)
        #expect(refused.message.contains("'releaseDate'"))
        #expect(scenario.history.isEmpty && !scenario.state.exists)
    }

    @Test(
        "a value of the wrong type is refused without repeating the value",
        arguments: [
            ("releaseDate", ExpressionValue.text("Matti Meikäläinen 010170-123A")),
            ("housingForm", .text("Matti-secret-choice")),
            ("named", .text("prison, Matti Meikäläinen")),
            ("housed", .text("Matti yes")),
            ("note", .number(1_234_567)),
        ])
    func openingWrongType(field: String, value: ExpressionValue) throws {
        var scenario = try CaseScenario(try Self.definition(), today: Self.date("2026-06-01"))
        var fields: [String: ExpressionValue] = ["releaseDate": .date(Self.date("2026-12-23"))]
        fields[field] = value
        let refused = try #require(Self.refusal { try scenario.run(.open(fields: fields, responsibleWorker: nil)) })
        #expect(refused.code == .invalidValue)
        #expect(refused.message.contains("'\(field)'"))
        #expect(!refused.message.contains("Matti"))
        #expect(!refused.message.contains("1234567"))
        #expect(!refused.message.contains("010170"))
        #expect(scenario.history.isEmpty)
    }

    @Test("an unknown field is refused; opening twice is refused")
    func openingUnknownFieldAndTwice() throws {
        var fresh = try CaseScenario(try Self.definition(), today: Self.date("2026-06-01"))
        let unknown = try #require(
            Self.refusal {
                try fresh.run(.open(fields: ["releaseDate": .date(Self.date("2026-12-23")), "shoeSize": .number(42)], responsibleWorker: nil))
            })
        #expect(unknown.code == .invalidValue && unknown.message.contains("'shoeSize'"))
        var scenario = try Self.opened()
        let twice = try #require(
            Self.refusal { try scenario.run(.open(fields: ["releaseDate": .date(Self.date("2026-12-23"))], responsibleWorker: nil)) })
        #expect(twice.code == .alreadyOpen)
    }

    @Test("a command on a case that was never opened is refused")
    func unknownCase() throws {
        var scenario = try CaseScenario(try Self.definition(), today: Self.date("2026-06-01"))
        let refused = try #require(Self.refusal { try scenario.run(.fire(event: "client-declined")) })
        #expect(refused.code == .unknownCase)
    }

    @Test("a case opened too late starts on the fast track and says so")
    func fastTrack() throws {
        var scenario = try CaseScenario(try Self.definition(), today: Self.date("2026-11-02"))
        try scenario.run(.open(fields: ["releaseDate": .date(Self.date("2026-12-23"))], responsibleWorker: nil))
        guard case .opened(let opened) = scenario.history[0] else {
            Issue.record("the first event is \(scenario.history[0])")
            return
        }
        #expect(opened.fastTrack == "Opened less than 2 months before release.")
        #expect(scenario.state.fastTrack == opened.fastTrack)
        #expect(scenario.state.state == "fast")
        #expect(scenario.state.openTasks.map(\.task) == ["map-fast"])
        #expect(scenario.state.openTask("map-fast")?.due == Self.date("2026-11-09"))
        // On the normal timeline's last day the case is not on the fast track.
        var inTime = try CaseScenario(try Self.definition(), today: Self.date("2026-10-23"))
        try inTime.run(.open(fields: ["releaseDate": .date(Self.date("2026-12-23"))], responsibleWorker: nil))
        #expect(inTime.state.state == "mapping" && inTime.state.fastTrack == nil)
    }

    // MARK: Transitions

    @Test("an event moves the case on only when the guard holds")
    func guards() throws {
        var scenario = try Self.opened()
        // Consent without the prison: the consent is recorded, the case stays.
        let events = try scenario.run(.giveConsent(parties: ["landlord"]))
        #expect(events.map(\.typeName) == ["ConsentGiven", "TaskSuspended", "EventOccurred"])
        #expect(scenario.state.state == "mapping")
        #expect(scenario.state.consent == ["landlord"])
        // Firing the event by hand when no guard holds is refused and says why.
        let refused = try #require(Self.refusal { try scenario.run(.fire(event: "consent-given")) })
        #expect(refused.code == .notAllowedInState)
        #expect(refused.message.contains("consent.includes('prison')"))
        // Consent naming the prison moves it on, cancelling the state's tasks.
        scenario.today = Self.date("2026-06-10")
        let moved = try scenario.run(.giveConsent(parties: ["prison", "landlord"]))
        #expect(scenario.state.state == "invite")
        #expect(moved.filter { $0.typeName == "TaskCancelled" }.count == 3)
        #expect(scenario.state.openTasks.map(\.task) == ["invite-parties", "prepare"])
        // 2026-06-10 + 10 working days skips Midsummer Eve (2026-06-19).
        #expect(scenario.state.openTask("prepare")?.due == Self.date("2026-06-25"))
        let entered = moved.compactMap { event -> StateEntered? in
            if case .stateEntered(let entered) = event { return entered }
            return nil
        }
        #expect(entered.map { "\($0.state) \($0.from ?? "-") \($0.event ?? "-") \($0.on)" } == ["invite mapping consent-given 2026-06-10"])
    }

    @Test("a list of transitions is tried in order")
    func transitionList() throws {
        var scenario = try Self.assessing()
        try scenario.run(.fire(event: "meeting-held"))
        #expect(scenario.state.state == "assess-again")
        var recorded = try Self.assessing()
        try recorded.run(.complete(task: "agree", outcomes: ["housingForm": .text("supported")]))
        try recorded.run(.fire(event: "meeting-held"))
        #expect(recorded.state.state == "follow-up")
    }

    @Test("an event the state does not allow is refused, naming the state and what is allowed")
    func notAllowed() throws {
        var scenario = try Self.opened()
        let before = scenario.history
        let refused = try #require(Self.refusal { try scenario.run(.fire(event: "meeting-held")) })
        #expect(refused.code == .notAllowedInState)
        #expect(refused.message.contains("'meeting-held'"))
        #expect(refused.message.contains("'mapping'"))
        #expect(refused.message.contains("consent-given, client-declined"))
        #expect(scenario.history == before)
        let unknown = try #require(Self.refusal { try scenario.run(.fire(event: "party-time")) })
        #expect(unknown.code == .notAllowedInState && unknown.message.contains("'party-time'"))
        #expect(scenario.history == before)
    }

    // MARK: Tasks

    /// In `assess` after the invitation tasks were done on 2026-06-15.
    static func assessing() throws -> CaseScenario {
        var scenario = try inInvite()
        scenario.today = date("2026-06-15")
        try scenario.run(.complete(task: "invite-parties"))
        try scenario.run(.complete(task: "prepare"))
        return scenario
    }

    @Test("completing the last task of a state fires all-tasks-done, and rules can count from it")
    func allTasksDone() throws {
        var scenario = try Self.inInvite()
        scenario.today = Self.date("2026-06-15")
        let first = try scenario.run(.complete(task: "invite-parties"))
        #expect(first.map(\.typeName) == ["TaskCompleted"])
        #expect(scenario.state.state == "invite")
        let last = try scenario.run(.complete(task: "prepare"))
        #expect(last.map(\.typeName) == ["TaskCompleted", "EventOccurred", "StateEntered", "TaskOpened"])
        #expect(scenario.state.state == "assess")
        #expect(scenario.state.eventDates["all-tasks-done"] == Self.date("2026-06-15"))
        #expect(scenario.state.openTask("agree")?.due == Self.date("2026-06-17"))
    }

    @Test("completion records outcomes; an unknown outcome or task is refused")
    func outcomes() throws {
        var scenario = try Self.assessing()
        let unknown = try #require(
            Self.refusal { try scenario.run(.complete(task: "agree", outcomes: ["note": .text("Matti's secret")])) })
        #expect(unknown.code == .invalidValue)
        #expect(unknown.message.contains("'note'") && unknown.message.contains("'housingForm'"))
        #expect(!unknown.message.contains("Matti"))
        let badValue = try #require(
            Self.refusal { try scenario.run(.complete(task: "agree", outcomes: ["housingForm": .text("Matti's castle")])) })
        #expect(badValue.code == .invalidValue && !badValue.message.contains("Matti"))
        let notOpen = try #require(Self.refusal { try scenario.run(.complete(task: "map")) })
        #expect(notOpen.code == .unknownTask && notOpen.message.contains("'assess'") && notOpen.message.contains("agree"))
        try scenario.run(.complete(task: "agree", outcomes: ["housingForm": .text("supported")]))
        #expect(scenario.state.fields["housingForm"] == .text("supported"))
        #expect(scenario.state.completedTasks.map(\.task) == ["invite-parties", "prepare", "agree"])
    }

    @Test("a task done after its due date is flagged late")
    func late() throws {
        var scenario = try Self.opened()
        scenario.today = Self.date("2026-10-23")
        try scenario.run(.complete(task: "ask"))
        scenario.today = Self.date("2026-10-24")
        let events = try scenario.run(.complete(task: "map"))
        guard case .taskCompleted(let completed) = events.first else {
            Issue.record("expected TaskCompleted, got \(events)")
            return
        }
        #expect(completed.late)
        #expect(scenario.state.completedTasks.map(\.late) == [false, true])
    }

    @Test("a repeating follow-up reopens monthly, counted from the first occurrence's date, until its rule says stop")
    func repeating() throws {
        var scenario = try Self.assessing()
        try scenario.run(.complete(task: "agree", outcomes: ["housingForm": .text("independent")]))
        scenario.today = Self.date("2026-06-18")
        try scenario.run(.fire(event: "meeting-held"))
        #expect(scenario.state.state == "follow-up")
        #expect(scenario.state.openTask("follow")?.due == Self.date("2026-07-20"))  // 2026-07-18 is a Saturday
        scenario.today = Self.date("2026-07-20")
        let second = try scenario.run(.complete(task: "follow", outcomes: ["housed": .bool(false)]))
        #expect(second.map(\.typeName) == ["TaskCompleted", "TaskOpened"])
        let reopened = try #require(scenario.state.openTask("follow"))
        // Counted from 2026-07-18 (the rule's date, before the move off Saturday): the 18th of each month.
        #expect(reopened.occurrence == 2 && reopened.due == Self.date("2026-08-18"))
        scenario.today = Self.date("2026-08-21")
        try scenario.run(.complete(task: "follow"))
        #expect(scenario.state.openTask("follow")?.occurrence == 3)
        #expect(scenario.state.openTask("follow")?.due == Self.date("2026-09-18"))
        #expect(scenario.state.completedTasks.last?.late == true)
        try scenario.run(.complete(task: "follow", outcomes: ["housed": .bool(true)]))
        #expect(scenario.state.openTasks.isEmpty)
        #expect(scenario.state.state == "follow-up")
        try scenario.run(.fire(event: "case-closed"))
        #expect(scenario.state.isClosed && scenario.state.state == "closed")
    }

    @Test("a repetition until the case closes ends when the case closes")
    func repeatingUntilClosed() throws {
        let yaml = """
            process: follow-only
            title: Follow only
            roles: { worker: Worker }
            events: { case-closed: Closed }
            states:
              follow-up:
                initial: true
                tasks:
                  follow: { title: Follow up, role: worker, due: openedOn + 1 month, remind: [on due], repeat: { every: 1 month, until: case closes } }
                on: { case-closed: closed }
              closed: { final: true }
            """
        var scenario = try CaseScenario(try Self.definition(yaml), today: Self.date("2026-01-31"))
        try scenario.run(.open(fields: [:], responsibleWorker: nil))
        #expect(scenario.state.openTask("follow")?.due == Self.date("2026-03-02"))  // 28 Feb is a Saturday
        for _ in 0..<5 { try scenario.run(.complete(task: "follow")) }
        #expect(scenario.state.openTask("follow")?.occurrence == 6)
        let closing = try scenario.run(.fire(event: "case-closed"))
        #expect(closing.map(\.typeName) == ["EventOccurred", "TaskCancelled", "StateEntered", "CaseClosed"])
        #expect(scenario.state.openTasks.isEmpty && scenario.state.isClosed)
    }

    // MARK: Consent

    @Test("a task that involves parties the consent does not name cannot be completed")
    func consentGatesCompletion() throws {
        var scenario = try Self.opened()
        let none = try #require(Self.refusal { try scenario.run(.complete(task: "contact-kela")) })
        #expect(none.code == .noConsent && none.message.contains("'kela'"))
        try scenario.run(.giveConsent(parties: ["landlord"]))
        // The task did not need consent to open; now that consent is in force without kela it is on hold.
        #expect(scenario.state.openTask("contact-kela")?.suspended == true)
        let suspended = try #require(Self.refusal { try scenario.run(.complete(task: "contact-kela")) })
        #expect(suspended.code == .noConsent)
        let events = try scenario.run(.giveConsent(parties: ["landlord", "kela"]))
        #expect(events.map(\.typeName) == ["ConsentGiven", "TaskResumed", "EventOccurred"])
        try scenario.run(.complete(task: "contact-kela"))
        #expect(scenario.state.openTask("contact-kela") == nil)
    }

    @Test("a task opened under consent that does not name its parties starts suspended")
    func suspendedOnOpening() throws {
        var scenario = try Self.opened()
        try scenario.run(.giveConsent(parties: ["prison"]))
        #expect(scenario.state.state == "invite")
        #expect(scenario.state.openTask("invite-parties")?.suspended == true)
        #expect(scenario.state.openTask("prepare")?.suspended == false)
        let refused = try #require(Self.refusal { try scenario.run(.complete(task: "invite-parties")) })
        #expect(refused.code == .noConsent)
        try scenario.run(.giveConsent(parties: ["prison", "landlord"]))
        #expect(scenario.state.openTask("invite-parties")?.suspended == false)
        try scenario.run(.complete(task: "invite-parties"))
    }

    @Test("nothing is disclosed to a party the consent does not name")
    func disclosure() throws {
        var scenario = try Self.opened()
        let none = try #require(Self.refusal { try scenario.run(.disclose(party: "prison", purpose: "invitation")) })
        #expect(none.code == .noConsent)
        try scenario.run(.giveConsent(parties: ["prison", "landlord"]))
        let kela = try #require(Self.refusal { try scenario.run(.disclose(party: "kela", purpose: "advance information")) })
        #expect(kela.code == .noConsent && kela.message.contains("'kela'"))
        let unknown = try #require(Self.refusal { try scenario.run(.disclose(party: "newspaper", purpose: "story")) })
        #expect(unknown.code == .invalidValue)
        let events = try scenario.run(.disclose(party: "prison", purpose: "invitation"))
        guard case .informationDisclosed(let disclosed) = try #require(events.first), events.count == 1 else {
            Issue.record("expected one InformationDisclosed, got \(events)")
            return
        }
        #expect(disclosed.party == "prison" && disclosed.purpose == "invitation" && disclosed.on == scenario.today)
        #expect(scenario.state.disclosures.count == 1)
    }

    @Test("withdrawing consent suspends the tasks that involve parties; new consent resumes them")
    func withdrawal() throws {
        var scenario = try Self.inInvite()
        let withdrawn = try scenario.run(.withdrawConsent)
        #expect(withdrawn.map(\.typeName) == ["ConsentWithdrawn", "TaskSuspended"])
        #expect(scenario.state.consent == nil)
        #expect(scenario.state.openTask("invite-parties")?.suspended == true)
        #expect(scenario.state.openTask("prepare")?.suspended == false)
        let refused = try #require(Self.refusal { try scenario.run(.complete(task: "invite-parties")) })
        #expect(refused.code == .noConsent)
        let disclose = try #require(Self.refusal { try scenario.run(.disclose(party: "prison", purpose: "memo")) })
        #expect(disclose.code == .noConsent)
        let twice = try #require(Self.refusal { try scenario.run(.withdrawConsent) })
        #expect(twice.code == .noConsent)
        let given = try scenario.run(.giveConsent(parties: ["prison", "landlord"]))
        #expect(given.map(\.typeName) == ["ConsentGiven", "TaskResumed"])
        #expect(scenario.state.openTask("invite-parties")?.suspended == false)
        try scenario.run(.complete(task: "invite-parties"))
    }

    @Test("consent naming an unknown party, or nobody, is refused; a party named twice is recorded once")
    func consentUnknownParty() throws {
        var scenario = try Self.opened()
        let refused = try #require(Self.refusal { try scenario.run(.giveConsent(parties: ["prison", "Matti's aunt"])) })
        #expect(refused.code == .invalidValue)
        // Consent naming nobody permits nothing, and must not move the case on as if it did.
        let empty = try #require(Self.refusal { try scenario.run(.giveConsent(parties: [])) })
        #expect(empty.code == .invalidValue)
        #expect(scenario.state.consent == nil)
        let events = try scenario.run(.giveConsent(parties: ["landlord", "prison", "landlord"]))
        guard case .consentGiven(let given) = try #require(events.first) else {
            Issue.record("expected ConsentGiven, got \(events)")
            return
        }
        #expect(given.parties == ["landlord", "prison"])
    }

    // MARK: Responsibility and closing

    @Test("a handover names both workers; handing over to the same worker is refused")
    func handover() throws {
        var scenario = try Self.opened()
        let same = try #require(Self.refusal { try scenario.run(.handOver(to: "anna")) })
        #expect(same.code == .invalidValue)
        let empty = try #require(Self.refusal { try scenario.run(.handOver(to: "  ")) })
        #expect(empty.code == .invalidValue)
        let events = try scenario.run(.handOver(to: "ben"))
        guard case .responsibilityHandedOver(let handover) = try #require(events.first), events.count == 1 else {
            Issue.record("expected one ResponsibilityHandedOver, got \(events)")
            return
        }
        #expect(handover.from == "anna" && handover.to == "ben" && handover.on == scenario.today)
        #expect(scenario.state.responsibleWorker == "ben")
    }

    @Test("closing cancels the open tasks; nothing more is allowed on a closed case")
    func closing() throws {
        var scenario = try Self.opened()
        let events = try scenario.run(.close(reason: "The client moved abroad."))
        #expect(events.map(\.typeName) == ["TaskCancelled", "TaskCancelled", "TaskCancelled", "CaseClosed"])
        #expect(scenario.state.openTasks.isEmpty && scenario.state.isClosed)
        for command in [CaseCommand.complete(task: "map"), .fire(event: "client-declined"), .handOver(to: "ben"), .close(reason: "again")] {
            let refused = try #require(Self.refusal { try scenario.run(command) })
            #expect(refused.code == .closed)
        }
    }

    @Test("reaching a final state closes the case")
    func finalState() throws {
        var scenario = try Self.opened()
        let events = try scenario.run(.fire(event: "client-declined"))
        #expect(
            events.map(\.typeName) == [
                "EventOccurred", "TaskCancelled", "TaskCancelled", "TaskCancelled", "StateEntered", "CaseClosed",
            ])
        #expect(scenario.state.state == "closed" && scenario.state.isClosed)
    }

    // MARK: Moved dates

    @Test("a new release date reschedules every open task, naming the field and never its value")
    func movedDate() throws {
        var scenario = try Self.opened()
        scenario.today = Self.date("2026-07-01")
        let events = try scenario.run(.record(values: ["releaseDate": .date(Self.date("2027-01-29"))]))
        #expect(events.map(\.typeName) == ["FieldsRecorded", "TaskRescheduled", "TaskRescheduled", "TaskRescheduled"])
        let rescheduled = events.compactMap { event -> TaskRescheduled? in
            if case .taskRescheduled(let body) = event { return body }
            return nil
        }
        #expect(rescheduled.map(\.task) == ["map", "ask", "contact-kela"])
        for body in rescheduled {
            #expect(body.reason.contains("'releaseDate'"))
            #expect(!body.reason.contains("2027") && !body.reason.contains("2026"))
        }
        // 2027-01-29 - 2 months is Sunday 2026-11-29: the due date moves to Monday.
        #expect(rescheduled[0].due == Self.date("2026-11-30") && rescheduled[0].previousDue == Self.date("2026-10-23"))
        #expect(rescheduled[0].earliest == Self.date("2026-07-29"))
        #expect(scenario.state.openTask("map")?.due == Self.date("2026-11-30"))
        // Recording the same value again changes nothing and appends nothing.
        #expect(try scenario.run(.record(values: ["releaseDate": .date(Self.date("2027-01-29"))])).isEmpty)
        // A field no rule depends on is recorded without rescheduling.
        #expect(try scenario.run(.record(values: ["note": .text("called")])).map(\.typeName) == ["FieldsRecorded"])
        let required = try #require(Self.refusal { try scenario.run(.record(values: [:], cleared: ["releaseDate"])) })
        #expect(required.code == .invalidValue)
        try scenario.run(.record(values: [:], cleared: ["note"]))
        #expect(scenario.state.fields["note"] == nil)
    }

    // MARK: Migration

    @Test("a case migrates to a new version that has its state and open tasks, and is rescheduled")
    func migration() throws {
        var scenario = try Self.opened()
        let v2 = try Self.definition(Self.yaml.replacingOccurrences(of: "due: releaseDate - 2 months, remind: [on due] }\n      ask", with: "due: releaseDate - 3 months, remind: [on due] }\n      ask"))
        #expect(v2.contentHash != scenario.definition.contentHash)
        let events = try scenario.run(.migrate(to: v2))
        #expect(events.map(\.typeName) == ["CaseMigrated", "TaskRescheduled"])
        #expect(scenario.state.definition == v2.contentHash)
        #expect(scenario.state.openTask("map")?.due == Self.date("2026-09-23"))
        let again = try #require(Self.refusal { try scenario.run(.migrate(to: v2)) })
        #expect(again.code == .migrationImpossible)
    }

    @Test("a migration is refused, with the reason, when the state or an open task has no counterpart")
    func migrationRefused() throws {
        var scenario = try Self.opened()
        let renamedState = try Self.definition(
            Self.yaml.replacingOccurrences(of: "  mapping:\n", with: "  mapping-v2:\n"))
        let noState = try #require(Self.refusal { try scenario.run(.migrate(to: renamedState)) })
        #expect(noState.code == .migrationImpossible)
        #expect(noState.message.contains("'mapping'"))
        let renamedTask = try Self.definition(Self.yaml.replacingOccurrences(of: "      ask: {", with: "      ask-again: {"))
        let noTask = try #require(Self.refusal { try scenario.run(.migrate(to: renamedTask)) })
        #expect(noTask.code == .migrationImpossible)
        #expect(noTask.message.contains("'ask'"))
        let other = try Self.definition(Self.yaml.replacingOccurrences(of: "process: housing-test", with: "process: other"))
        let otherProcess = try #require(Self.refusal { try scenario.run(.migrate(to: other)) })
        #expect(otherProcess.code == .migrationImpossible)
        #expect(scenario.state.definition != renamedTask.contentHash)
        #expect(scenario.history.count == 5)
    }
}
