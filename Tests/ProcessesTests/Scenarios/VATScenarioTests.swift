import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The VAT six-step model (vat-generic) and its regional variants (vat-turku,
/// vat-vaasa), walked through the engine with real dates.
@Suite("Scenario: VAT")
struct VATScenarioTests {
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let ben = Acting("worker:ben", organisation: "prison", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")

    @Test("vat-generic: the six steps, a release date moved earlier, and a handover between workers")
    func generic() async throws {
        let scenario = try ScenarioCase(process: "vat-generic", caseID: "vat-2027-031", on: "2026-12-14")

        // Step 1: opened on Monday 14 December 2026 for a release on 30 June 2027.
        let opened = try await scenario.open(
            on: "2026-12-14", fields: ["releaseDate": day("2027-06-30"), "sentence": .text("prison")], worker: "worker:anna", by: anna)
        #expect(opened.state.state == "mapping" && opened.state.fastTrack == nil)
        #expect(
            try await scenario.tasks() == [
                "map-housing": "from 2026-12-30 due 2027-04-30",
                "ask-consent": "from 2026-12-30 due 2027-04-30",
            ])

        // The release is brought forward to 26 May 2027: the mapping window moves with it.
        // Its end, 26 March 2027, is Good Friday: due on Tuesday 30 March, after Easter Monday.
        let moved = try await scenario.run("2027-01-11", .record(values: ["releaseDate": day("2027-05-26")]), by: anna)
        #expect(Set(moved.rescheduled.keys) == ["map-housing", "ask-consent"])
        let rescheduled = try #require(moved.rescheduled["map-housing"])
        #expect(rescheduled.reason == "The field 'releaseDate' changed.")
        #expect(rescheduled.previousEarliest == ScenarioCase.date("2026-12-30") && rescheduled.previousDue == ScenarioCase.date("2027-04-30"))
        #expect(rescheduled.earliest == ScenarioCase.date("2026-11-26") && rescheduled.due == ScenarioCase.date("2027-03-30"))
        #expect(rescheduled.on == ScenarioCase.date("2027-01-11"))
        #expect(
            try await scenario.tasks() == [
                "map-housing": "from 2026-11-26 due 2027-03-30",
                "ask-consent": "from 2026-11-26 due 2027-03-30",
            ])
        #expect(try await scenario.summary().nextDue == ScenarioCase.date("2027-03-30"))
        // Recording the same date again changes nothing and appends nothing.
        let position = try await scenario.database.events.lastPosition()
        let same = try await scenario.run("2027-01-12", .record(values: ["releaseDate": day("2027-05-26")]), by: anna)
        #expect(same.events.isEmpty)
        #expect(try await scenario.database.events.lastPosition() == position)

        try await scenario.run("2027-01-20", .complete(task: "map-housing"), by: anna)
        try await scenario.run("2027-02-10", .complete(task: "ask-consent"), by: anna)

        // Step 2: written consent on Wednesday 10 February 2027.
        let consent = try await scenario.run(
            "2027-02-10", .giveConsent(parties: ["prison", "adult-social-work", "landlord", "kela"]), by: anna)
        #expect(consent.state.state == "notify")
        // One invitation per party: those the consent names are open, the others suspended.
        #expect(
            try await scenario.tasks() == [
                "notify-chair": "due 2027-02-12",
                "contact-wellbeing-county": "due 2027-02-17",
                "collect-advance-information": "due 2027-02-17",
                "invite-prison": "due 2027-02-24",
                "invite-adult-social-work": "due 2027-02-24",
                "invite-landlord": "due 2027-02-24",
                "invite-kela": "due 2027-02-24",
                "invite-substance-and-mental-health": "due 2027-02-24, suspended",
                "invite-supported-housing": "due 2027-02-24, suspended",
                "invite-parish": "due 2027-02-24, suspended",
                "invite-debt-counselling": "due 2027-02-24, suspended",
                "prepare-client": "due 2027-02-24",
            ])
        try await scenario.refused(
            "2027-02-10", .fire(event: "memo-sent"), by: chair, code: .notAllowedInState,
            mentions: ["'memo-sent'", "state 'notify'", "meeting-held, client-declined"])

        // Step 3: the group leader is notified; then the responsible worker changes.
        try await scenario.run("2027-02-11", .complete(task: "notify-chair"), by: anna)
        let before = try await scenario.tasks()
        let handover = try await scenario.run("2027-02-15", .handOver(to: "worker:ben"), by: anna)
        guard case .responsibilityHandedOver(let handedOver) = try #require(handover.events.first) else {
            Issue.record("expected ResponsibilityHandedOver, got \(handover.events)")
            return
        }
        #expect(handover.events.count == 1)
        #expect(handedOver.from == "worker:anna" && handedOver.to == "worker:ben" && handedOver.on == ScenarioCase.date("2027-02-15"))
        #expect(try await scenario.summary().responsibleWorker == "worker:ben")
        #expect(try await scenario.tasks() == before)  // the work goes on as it was
        try await scenario.refused(
            "2027-02-15", .handOver(to: "worker:ben"), by: ben, code: .invalidValue, mentions: ["'worker:ben' is already responsible"])
        try await scenario.refused(
            "2027-02-15", .handOver(to: "  "), by: ben, code: .invalidValue, mentions: ["must name the worker"])
        // At no point of the history is the case without a responsible worker.
        var state = CaseState(id: scenario.id)
        for event in try await scenario.history() {
            state = state.evolve(event)
            #expect(state.responsibleWorker != nil, "no responsible worker after \(event.typeName)")
        }
        #expect(state.responsibleWorker == "worker:ben")

        try await scenario.run("2027-02-22", .disclose(party: "adult-social-work", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2027-02-22", .disclose(party: "landlord", purpose: "invitation and advance information"), by: chair)
        for invitation in ["invite-prison", "invite-adult-social-work", "invite-landlord", "invite-kela"] {
            try await scenario.run("2027-02-22", .complete(task: invitation), by: chair)
        }
        try await scenario.run("2027-02-24", .complete(task: "prepare-client"), by: ben)

        // Steps 4-5: the meeting on Wednesday 3 March 2027 and the joint assessment.
        let meeting = try await scenario.run("2027-03-03", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "meeting-done")
        #expect(
            try await scenario.tasks() == [
                "record-meeting": "due 2027-03-04", "agree-actions": "due 2027-03-05", "write-memo": "due 2027-03-10",
            ])
        try await scenario.run(
            "2027-03-04", .complete(task: "agree-actions", outcomes: ["housingForm": .text("independent"), "supportLinked": .bool(true)]),
            by: chair)

        // Step 6: the memo; work continues, followed up monthly.
        try await scenario.run("2027-03-09", .complete(task: "write-memo"), by: chair)
        let memo = try await scenario.run("2027-03-09", .fire(event: "memo-sent"), by: chair)
        #expect(memo.state.state == "follow-up")
        // Before release (26 May 2027): the service-need assessment 10 working days
        // before (Ascension Day, 6 May, is not counted), the ID card a month before,
        // strong e-identification 5 working days before.
        #expect(
            try await scenario.tasks() == [
                "follow-up-housing": "due 2027-04-09", "service-need-assessment": "due 2027-05-12",
                "id-card": "due 2027-04-26", "strong-identification": "due 2027-05-19",
            ])
        try await scenario.run("2027-04-08", .complete(task: "follow-up-housing"), by: ben)
        // 9 May 2027 is a Sunday.
        #expect(try await scenario.tasks()["follow-up-housing"] == "due 2027-05-10")
        try await scenario.run(
            "2027-05-07", .complete(task: "follow-up-housing", outcomes: ["housedBeforeRelease": .bool(true)]), by: ben)
        // Counted from the first's 9 April, not from the moved 10 May.
        #expect(try await scenario.tasks()["follow-up-housing"] == "due 2027-06-09")

        let closed = try await scenario.run("2027-06-15", .fire(event: "case-closed"), by: ben)
        #expect(closed.state.isClosed && closed.state.state == "closed")
        let row = try await scenario.summary()
        #expect(row.closedOn == ScenarioCase.date("2027-06-15") && row.responsibleWorker == "worker:ben" && row.openTasks == 0)
        #expect(closed.state.fields["housedBeforeRelease"] == .bool(true))
        #expect(closed.state.fields["housingForm"] == .text("independent"))
        #expect(closed.state.fields["releaseDate"] == day("2027-05-26"))
        // Who acted is in the metadata: the handover was made by Anna, the later follow-ups by Ben.
        let stored = try await scenario.database.events.read(stream: scenario.id).collect()
        #expect(stored.first { $0.type == "ResponsibilityHandedOver" }?.metadata.actor == "worker:anna")
        #expect(stored.last?.metadata.actor == "worker:ben")
    }

    @Test("vat-turku: mapping 3 months before release, and the office's closure between Christmas and New Year")
    func turku() async throws {
        let scenario = try ScenarioCase(process: "vat-turku", caseID: "turku-2027-004", on: "2026-10-01")

        // Opened on Thursday 1 October 2026 for a release on 16 April 2027. Mapping is
        // due 3 months before release in Turku: 16 January 2027 is a Saturday.
        let opened = try await scenario.open(
            on: "2026-10-01", fields: ["releaseDate": day("2027-04-16")], worker: "worker:anna", by: anna)
        #expect(opened.state.state == "mapping" && opened.state.fastTrack == nil)
        #expect(
            try await scenario.tasks() == [
                "map-housing": "from 2026-10-16 due 2027-01-18",
                "ask-consent": "from 2026-10-16 due 2027-01-18",
            ])

        // The release moves to Wednesday 31 March 2027: mapping would be due on
        // 31 December 2026, when the office is closed, and New Year's Day follows.
        let moved = try await scenario.run("2026-11-16", .record(values: ["releaseDate": day("2027-03-31")]), by: anna)
        #expect(moved.rescheduled["map-housing"]?.reason == "The field 'releaseDate' changed.")
        #expect(moved.rescheduled["ask-consent"]?.previousDue == ScenarioCase.date("2027-01-18"))
        #expect(
            try await scenario.tasks() == [
                "map-housing": "from 2026-09-30 due 2027-01-04",
                "ask-consent": "from 2026-09-30 due 2027-01-04",
            ])
        // Moving the release date does not put an open case on the fast track.
        #expect(moved.state.fastTrack == nil && moved.state.state == "mapping")

        try await scenario.run("2026-12-01", .complete(task: "map-housing"), by: anna)
        try await scenario.run("2026-12-23", .complete(task: "ask-consent"), by: anna)
        // The Turku group has no parish member.
        try await scenario.refused(
            "2026-12-23", .giveConsent(parties: ["prison", "parish"]), by: anna, code: .invalidValue, mentions: ["no party 'parish'"])

        // Consent on Wednesday 23 December 2026: the holidays, the office's closure
        // (27-31 December), New Year's Day and Epiphany do not count.
        let consent = try await scenario.run(
            "2026-12-23", .giveConsent(parties: ["prison", "adult-social-work", "municipal-rental", "peer-support"]), by: anna)
        #expect(consent.state.state == "notify")
        // This example has no parish, so no invitation to one; it adds its own parties' invitations.
        #expect(
            try await scenario.tasks() == [
                "notify-chair": "due 2027-01-05",
                "contact-wellbeing-county": "due 2027-01-11",
                "collect-advance-information": "due 2027-01-11",
                "invite-prison": "due 2027-01-18",
                "invite-adult-social-work": "due 2027-01-18",
                "invite-municipal-rental": "due 2027-01-18",
                "invite-peer-support": "due 2027-01-18",
                "invite-substance-and-mental-health": "due 2027-01-18, suspended",
                "invite-landlord": "due 2027-01-18, suspended",
                "invite-supported-housing": "due 2027-01-18, suspended",
                "invite-kela": "due 2027-01-18, suspended",
                "invite-debt-counselling": "due 2027-01-18, suspended",
                "prepare-client": "due 2027-01-18",
            ])
        try await scenario.run("2027-01-05", .complete(task: "notify-chair"), by: anna)
        try await scenario.run("2027-01-14", .disclose(party: "municipal-rental", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2027-01-14", .disclose(party: "adult-social-work", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2027-01-14", .complete(task: "invite-municipal-rental"), by: chair)
        try await scenario.run("2027-01-14", .complete(task: "invite-adult-social-work"), by: chair)
        try await scenario.run("2027-01-18", .complete(task: "prepare-client"), by: anna)

        let meeting = try await scenario.run("2027-01-20", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "meeting-done")
        #expect(
            try await scenario.tasks() == [
                "record-meeting": "due 2027-01-21", "agree-actions": "due 2027-01-22", "write-memo": "due 2027-01-27",
            ])
        try await scenario.run(
            "2027-01-21", .complete(task: "agree-actions", outcomes: ["housingForm": .text("supported"), "supportLinked": .bool(true)]),
            by: chair)
        try await scenario.run("2027-01-26", .complete(task: "write-memo"), by: chair)
        try await scenario.run("2027-01-26", .fire(event: "memo-sent"), by: chair)
        // Release on 31 March 2027: 28 February is a Sunday; Good Friday and Easter Monday are days off.
        #expect(
            try await scenario.tasks() == [
                "follow-up-housing": "due 2027-02-26", "service-need-assessment": "due 2027-03-15",
                "id-card": "due 2027-03-01", "strong-identification": "due 2027-03-22",
            ])

        // The second follow-up would fall on Good Friday 2027: due after Easter Monday.
        try await scenario.run("2027-02-25", .complete(task: "follow-up-housing"), by: anna)
        #expect(try await scenario.tasks()["follow-up-housing"] == "due 2027-03-30")
        try await scenario.run(
            "2027-03-30", .complete(task: "follow-up-housing", outcomes: ["housedBeforeRelease": .bool(true)]), by: anna)
        // Counted from the first's 26 February, not from the moved 30 March.
        #expect(try await scenario.tasks()["follow-up-housing"] == "due 2027-04-26")

        let closed = try await scenario.run("2027-04-20", .fire(event: "case-closed"), by: anna)
        #expect(closed.state.state == "closed" && closed.state.isClosed)
        #expect(closed.state.fields["housedBeforeRelease"] == .bool(true))
        #expect(try await scenario.summary().closedOn == ScenarioCase.date("2027-04-20"))
    }

    @Test("vat-vaasa: consent before the summer closure, then withdrawn; the invitation is suspended and nothing is disclosed")
    func vaasaConsentWithdrawn() async throws {
        let scenario = try ScenarioCase(process: "vat-vaasa", caseID: "vaasa-2026-019", on: "2026-06-01")

        let opened = try await scenario.open(
            on: "2026-06-01", fields: ["releaseDate": day("2026-11-30")], worker: "worker:anna", by: anna)
        // The window starts on Saturday 30 May: window starts are never moved.
        #expect(opened.state.openTask("map-housing")?.earliest == ScenarioCase.date("2026-05-30"))
        #expect(try await scenario.tasks()["map-housing"] == "from 2026-05-30 due 2026-09-30")
        try await scenario.run("2026-07-09", .complete(task: "map-housing"), by: anna)
        try await scenario.run("2026-07-10", .complete(task: "ask-consent"), by: anna)

        // Consent on Friday 10 July 2026: the office is closed 13-24 July, so notifying
        // the leader (1 working day in Vaasa) is due on Monday 27 July.
        let consent = try await scenario.run("2026-07-10", .giveConsent(parties: ["prison", "adult-social-work", "swedish-support"]), by: anna)
        #expect(consent.state.state == "notify")
        let invited = ["invite-prison", "invite-adult-social-work", "invite-swedish-support"]
        let notInvited = [
            "invite-substance-and-mental-health", "invite-landlord", "invite-supported-housing", "invite-parish", "invite-kela",
            "invite-debt-counselling", "invite-municipal-rental",
        ]
        var expected = [
            "notify-chair": "due 2026-07-27", "contact-wellbeing-county": "due 2026-07-31",
            "collect-advance-information": "due 2026-07-31", "prepare-client": "due 2026-08-07",
        ]
        for task in invited { expected[task] = "due 2026-08-07" }
        for task in notInvited { expected[task] = "due 2026-08-07, suspended" }
        #expect(try await scenario.tasks() == expected)
        try await scenario.run("2026-07-27", .complete(task: "notify-chair"), by: anna)

        // The client withdraws consent: the invitations, which involve the named parties, are suspended.
        let withdrawn = try await scenario.run("2026-07-28", .withdrawConsent, by: anna)
        #expect(withdrawn.suspended == Dictionary(uniqueKeysWithValues: invited.map { ($0, "The client withdrew consent.") }))
        #expect(withdrawn.state.consent == nil)
        expected["notify-chair"] = nil
        for task in invited { expected[task] = "due 2026-08-07, suspended" }
        #expect(try await scenario.tasks() == expected)
        let suspendedRows = try await scenario.database.tasks(TaskQuery(caseID: scenario.id)).filter(\.suspended)
        #expect(Set(suspendedRows.map(\.task)) == Set(invited + notInvited))
        // Nothing may be disclosed now, and the suspended invitation cannot be completed.
        try await scenario.refused(
            "2026-07-29", .disclose(party: "adult-social-work", purpose: "invitation and advance information"), by: chair,
            code: .noConsent, mentions: ["no consent in force", "'adult-social-work'"])
        try await scenario.refused(
            "2026-07-29", .disclose(party: "prison", purpose: "advance information"), by: chair, code: .noConsent,
            mentions: ["no consent in force", "'prison'"])
        try await scenario.refused(
            "2026-07-29", .complete(task: "invite-adult-social-work"), by: chair, code: .noConsent,
            mentions: ["'invite-adult-social-work'", "suspended"])
        try await scenario.refused("2026-07-29", .withdrawConsent, by: anna, code: .noConsent, mentions: ["no consent in force to withdraw"])
        #expect(try await scenario.history().filter { $0.typeName == "InformationDisclosed" }.isEmpty)

        // The client declines to go on: the case closes, the suspended invitation never sent.
        let declined = try await scenario.run("2026-07-31", .fire(event: "client-declined"), by: anna)
        #expect(declined.state.state == "closed" && declined.state.isClosed)
        #expect(Set(declined.cancelled) == Set(invited + notInvited + ["contact-wellbeing-county", "collect-advance-information", "prepare-client"]))
        #expect(try await scenario.tasks().isEmpty)
        #expect(try await scenario.summary().closedOn == ScenarioCase.date("2026-07-31"))
    }
}
