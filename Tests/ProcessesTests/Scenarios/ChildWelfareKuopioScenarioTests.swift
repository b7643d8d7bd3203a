import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowKitTesting

/// From child-welfare aftercare to adult social work in Kuopio
/// (child-welfare-kuopio), walked through the engine with real dates.
@Suite("Scenario: child welfare Kuopio")
struct ChildWelfareKuopioScenarioTests {
    let aftercare = Acting("worker:aino", organisation: "aftercare", role: "aftercare-worker")
    let youthTeam = Acting("worker:team", organisation: "adult-social-work", role: "youth-team")
    let adultWorker = Acting("worker:ville", organisation: "adult-social-work", role: "adult-social-worker")

    @Test("a young person turning 18 on Midsummer Day 2027, carried into adult social work without a gap")
    func turningEighteenAtMidsummer() async throws {
        let scenario = try ScenarioCase(process: "child-welfare-kuopio", caseID: "kuopio-2026-012", on: "2026-11-02")
        let birthday = ScenarioCase.date("2027-06-26")  // the 18th birthday: Midsummer Day, a Saturday

        // Opened on Monday 2 November 2026, at 17: permission is asked 4 months before 18.
        let opened = try await scenario.open(
            on: "2026-11-02", fields: ["birthDate": day("2009-06-26"), "careKind": .text("aftercare")], worker: "worker:aino",
            by: aftercare)
        #expect(opened.state.state == "permission" && opened.state.fastTrack == nil)
        #expect(try await scenario.tasks() == ["ask-permission": "from 2026-06-26 due 2027-02-26"])
        try await scenario.refused(
            "2026-11-03", .fire(event: "small-meeting-held"), by: aftercare, code: .notAllowedInState,
            mentions: ["'small-meeting-held'", "state 'permission'", "consent-given, young-person-declined"])

        // On 24 February 2027 the young person allows contact with aftercare's partners,
        // but not yet with adult social work: the case does not move on.
        try await scenario.run("2027-02-24", .complete(task: "ask-permission"), by: aftercare)
        let partial = try await scenario.run("2027-02-24", .giveConsent(parties: ["aftercare", "outreach-youth-work"]), by: aftercare)
        #expect(partial.state.state == "permission")
        try await scenario.refused(
            "2027-02-25", .fire(event: "consent-given"), by: aftercare, code: .notAllowedInState,
            mentions: ["state 'permission'", "consent.includes('adult-social-work')"])
        try await scenario.refused(
            "2027-02-25", .disclose(party: "adult-social-work", purpose: "contact before the transfer"), by: aftercare,
            code: .noConsent, mentions: ["does not name 'adult-social-work'"])

        // On Wednesday 5 May 2027, the day before Ascension Day, the young person gives
        // permission to contact adult social work.
        let permission = try await scenario.run(
            "2027-05-05", .giveConsent(parties: ["aftercare", "adult-social-work"]), by: aftercare)
        #expect(permission.state.state == "preparation")
        let preparation = try await scenario.tasks()
        #expect(
            preparation == [
                // + 5 working days, skipping Ascension Day (6 May).
                "contact-youth-team": "due 2027-05-13",
                // 1 month before the 18th birthday (later than 10 working days after the permission).
                "name-adult-social-worker": "due 2027-05-26",
                // 2 weeks before the birthday is Saturday 12 June: due on Monday 14 June.
                "arrange-small-meeting": "due 2027-06-14",
            ])
        for task in ["contact-youth-team", "name-adult-social-worker", "arrange-small-meeting"] {
            let due = try #require(try await scenario.engine.load(scenario.id).0.openTask(task)?.due)
            #expect(due < birthday, "\(task) is due on \(due), not before the 18th birthday")
        }
        try await scenario.refused(
            "2027-05-05", .fire(event: "aftercare-ended"), by: aftercare, code: .notAllowedInState,
            mentions: ["state 'preparation'", "small-meeting-held, young-person-declined"])

        try await scenario.run("2027-05-07", .disclose(party: "adult-social-work", purpose: "contact before the transfer"), by: aftercare)
        try await scenario.run("2027-05-07", .complete(task: "contact-youth-team"), by: aftercare)
        try await scenario.run(
            "2027-05-20", .complete(task: "name-adult-social-worker", outcomes: ["adultWorkerNamedOn": day("2027-05-20")]), by: youthTeam)
        try await scenario.run("2027-06-01", .complete(task: "arrange-small-meeting"), by: aftercare)
        #expect(try await scenario.tasks().isEmpty)

        // The small meeting on Thursday 10 June 2027; responsibility passes to the own
        // adult social worker the same day, before the 18th birthday.
        let meeting = try await scenario.run("2027-06-10", .fire(event: "small-meeting-held"), by: aftercare)
        #expect(meeting.state.state == "agreed")
        #expect(
            try await scenario.tasks() == [
                "write-agreement": "due 2027-06-17",
                "check-in": "due 2027-08-10",
                // Aftercare ends at 23 (26 June 2032); the check 3 months before falls on
                // Good Friday 2032, so it is due after Easter Monday.
                "before-aftercare-ends": "from 2031-12-26 due 2032-03-30",
            ])
        let handover = try await scenario.run("2027-06-10", .handOver(to: "worker:ville"), by: aftercare)
        #expect(handover.state.responsibleWorker == "worker:ville")
        #expect(try await scenario.summary().responsibleWorker == "worker:ville")
        try await scenario.refused(
            "2027-06-11", .fire(event: "small-meeting-held"), by: adultWorker, code: .notAllowedInState,
            mentions: ["state 'agreed'", "aftercare-ended, young-person-declined"])

        try await scenario.run(
            "2027-06-16",
            .complete(
                task: "write-agreement",
                outcomes: ["youngPersonTookPart": .bool(true), "agreementWritten": .bool(true)]),
            by: adultWorker)
        try await scenario.run(
            "2027-08-10", .complete(task: "check-in", outcomes: ["feedbackCollected": .bool(true), "housingSecured": .bool(true)]),
            by: adultWorker)
        #expect(try await scenario.tasks() == ["before-aftercare-ends": "from 2031-12-26 due 2032-03-30"])

        // Years later, before aftercare ends at 23.
        try await scenario.run(
            "2032-03-15",
            .complete(task: "before-aftercare-ends", outcomes: ["stayedInAdultServices": .bool(true), "housingSecured": .bool(true)]),
            by: adultWorker)
        let ended = try await scenario.run("2032-06-28", .fire(event: "aftercare-ended"), by: adultWorker)
        #expect(ended.state.isClosed && ended.state.state == "closed")
        #expect(try await scenario.summary().closedOn == ScenarioCase.date("2032-06-28"))
        try await scenario.refused(
            "2032-06-29", .fire(event: "young-person-declined"), by: adultWorker, code: .closed, mentions: ["is closed"])

        // The outcomes reported: the own adult social worker was named before 18.
        let fields = ended.state.fields
        let namedOn = try #require(fields["adultWorkerNamedOn"])
        #expect(namedOn == day("2027-05-20"))
        #expect(ScenarioCase.date("2027-05-20") < birthday)
        #expect(fields["youngPersonTookPart"] == .bool(true))
        #expect(fields["housingSecured"] == .bool(true) && fields["stayedInAdultServices"] == .bool(true))
        #expect(ended.state.completedTasks.filter(\.late).isEmpty)
    }
}
