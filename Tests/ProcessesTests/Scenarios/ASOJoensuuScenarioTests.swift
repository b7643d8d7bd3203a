import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The Joensuu client steering group (aso-joensuu), walked through the engine with
/// real dates from opening to closing.
@Suite("Scenario: ASO Joensuu")
struct ASOJoensuuScenarioTests {
    let worker = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")
    let socialWorker = Acting("worker:sami", organisation: "adult-social-work", role: "social-worker")
    let debtCounsellor = Acting("worker:dora", organisation: "debt-counselling", role: "debt-counsellor")

    /// The invitations of the notify state, by the party each one involves.
    static let invitations = [
        "invite-prison", "invite-joensuun-kodit", "invite-josna", "invite-city-housing-office", "invite-adult-social-work",
        "invite-substance-abuse-services", "invite-mental-health-services", "invite-parish-diaconal-work", "invite-employment-services",
        "invite-viadia", "invite-debt-counselling", "invite-kris", "invite-supported-housing", "invite-substance-rehabilitation",
    ]
    /// The parties the client names in the consent form.
    static let named = ["community-sanctions-office", "prison", "joensuun-kodit", "adult-social-work", "debt-counselling"]
    static let namedInvitations: Set = ["invite-prison", "invite-joensuun-kodit", "invite-adult-social-work", "invite-debt-counselling"]

    @Test("a prisoner released on 15 March 2027: mapping, consent, meeting by video, memo, follow-up, housed before release")
    func prisonerReleasedInMarch() async throws {
        let scenario = try ScenarioCase(process: "aso-joensuu", caseID: "aso-2027-007", on: "2026-09-01")

        // 1-2. Opened on Tuesday 1 September 2026: the mapping window is 6 to 2 months before release.
        let opened = try await scenario.open(
            on: "2026-09-01", fields: ["releaseDate": day("2027-03-15"), "clientKind": .text("prisoner")], worker: "worker:anna",
            by: worker)
        #expect(opened.state.state == "mapping" && opened.state.fastTrack == nil)
        #expect(
            try await scenario.tasks() == [
                "map-housing": "from 2026-09-15 due 2027-01-15",
                "motivate-client": "from 2026-09-15 due 2027-01-15",
                "ask-consent": "from 2026-09-15 due 2027-01-15",
            ])
        #expect(try await scenario.summary().fastTrack == nil)
        // The meeting cannot be held before consent: the state is named with what is allowed there.
        try await scenario.refused(
            "2026-09-02", .fire(event: "meeting-held"), by: chair, code: .notAllowedInState,
            mentions: ["'meeting-held'", "state 'mapping'", "consent-given, client-declined"])
        try await scenario.refused(
            "2026-09-02", .complete(task: "notify-chair"), by: worker, code: .unknownTask,
            mentions: ["'notify-chair'", "state 'mapping'", "map-housing, motivate-client, ask-consent"])

        try await scenario.run("2026-10-06", .complete(task: "map-housing"), by: worker)
        try await scenario.run("2026-10-06", .complete(task: "motivate-client"), by: worker)
        try await scenario.run(
            "2026-12-17", .complete(task: "ask-consent", outcomes: ["clientParties": .text(Self.named.joined(separator: ", "))]),
            by: worker)
        #expect(try await scenario.tasks().isEmpty)

        // 3. Written consent on Friday 18 December 2026 naming five parties: the case moves on.
        let consent = try await scenario.run("2026-12-18", .giveConsent(parties: Self.named), by: worker)
        #expect(consent.state.state == "notify")
        #expect(consent.state.eventDates["consent-given"] == ScenarioCase.date("2026-12-18"))
        // Invitations to the parties the client did not name are suspended as they open.
        let unnamed = Set(Self.invitations).subtracting(Self.namedInvitations)
        #expect(Set(consent.suspended.keys) == unnamed)
        #expect(consent.suspended["invite-josna"] == "The consent in force does not name 'josna'.")
        var expected: [String: String] = [
            // + 2 and + 5 working days, skipping Christmas Eve, Christmas Day and Boxing Day.
            "notify-chair": "due 2026-12-22",
            "book-meeting": "due 2026-12-29",
            "contact-wellbeing-county": "due 2026-12-29",
            "collect-advance-information": "due 2026-12-29",
            // The meeting date is not known yet: no due date.
            "prepare-client": "no due date",
        ]
        for invitation in Self.invitations {
            expected[invitation] = unnamed.contains(invitation) ? "no due date, suspended" : "no due date"
        }
        #expect(try await scenario.tasks() == expected)

        // An invitation to a party the client did not name cannot be sent.
        try await scenario.refused(
            "2026-12-21", .complete(task: "invite-josna"), by: chair, code: .noConsent, mentions: ["'invite-josna'", "suspended"])
        try await scenario.refused(
            "2026-12-21", .disclose(party: "josna", purpose: "invitation and advance information"), by: chair, code: .noConsent,
            mentions: ["'josna'"])
        try await scenario.run("2026-12-21", .complete(task: "notify-chair"), by: worker)
        // The case is made pending at the wellbeing services county, and the advance information collected.
        try await scenario.run("2026-12-22", .complete(task: "contact-wellbeing-county"), by: worker)
        try await scenario.run(
            "2026-12-22",
            .complete(
                task: "collect-advance-information",
                outcomes: ["housingWishes": .text("a small flat near the centre"), "creditRecord": .text("payment-defaults")]),
            by: worker)

        // The chair books the meeting of Wednesday 20 January 2027: invitations and preparation get due dates.
        let booked = try await scenario.run(
            "2026-12-28", .complete(task: "book-meeting", outcomes: ["meetingDate": day("2027-01-20")]), by: chair)
        #expect(Set(booked.rescheduled.keys) == Set(Self.invitations + ["prepare-client"]))
        #expect(booked.rescheduled.values.allSatisfy { $0.reason == "The outcome 'meetingDate' of task 'book-meeting' changed." })
        #expect(booked.rescheduled["invite-prison"]?.previousDue == nil)
        expected["notify-chair"] = nil
        expected["book-meeting"] = nil
        expected["contact-wellbeing-county"] = nil
        expected["collect-advance-information"] = nil
        expected["prepare-client"] = "due 2027-01-19"
        for invitation in Self.invitations {
            expected[invitation] = unnamed.contains(invitation) ? "due 2027-01-13, suspended" : "due 2027-01-13"
        }
        #expect(try await scenario.tasks() == expected)

        // Invitations with advance information go to the named parties only.
        for party in ["prison", "joensuun-kodit", "adult-social-work", "debt-counselling"] {
            try await scenario.run("2027-01-11", .disclose(party: party, purpose: "invitation and advance information"), by: chair)
            try await scenario.run("2027-01-11", .complete(task: "invite-\(party)"), by: chair)
        }
        try await scenario.run("2027-01-19", .complete(task: "prepare-client"), by: worker)
        #expect(Set(try await scenario.tasks().keys) == unnamed)

        // 4. The meeting on 20 January 2027; the client attends by video from prison.
        let meeting = try await scenario.run("2027-01-20", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "assessment")
        #expect(meeting.cancelled == unnamed)  // never sent: the client did not name these parties
        #expect(
            try await scenario.tasks() == [
                "record-meeting": "due 2027-01-21",
                "record-assessment": "due 2027-01-22",
                "write-memo": "due 2027-01-27",
            ])
        try await scenario.refused(
            "2027-01-20", .fire(event: "housing-stable"), by: worker, code: .notAllowedInState,
            mentions: ["'housing-stable'", "state 'assessment'", "memo-sent, client-declined"])
        try await scenario.refused(
            "2027-01-21", .complete(task: "record-meeting", outcomes: ["attendance": .text("by-video")]), by: chair,
            code: .invalidValue, mentions: ["'attendance'", "in-person, video-from-prison, did-not-attend"])
        try await scenario.run(
            "2027-01-21", .complete(task: "record-meeting", outcomes: ["attendance": .text("video-from-prison")]), by: chair)

        // 5. Joint assessment: supported housing, tied to substance rehabilitation.
        try await scenario.run(
            "2027-01-22",
            .complete(
                task: "record-assessment",
                outcomes: [
                    "housingForm": .text("supported"), "housingTiedToSupport": .bool(true),
                    "tiedSupport": .text("substance-rehabilitation"),
                ]), by: chair)

        // 6. The memo, sent to the participants on its due date.
        try await scenario.run("2027-01-27", .complete(task: "write-memo"), by: chair)
        for party in ["prison", "joensuun-kodit", "adult-social-work", "debt-counselling"] {
            try await scenario.run("2027-01-27", .disclose(party: party, purpose: "memo"), by: chair)
        }
        let memo = try await scenario.run("2027-01-27", .fire(event: "memo-sent"), by: chair)
        #expect(memo.state.state == "follow-up")
        #expect(
            try await scenario.tasks() == [
                "housing-applications": "due 2027-02-10",
                // 27 February 2027 is a Saturday.
                "link-support": "due 2027-03-01",
                "debt-counselling-appointment": "due 2027-03-01",
                "id-card": "due 2027-02-15",
                "strong-identification": "due 2027-03-08",
                "record-release-outcome": "due 2027-03-15",
                "follow-up-housing": "due 2027-03-01",
            ])

        // 7. Action items and follow-up.
        try await scenario.run("2027-02-03", .complete(task: "housing-applications"), by: worker)
        try await scenario.run("2027-02-10", .complete(task: "id-card", outcomes: ["hasIdCard": .bool(true)]), by: worker)
        try await scenario.run(
            "2027-02-24", .complete(task: "link-support", outcomes: ["supportLinked": .bool(true)]), by: socialWorker)
        try await scenario.run("2027-02-24", .complete(task: "debt-counselling-appointment"), by: debtCounsellor)
        let first = try await scenario.run("2027-03-01", .complete(task: "follow-up-housing"), by: worker)
        #expect(first.state.openTask("follow-up-housing")?.occurrence == 2)
        // The series counts from 27 February (a Saturday: the first was due Monday 1 March).
        // 27 March 2027 is a Saturday and 29 March Easter Monday: due Tuesday 30 March.
        #expect(first.state.openTask("follow-up-housing")?.due == ScenarioCase.date("2027-03-30"))
        try await scenario.run(
            "2027-03-05", .complete(task: "strong-identification", outcomes: ["hasStrongId": .bool(true)]), by: worker)

        // Release day: housing was arranged before release.
        try await scenario.run(
            "2027-03-15",
            .complete(
                task: "record-release-outcome",
                outcomes: ["housedBeforeRelease": .bool(true), "housingForm": .text("supported"), "supportLinked": .bool(true)]),
            by: worker)
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-03-30"])

        // Monthly follow-up on the 27th (moved off the Easter weekend in March); then 27 April, 27 May.
        let second = try await scenario.run("2027-03-29", .complete(task: "follow-up-housing"), by: worker)
        #expect(second.state.openTask("follow-up-housing")?.occurrence == 3)
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-04-27"])
        try await scenario.run("2027-04-27", .complete(task: "follow-up-housing"), by: worker)
        #expect(try await scenario.tasks() == ["follow-up-housing": "due 2027-05-27"])

        // Housing is stable: the case closes.
        let stable = try await scenario.run("2027-05-20", .fire(event: "housing-stable"), by: worker)
        #expect(stable.state.isClosed && stable.state.state == "closed")
        #expect(stable.cancelled == ["follow-up-housing"])
        #expect(try await scenario.tasks().isEmpty)
        let row = try await scenario.summary()
        #expect(row.state == "closed" && row.closedOn == ScenarioCase.date("2027-05-20") && row.openTasks == 0 && row.nextDue == nil)
        try await scenario.refused(
            "2027-05-21", .complete(task: "follow-up-housing"), by: worker, code: .closed, mentions: ["is closed", "'complete'"])

        // The outcomes the group reports.
        let fields = stable.state.fields
        #expect(fields["housedBeforeRelease"] == .bool(true))
        #expect(fields["housingForm"] == .text("supported"))
        #expect(fields["supportLinked"] == .bool(true))
        #expect(fields["attendance"] == .text("video-from-prison"))
        #expect(fields["hasIdCard"] == .bool(true) && fields["hasStrongId"] == .bool(true))
        #expect(fields["meetingDate"] == day("2027-01-20"))
        #expect(stable.state.completedTasks.filter(\.late).isEmpty)
        // Each named party got the invitation and the memo; nobody else got anything.
        #expect(
            stable.state.disclosures.map(\.party).sorted() == [
                "adult-social-work", "adult-social-work", "debt-counselling", "debt-counselling", "joensuun-kodit", "joensuun-kodit",
                "prison", "prison",
            ])
        #expect(try await scenario.database.events.verify().isIntact)
    }
}
