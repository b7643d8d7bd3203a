import Foundation
import Processes
import Testing
import WorkflowKit
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
        #expect(
            try await scenario.tasks() == [
                "notify-chair": "due 2027-02-12",
                "invite-parties": "due 2027-02-24",
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
        try await scenario.run("2027-02-22", .complete(task: "invite-parties"), by: chair)
        try await scenario.run("2027-02-24", .complete(task: "prepare-client"), by: ben)

        // Steps 4-5: the meeting on Wednesday 3 March 2027 and the joint assessment.
        let meeting = try await scenario.run("2027-03-03", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "meeting-done")
        #expect(try await scenario.tasks() == ["agree-actions": "due 2027-03-05", "write-memo": "due 2027-03-10"])
        try await scenario.run(
            "2027-03-04", .complete(task: "agree-actions", outcomes: ["housingForm": .text("independent"), "supportLinked": .bool(true)]),
            by: chair)

        // Step 6: the memo; work continues, followed up monthly.
        try await scenario.run("2027-03-09", .complete(task: "write-memo"), by: chair)
        let memo = try await scenario.run("2027-03-09", .fire(event: "memo-sent"), by: chair)
        #expect(memo.state.state == "follow-up")
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-04-09"])
        try await scenario.run("2027-04-08", .complete(task: "follow-up-housing"), by: ben)
        // 9 May 2027 is a Sunday.
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-05-10"])
        try await scenario.run(
            "2027-05-07", .complete(task: "follow-up-housing", outcomes: ["housedBeforeRelease": .bool(true)]), by: ben)
        // Counted from the first's 9 April, not from the moved 10 May.
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-06-09"])

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
        #expect(
            try await scenario.tasks() == [
                "notify-chair": "due 2027-01-05",
                "invite-parties": "due 2027-01-18",
                "prepare-client": "due 2027-01-18",
            ])
        try await scenario.run("2027-01-05", .complete(task: "notify-chair"), by: anna)
        try await scenario.run("2027-01-14", .disclose(party: "municipal-rental", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2027-01-14", .disclose(party: "adult-social-work", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2027-01-14", .complete(task: "invite-parties"), by: chair)
        try await scenario.run("2027-01-18", .complete(task: "prepare-client"), by: anna)

        let meeting = try await scenario.run("2027-01-20", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "meeting-done")
        #expect(try await scenario.tasks() == ["agree-actions": "due 2027-01-22", "write-memo": "due 2027-01-27"])
        try await scenario.run(
            "2027-01-21", .complete(task: "agree-actions", outcomes: ["housingForm": .text("supported"), "supportLinked": .bool(true)]),
            by: chair)
        try await scenario.run("2027-01-26", .complete(task: "write-memo"), by: chair)
        try await scenario.run("2027-01-26", .fire(event: "memo-sent"), by: chair)
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-02-26"])

        // The second follow-up would fall on Good Friday 2027: due after Easter Monday.
        try await scenario.run("2027-02-25", .complete(task: "follow-up-housing"), by: anna)
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-03-30"])
        try await scenario.run(
            "2027-03-30", .complete(task: "follow-up-housing", outcomes: ["housedBeforeRelease": .bool(true)]), by: anna)
        // Counted from the first's 26 February, not from the moved 30 March.
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-04-26"])

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
        #expect(
            try await scenario.tasks() == [
                "notify-chair": "due 2026-07-27",
                "invite-parties": "due 2026-08-07",
                "prepare-client": "due 2026-08-07",
            ])
        try await scenario.run("2026-07-27", .complete(task: "notify-chair"), by: anna)

        // The client withdraws consent: the invitation, which involves adult social work, is suspended.
        let withdrawn = try await scenario.run("2026-07-28", .withdrawConsent, by: anna)
        #expect(withdrawn.suspended == ["invite-parties": "The client withdrew consent."])
        #expect(withdrawn.state.consent == nil)
        #expect(
            try await scenario.tasks() == [
                "invite-parties": "due 2026-08-07, suspended",
                "prepare-client": "due 2026-08-07",
            ])
        let suspendedRows = try await scenario.database.tasks(TaskQuery(caseID: scenario.id)).filter(\.suspended)
        #expect(suspendedRows.map(\.task) == ["invite-parties"])
        // Nothing may be disclosed now, and the suspended invitation cannot be completed.
        try await scenario.refused(
            "2026-07-29", .disclose(party: "adult-social-work", purpose: "invitation and advance information"), by: chair,
            code: .noConsent, mentions: ["no consent in force", "'adult-social-work'"])
        try await scenario.refused(
            "2026-07-29", .disclose(party: "prison", purpose: "advance information"), by: chair, code: .noConsent,
            mentions: ["no consent in force", "'prison'"])
        try await scenario.refused(
            "2026-07-29", .complete(task: "invite-parties"), by: chair, code: .noConsent, mentions: ["'invite-parties'", "suspended"])
        try await scenario.refused("2026-07-29", .withdrawConsent, by: anna, code: .noConsent, mentions: ["no consent in force to withdraw"])
        #expect(try await scenario.history().filter { $0.typeName == "InformationDisclosed" }.isEmpty)

        // The client declines to go on: the case closes, the suspended invitation never sent.
        let declined = try await scenario.run("2026-07-31", .fire(event: "client-declined"), by: anna)
        #expect(declined.state.state == "closed" && declined.state.isClosed)
        #expect(declined.cancelled == ["invite-parties", "prepare-client"])
        #expect(try await scenario.tasks().isEmpty)
        #expect(try await scenario.summary().closedOn == ScenarioCase.date("2026-07-31"))
    }
}
