import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// A short sentence in the Joensuu process (aso-joensuu): found too late for the
/// 2-6 month mapping window, so the case starts, and stays visibly, on its fast track.
@Suite("Scenario: ASO fast track")
struct ASOFastTrackScenarioTests {
    let worker = Acting("worker:eero", organisation: "community-sanctions-office", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")
    static let reason =
        "Opened less than 2 months before release (e.g. a short sentence); the normal 2-6 month mapping window has passed."

    @Test("a short sentence opened 16 days before release, over Easter 2027")
    func shortSentence() async throws {
        let scenario = try ScenarioCase(process: "aso-joensuu", caseID: "aso-fast-1", on: "2027-03-24")

        // Opened on Wednesday 24 March 2027 for a release on Friday 9 April: mapping
        // was due on 9 February already.
        let opened = try await scenario.open(
            on: "2027-03-24",
            fields: ["releaseDate": day("2027-04-09"), "clientKind": .text("prisoner"), "shortSentence": .bool(true)],
            worker: "worker:eero", by: worker)
        #expect(opened.state.state == "fast-mapping")
        #expect(opened.state.fastTrack == Self.reason)
        // + 3 working days from Wednesday, skipping Good Friday 26 March and Easter Monday 29 March.
        #expect(
            try await scenario.tasks() == [
                "map-housing-fast": "due 2027-03-31",
                "ask-consent-fast": "due 2027-03-31",
            ])

        // Beside it, a case opened the same day in good time is not on the fast track.
        try await scenario.engine.open(
            scenario.definition, caseID: "aso-normal-1", fields: ["releaseDate": day("2027-11-30")], responsibleWorker: "worker:eero",
            by: worker)
        let rows = try await scenario.database.cases(process: "aso-joensuu", includeClosed: false)
        #expect(Set(rows.map(\.id)) == ["aso-fast-1", "aso-normal-1"])
        #expect(rows.first { $0.id == "aso-fast-1" }?.fastTrack == Self.reason)
        #expect(rows.first { $0.id == "aso-fast-1" }?.state == "fast-mapping")
        #expect(rows.first { $0.id == "aso-fast-1" }?.nextDue == ScenarioCase.date("2027-03-31"))
        #expect(rows.first { $0.id == "aso-normal-1" }?.fastTrack == nil)
        #expect(rows.first { $0.id == "aso-normal-1" }?.state == "mapping")

        // The normal timeline's tasks are not there to complete.
        try await scenario.refused(
            "2027-03-24", .complete(task: "map-housing"), by: worker, code: .unknownTask,
            mentions: ["'map-housing'", "state 'fast-mapping'", "map-housing-fast, ask-consent-fast"])
        try await scenario.refused(
            "2027-03-24", .fire(event: "memo-sent"), by: worker, code: .notAllowedInState,
            mentions: ["state 'fast-mapping'", "consent-given, client-declined"])

        try await scenario.run("2027-03-25", .complete(task: "map-housing-fast"), by: worker)
        try await scenario.run(
            "2027-03-25", .complete(task: "ask-consent-fast", outcomes: ["clientParties": .text("prison, joensuun-kodit, adult-social-work")]),
            by: worker)

        // Consent on Thursday 25 March: the chair is notified and the meeting booked after Easter.
        let consent = try await scenario.run(
            "2027-03-25", .giveConsent(parties: ["prison", "joensuun-kodit", "adult-social-work"]), by: worker)
        #expect(consent.state.state == "notify")
        #expect(consent.state.fastTrack == Self.reason)  // still flagged after it moves on
        #expect(try await scenario.tasks()["notify-chair"] == "due 2027-03-31")
        #expect(try await scenario.tasks()["book-meeting"] == "due 2027-04-05")
        try await scenario.run("2027-03-25", .complete(task: "notify-chair"), by: worker)

        // The chair takes the case to the meeting of Wednesday 7 April.
        try await scenario.run("2027-03-30", .complete(task: "book-meeting", outcomes: ["meetingDate": day("2027-04-07")]), by: chair)
        let tasks = try await scenario.tasks()
        #expect(tasks["invite-prison"] == "due 2027-03-31")
        #expect(tasks["invite-joensuun-kodit"] == "due 2027-03-31")
        #expect(tasks["invite-adult-social-work"] == "due 2027-03-31")
        #expect(tasks["invite-kris"] == "due 2027-03-31, suspended")
        #expect(tasks["prepare-client"] == "due 2027-04-06")
        for party in ["prison", "joensuun-kodit", "adult-social-work"] {
            try await scenario.run("2027-03-31", .disclose(party: party, purpose: "invitation and advance information"), by: chair)
            try await scenario.run("2027-03-31", .complete(task: "invite-\(party)"), by: chair)
        }
        try await scenario.run("2027-04-06", .complete(task: "prepare-client"), by: worker)

        let meeting = try await scenario.run("2027-04-07", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "assessment")
        #expect(
            try await scenario.tasks() == [
                "record-meeting": "due 2027-04-08",
                "record-assessment": "due 2027-04-09",
                "write-memo": "due 2027-04-14",
            ])
        try await scenario.run("2027-04-07", .complete(task: "record-meeting", outcomes: ["attendance": .text("in-person")]), by: chair)
        try await scenario.run(
            "2027-04-07", .complete(task: "record-assessment", outcomes: ["housingForm": .text("community")]), by: chair)
        try await scenario.run("2027-04-08", .complete(task: "write-memo"), by: chair)
        let memo = try await scenario.run("2027-04-08", .fire(event: "memo-sent"), by: chair)
        #expect(memo.state.state == "follow-up")
        // The dates counted back from release have passed on the fast track: the ID card
        // and e-identification tasks open already overdue, so they are escalated at once.
        #expect(
            try await scenario.tasks() == [
                "housing-applications": "due 2027-04-22",
                "link-support": "due 2027-05-10",
                // The consent does not name debt counselling.
                "debt-counselling-appointment": "due 2027-05-10, suspended",
                "id-card": "due 2027-03-09",
                "strong-identification": "due 2027-04-02",
                "record-release-outcome": "due 2027-04-09",
                "follow-up-housing": "due 2027-05-10",
            ])
        let overdue = try await scenario.database.tasks(TaskQuery(overdueOn: ScenarioCase.date("2027-04-08"), caseID: "aso-fast-1"))
        #expect(overdue.map(\.task).sorted() == ["id-card", "strong-identification"])

        // Released on 9 April into community housing.
        let released = try await scenario.run(
            "2027-04-09",
            .complete(task: "record-release-outcome", outcomes: ["housedBeforeRelease": .bool(true), "housingForm": .text("community")]),
            by: worker)
        #expect(released.state.fields["housedBeforeRelease"] == .bool(true))

        // The client moves away from the region: the worker closes the case.
        let closed = try await scenario.run("2027-04-20", .close(reason: "The client moved out of the region."), by: worker)
        #expect(closed.state.isClosed)
        #expect(closed.cancelled.count == 6)
        let row = try await scenario.summary()
        #expect(row.closedOn == ScenarioCase.date("2027-04-20") && row.closedReason == "The client moved out of the region.")
        #expect(row.fastTrack == Self.reason)
        try await scenario.refused(
            "2027-04-21", .fire(event: "housing-stable"), by: worker, code: .closed, mentions: ["is closed"])
    }
}
