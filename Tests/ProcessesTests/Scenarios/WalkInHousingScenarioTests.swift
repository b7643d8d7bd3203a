import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// Walk-in housing support and counselling (walk-in-housing), walked through the
/// engine with real dates.
@Suite("Scenario: walk-in housing")
struct WalkInHousingScenarioTests {
    let counsellor = Acting("worker:kaisa", organisation: "housing-counselling", role: "counsellor")

    @Test("a web form on Good Friday 2026: first meeting after Easter, Kela applications, debt counselling, eviction avoided")
    func contactOnGoodFriday() async throws {
        let scenario = try ScenarioCase(process: "walk-in-housing", caseID: "walk-in-2026-044", on: "2026-04-03")

        // A resident threatened with eviction fills in the web form on Good Friday, 3 April 2026.
        let opened = try await scenario.open(
            on: "2026-04-03", fields: ["contactDate": day("2026-04-03"), "contactChannel": .text("web-form")], worker: "worker:kaisa",
            by: counsellor)
        #expect(opened.state.state == "contact")
        // 2 working days: Easter Saturday, Easter Sunday and Easter Monday do not count.
        #expect(try await scenario.tasks() == ["first-meeting": "from 2026-04-03 due 2026-04-08"])
        try await scenario.refused(
            "2026-04-03", .complete(task: "make-plan"), by: counsellor, code: .unknownTask,
            mentions: ["'make-plan'", "state 'contact'", "open tasks: first-meeting"])
        try await scenario.refused(
            "2026-04-07", .complete(task: "first-meeting", outcomes: ["meetingPlace": .text("cafe")]), by: counsellor,
            code: .invalidValue, mentions: ["'meetingPlace'", "office, home-visit, partner-premises, phone, online"])

        // The first meeting, a home visit on Tuesday 7 April: the first working day after Easter.
        try await scenario.run(
            "2026-04-07",
            .complete(
                task: "first-meeting",
                outcomes: ["firstMeetingDate": day("2026-04-07"), "meetingPlace": .text("home-visit"), "evictionThreat": .bool(true)]),
            by: counsellor)
        let support = try await scenario.run("2026-04-07", .fire(event: "first-meeting-held"), by: counsellor)
        #expect(support.state.state == "support")
        #expect(
            try await scenario.tasks() == [
                "map-acute-need": "due 2026-04-07",
                "make-plan": "due 2026-04-08",
                "ask-consent": "due 2026-04-08",
                "digital-access": "due 2026-04-14",
                "apply-social-assistance": "due 2026-04-14",
                "apply-housing-allowance": "due 2026-04-14",
                "wellbeing-questionnaire": "due 2026-04-21",
                "budget-guidance": "due 2026-04-21",
                "refer-debt-counselling": "due 2026-04-21",
                // Moving tasks get due dates only when a moving day is recorded.
                "apply-rent-deposit": "no due date",
                "electricity-contract": "no due date",
                "moving-notice": "no due date",
                "keep-in-contact": "due 2026-05-07",
            ])

        // Acute needs first, then the plan and the Kela applications.
        try await scenario.run("2026-04-07", .complete(task: "map-acute-need"), by: counsellor)
        try await scenario.run("2026-04-08", .complete(task: "make-plan"), by: counsellor)
        // Asked which parties may be contacted: the client wants to think it over.
        try await scenario.run("2026-04-08", .complete(task: "ask-consent"), by: counsellor)
        // No online bank credentials: the Kela applications are made on the office's client computer.
        try await scenario.run(
            "2026-04-10",
            .complete(task: "digital-access", outcomes: ["bankCredentials": .bool(false), "usedClientComputer": .bool(true)]),
            by: counsellor)
        try await scenario.run(
            "2026-04-10", .complete(task: "apply-social-assistance", outcomes: ["socialAssistance": .text("applied")]), by: counsellor)
        try await scenario.run(
            "2026-04-10", .complete(task: "apply-housing-allowance", outcomes: ["housingAllowance": .text("applied")]), by: counsellor)

        // The referral to debt counselling needs the client's consent naming it.
        try await scenario.refused(
            "2026-04-14", .complete(task: "refer-debt-counselling", outcomes: ["debtCounselling": .text("referred")]), by: counsellor,
            code: .noConsent, mentions: ["'refer-debt-counselling'", "'debt-counselling'", "record consent first"])
        try await scenario.refused(
            "2026-04-14", .disclose(party: "debt-counselling", purpose: "referral"), by: counsellor, code: .noConsent,
            mentions: ["no consent in force", "'debt-counselling'"])
        let consent = try await scenario.run("2026-04-14", .giveConsent(parties: ["kela", "debt-counselling", "landlord"]), by: counsellor)
        #expect(consent.state.state == "support")  // this process has no step that waits for consent
        #expect(consent.events.map(\.typeName) == ["ConsentGiven"])
        try await scenario.run("2026-04-15", .disclose(party: "debt-counselling", purpose: "referral"), by: counsellor)
        try await scenario.run(
            "2026-04-15", .complete(task: "refer-debt-counselling", outcomes: ["debtCounselling": .text("referred")]), by: counsellor)

        try await scenario.run(
            "2026-04-20", .complete(task: "wellbeing-questionnaire", outcomes: ["questionnaireDone": .bool(true)]), by: counsellor)
        try await scenario.run("2026-04-20", .complete(task: "budget-guidance"), by: counsellor)
        // The rent arrears are settled and the client keeps the home: no move.
        try await scenario.run(
            "2026-04-20", .complete(task: "apply-rent-deposit", outcomes: ["rentDeposit": .text("not-needed")]), by: counsellor)

        // Keeping in contact monthly: 7 June 2026 is a Sunday.
        let contact = try await scenario.run("2026-05-06", .complete(task: "keep-in-contact"), by: counsellor)
        #expect(contact.state.openTask("keep-in-contact")?.occurrence == 2)
        #expect(try await scenario.tasks()["keep-in-contact"] == "due 2026-06-08")
        try await scenario.run("2026-06-08", .complete(task: "keep-in-contact"), by: counsellor)
        // Counted from the first's 7 May, not from the moved 8 June.
        #expect(try await scenario.tasks()["keep-in-contact"] == "due 2026-07-07")

        // The client's own need for support is gone on Friday 26 June 2026.
        let ended = try await scenario.run("2026-06-26", .fire(event: "support-ended"), by: counsellor)
        #expect(ended.state.state == "closing")
        #expect(ended.cancelled == ["electricity-contract", "moving-notice", "keep-in-contact"])
        #expect(try await scenario.tasks() == ["record-outcome": "due 2026-07-03"])
        try await scenario.refused(
            "2026-06-29", .fire(event: "first-meeting-held"), by: counsellor, code: .notAllowedInState,
            mentions: ["state 'closing'", "all-tasks-done"])

        // Recording the outcome is the last task: the case closes by itself.
        let recorded = try await scenario.run(
            "2026-06-30",
            .complete(task: "record-outcome", outcomes: ["evictionAvoided": .bool(true), "endReason": .text("need-gone")]),
            by: counsellor)
        #expect(recorded.state.state == "closed" && recorded.state.isClosed)
        #expect(recorded.state.eventDates["all-tasks-done"] == ScenarioCase.date("2026-06-30"))
        let row = try await scenario.summary()
        #expect(row.state == "closed" && row.closedOn == ScenarioCase.date("2026-06-30") && row.openTasks == 0)

        // The reported outcomes, and the time from contact to the first meeting.
        let fields = recorded.state.fields
        #expect(fields["evictionAvoided"] == .bool(true) && fields["endReason"] == .text("need-gone"))
        #expect(fields["evictionThreat"] == .bool(true) && fields["contactChannel"] == .text("web-form"))
        #expect(fields["firstMeetingDate"] == day("2026-04-07"))
        #expect(ScenarioCase.date("2026-04-03").days(until: ScenarioCase.date("2026-04-07")) == 4)
        #expect(recorded.state.completedTasks.filter(\.late).isEmpty)

        // The report opens the personal first-meeting date with the case key; the stored
        // event alone does not show it.
        let database = scenario.database
        let report = try await OutcomeReport.build(
            events: database.events.readAll(after: 0), definitions: { try await database.definition(hash: $0) },
            read: { try await database.caseEvent($0) })
        #expect(report.processes.first?.workingDaysFromOpening["firstMeetingDate"]?.count == 1)
        let sealed = try await OutcomeReport.build(
            events: database.events.readAll(after: 0), definitions: { try await database.definition(hash: $0) })
        #expect(sealed.processes.first?.workingDaysFromOpening["firstMeetingDate"] == nil)
        #expect(sealed.processes.first?.values["evictionAvoided"] == ["yes": 1])
    }
}
