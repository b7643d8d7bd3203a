import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// Step 3 of the VAT model ("Vetäjä kutsuu tarvittavat tahot kokoukseen"): the
/// group leader invites exactly the parties the client's consent names.
@Suite("Scenario: VAT invitations")
struct VATInvitationScenarioTests {
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")

    static let invitations = [
        "invite-prison", "invite-adult-social-work", "invite-substance-and-mental-health", "invite-landlord",
        "invite-supported-housing", "invite-parish", "invite-kela", "invite-debt-counselling",
    ]

    @Test("vat-generic: a consent naming only the prison and a landlord invites exactly those two, and the case reaches follow-up")
    func consentNamingTwoParties() async throws {
        let scenario = try ScenarioCase(process: "vat-generic", caseID: "vat-2026-112", on: "2026-09-01")
        try await scenario.open(on: "2026-09-01", fields: ["releaseDate": .date(ScenarioCase.date("2027-01-29"))], worker: "worker:anna", by: anna)
        try await scenario.run("2026-09-15", .complete(task: "map-housing"), by: anna)
        try await scenario.run("2026-09-30", .complete(task: "ask-consent"), by: anna)

        let consent = try await scenario.run("2026-10-01", .giveConsent(parties: ["prison", "landlord"]), by: anna)
        #expect(consent.state.state == "notify")
        let rows = try await scenario.database.tasks(TaskQuery(caseID: scenario.id))
        let open = Set(rows.filter { $0.task.hasPrefix("invite-") && !$0.suspended }.map(\.task))
        #expect(open == ["invite-prison", "invite-landlord"])
        // Every other invitation exists but is suspended: never sent, never reminded of.
        let suspended = Set(rows.filter(\.suspended).map(\.task))
        #expect(suspended == Set(Self.invitations).subtracting(open))
        let reminded = Set(try await scenario.database.pendingReminders(caseID: scenario.id).map(\.task))
        #expect(reminded.isSuperset(of: ["invite-prison", "invite-landlord"]))
        #expect(reminded.isDisjoint(with: suspended))
        // The group leader is prompted: the invitations are the leader's, with a due date.
        #expect(rows.first { $0.task == "invite-prison" }?.role == "chair")
        #expect(rows.first { $0.task == "invite-landlord" }?.due == ScenarioCase.date("2026-10-15"))

        try await scenario.run("2026-10-02", .complete(task: "notify-chair"), by: anna)
        // Inviting a party the consent does not name is refused.
        try await scenario.refused(
            "2026-10-05", .complete(task: "invite-kela"), by: chair, code: .noConsent, mentions: ["'invite-kela'", "suspended"])
        try await scenario.run("2026-10-05", .disclose(party: "prison", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2026-10-05", .disclose(party: "landlord", purpose: "invitation and advance information"), by: chair)
        try await scenario.run("2026-10-05", .complete(task: "invite-prison"), by: chair)
        try await scenario.run("2026-10-05", .complete(task: "invite-landlord"), by: chair)

        // Steps 4-6: the meeting, the memo, and the case reaches follow-up.
        let meeting = try await scenario.run("2026-10-21", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "meeting-done")
        // Leaving the step cancels the suspended invitations: nothing is left hanging.
        #expect(try await scenario.tasks().keys.allSatisfy { !$0.hasPrefix("invite-") })
        try await scenario.run(
            "2026-10-22", .complete(task: "record-meeting", outcomes: ["attendance": .text("video-from-prison")]), by: chair)
        try await scenario.run("2026-10-26", .complete(task: "write-memo"), by: chair)
        let memo = try await scenario.run("2026-10-26", .fire(event: "memo-sent"), by: chair)
        #expect(memo.state.state == "follow-up")
        #expect(memo.state.fields["attendance"] == .text("video-from-prison"))
        let disclosedTo = Set(try await scenario.history().compactMap { event -> String? in
            guard case .informationDisclosed(let disclosed) = event else { return nil }
            return disclosed.party
        })
        #expect(disclosedTo == ["prison", "landlord"])
    }
}
