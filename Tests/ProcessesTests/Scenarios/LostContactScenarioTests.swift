import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// "Moni asiakas katoaa": a client who cannot be reached closes the case as lost
/// contact, the report counts it, and the case can be reopened when the client
/// comes back, with its history.
@Suite("Scenario: lost contact and reopening")
struct LostContactScenarioTests {
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")

    @Test("vat-generic: a case that loses contact is reported as such and reopened into mapping")
    func lostAndReopened() async throws {
        let scenario = try ScenarioCase(process: "vat-generic", caseID: "vat-2026-140", on: "2026-09-01")
        try await scenario.open(on: "2026-09-01", fields: ["releaseDate": day("2027-01-29")], worker: "worker:anna", by: anna)
        try await scenario.run("2026-10-01", .giveConsent(parties: ["prison", "adult-social-work"]), by: anna)

        // A case still open cannot be reopened.
        try await scenario.refused(
            "2026-10-02", .reopen(reason: "the client came back"), by: anna, code: .notAllowedInState,
            mentions: ["is open", "only a closed case"])

        let lost = try await scenario.run("2026-11-16", .fire(event: "contact-lost"), by: anna)
        #expect(lost.state.state == "contact-lost" && lost.state.isClosed)
        #expect(try await scenario.tasks().isEmpty)
        #expect(try await scenario.database.pendingReminders(caseID: scenario.id).isEmpty)

        let report = try await OutcomeReport.build(
            events: scenario.database.events.readAll(after: 0), definitions: { try await scenario.database.definition(hash: $0) })
        let figures = try #require(report.processes.first { $0.process == "vat-generic" })
        #expect(figures.closedIn == ["contact-lost": 1] && figures.casesClosed == 1 && figures.casesReopened == 0)

        // A reason is required; a closed case takes no other command.
        try await scenario.refused("2027-02-01", .reopen(reason: "  "), by: anna, code: .invalidValue, mentions: ["needs a reason"])
        try await scenario.refused("2027-02-01", .fire(event: "meeting-held"), by: anna, code: .closed, mentions: ["is closed"])

        // The client comes back after release: the case reopens into mapping with its history.
        try await scenario.run("2027-02-01", .reopen(reason: "The client contacted the office again."), by: anna)
        let reopened = try await scenario.engine.load(scenario.id).0
        #expect(!reopened.isClosed && reopened.state == "mapping")
        #expect(reopened.consent == ["prison", "adult-social-work"])
        #expect(reopened.fields["releaseDate"] == day("2027-01-29"))
        let row = try await scenario.summary()
        #expect(row.closedOn == nil && row.state == "mapping")
        #expect(Set(try await scenario.tasks().keys) == ["map-housing", "ask-consent"])
        // Its reminders come again: the mapping is overdue, so the ladder starts.
        #expect(!(try await scenario.database.pendingReminders(caseID: scenario.id)).isEmpty)
        let types = try await scenario.history().map(\.typeName)
        #expect(types.contains("CaseClosed") && types.last(where: { $0 == "CaseReopened" || $0 == "CaseClosed" }) == "CaseReopened")

        let after = try await OutcomeReport.build(
            events: scenario.database.events.readAll(after: 0), definitions: { try await scenario.database.definition(hash: $0) })
        #expect(after.processes.first { $0.process == "vat-generic" }?.casesReopened == 1)

        // A case closed in the ordinary final state cannot be reopened: 'closed' says no 'reopen:'.
        try await scenario.run("2027-02-02", .fire(event: "client-declined"), by: anna)
        try await scenario.refused(
            "2027-02-03", .reopen(reason: "the client changed their mind"), by: anna, code: .notAllowedInState,
            mentions: ["final state 'closed'", "reopen: STATE"])
    }
}
