import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// Claiming a task of a role: one worker takes it on, the others see who; the claim ends
/// when the claimer gives it back or the task is completed or cancelled.
@Suite("Case decider: claims")
struct CaseDeciderClaimTests {
    @Test("a claim records the task's occurrence and who took it on; claiming one's own again changes nothing")
    func claim() throws {
        var scenario = try CaseDeciderTests.inInvite()
        let events = try scenario.run(.claim(task: "invite-parties"), by: "kalle")
        guard events.count == 1, case .taskClaimed(let claimed) = events[0] else {
            Issue.record("the claim caused \(events)")
            return
        }
        #expect(claimed.task == "invite-parties" && claimed.occurrence == 1 && claimed.by == "kalle")
        #expect(claimed.on == CaseDeciderTests.date("2026-06-10"))
        #expect(scenario.state.openTask("invite-parties")?.claimedBy == "kalle")
        #expect(scenario.state.openTask("prepare")?.claimedBy == nil)
        #expect(try scenario.run(.claim(task: "invite-parties"), by: "kalle").isEmpty)
        #expect(CaseState.fold("case-1", scenario.history) == scenario.state)
    }

    @Test("a task claimed by someone else is refused, naming who holds it")
    func doubleClaim() throws {
        var scenario = try CaseDeciderTests.inInvite()
        try scenario.run(.claim(task: "invite-parties"), by: "kalle")
        let refused = try #require(CaseDeciderTests.refusal { try scenario.run(.claim(task: "invite-parties"), by: "liisa") })
        #expect(refused.code == .claimed)
        #expect(refused.message.contains("'invite-parties'") && refused.message.contains("'kalle'") && refused.message.contains("unclaimed"))
        #expect(scenario.state.openTask("invite-parties")?.claimedBy == "kalle")
    }

    @Test("only an open task can be claimed; the refusal names the tasks that are open")
    func claimNotOpen() throws {
        var scenario = try CaseDeciderTests.inInvite()
        let refused = try #require(CaseDeciderTests.refusal { try scenario.run(.claim(task: "map"), by: "kalle") })
        #expect(refused.code == .unknownTask)
        #expect(refused.message.contains("'map'") && refused.message.contains("invite-parties") && refused.message.contains("prepare"))
        let nobody = try #require(CaseDeciderTests.refusal { try scenario.run(.claim(task: "prepare")) })
        #expect(nobody.code == .invalidValue)
    }

    @Test("only the claimer may unclaim; anyone else is refused, naming the claimer")
    func unclaim() throws {
        var scenario = try CaseDeciderTests.inInvite()
        let unclaimed = try #require(CaseDeciderTests.refusal { try scenario.run(.unclaim(task: "prepare"), by: "kalle") })
        #expect(unclaimed.code == .invalidValue && unclaimed.message.contains("not claimed"))
        try scenario.run(.claim(task: "prepare"), by: "kalle")
        let other = try #require(CaseDeciderTests.refusal { try scenario.run(.unclaim(task: "prepare"), by: "liisa") })
        #expect(other.code == .claimed && other.message.contains("'kalle'") && other.message.contains("'prepare'"))
        let events = try scenario.run(.unclaim(task: "prepare"), by: "kalle")
        #expect(events.map(\.typeName) == ["TaskUnclaimed"])
        #expect(scenario.state.openTask("prepare")?.claimedBy == nil)
        try scenario.run(.claim(task: "prepare"), by: "liisa")
        #expect(scenario.state.openTask("prepare")?.claimedBy == "liisa")
    }

    @Test("completing a task ends its claim, and its next occurrence opens unclaimed")
    func completeEndsClaim() throws {
        var scenario = try CaseDeciderTests.assessing()
        try scenario.run(.complete(task: "agree", outcomes: ["housingForm": .text("supported")]))
        try scenario.run(.fire(event: "meeting-held"))
        try scenario.run(.claim(task: "follow"), by: "kalle")
        #expect(scenario.state.openTask("follow")?.claimedBy == "kalle")
        try scenario.run(.complete(task: "follow", outcomes: ["housed": .bool(false)]))
        let next = try #require(scenario.state.openTask("follow"))
        #expect(next.occurrence == 2 && next.claimedBy == nil)
        let refused = try #require(CaseDeciderTests.refusal { try scenario.run(.unclaim(task: "follow"), by: "kalle") })
        #expect(refused.message.contains("not claimed"))
    }

    @Test("a task cancelled when the case moves on takes its claim with it")
    func cancelEndsClaim() throws {
        var scenario = try CaseDeciderTests.inInvite()
        try scenario.run(.claim(task: "invite-parties"), by: "kalle")
        try scenario.run(.fire(event: "client-declined"))
        #expect(scenario.state.openTasks.isEmpty && scenario.state.isClosed)
        let refused = try #require(CaseDeciderTests.refusal { try scenario.run(.unclaim(task: "invite-parties"), by: "kalle") })
        #expect(refused.code == .closed)
    }
}
