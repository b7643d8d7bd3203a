import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine claim` and `unclaim`: the built binary against a real database.
@Suite("aso-engine claim and unclaim")
struct ClaimCommandTests {
    @Test("claim records who took a task on, tasks shows it; another worker is refused, naming the claimer")
    func claimAndUnclaim() throws {
        let session = try CaseCommandsTests.Session()
        try session.openCase()
        let claimed = try session.ok(["claim", "vat-1", "map-housing"], now: "2026-06-02")
        #expect(claimed.stdout.contains("claimed by anna"), "\(claimed.stdout)")
        let row = try session.tasks(of: "vat-1").first { $0["task"] as? String == "map-housing" }
        #expect(row?["claimedBy"] as? String == "anna")
        #expect(try session.ok(["tasks", "--case", "vat-1"]).stdout.contains("claimed by anna"))

        let taken = try session.run(["claim", "vat-1", "map-housing"], now: "2026-06-02", actor: "bob")
        #expect(taken.status == 1 && taken.stderr.contains("'anna'") && taken.stderr.contains("'map-housing'"), "\(taken.stderr)")
        let notHis = try session.run(["unclaim", "vat-1", "map-housing"], now: "2026-06-02", actor: "bob")
        #expect(notHis.status == 1 && notHis.stderr.contains("only 'anna' may unclaim"), "\(notHis.stderr)")
        let notOpen = try session.run(["claim", "vat-1", "invite-prison"], now: "2026-06-02")
        #expect(notOpen.status == 1 && notOpen.stderr.contains("open tasks:"), "\(notOpen.stderr)")

        try session.ok(["unclaim", "vat-1", "map-housing"], now: "2026-06-03")
        #expect(try session.tasks(of: "vat-1").allSatisfy { $0["claimedBy"] is NSNull })
        try session.ok(["claim", "vat-1", "map-housing"], now: "2026-06-03", actor: "bob")
        try session.ok(["complete", "vat-1", "map-housing"], now: "2026-06-04")
        #expect(try session.tasks(of: "vat-1").allSatisfy { $0["claimedBy"] is NSNull })
        let history = try session.history("vat-1").joined(separator: "\n")
        #expect(history.contains("task 'map-housing' claimed by anna") && history.contains("task 'map-housing' unclaimed by anna"))
    }
}
