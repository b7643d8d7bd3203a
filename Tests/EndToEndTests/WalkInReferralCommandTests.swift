import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// The walk-in referral goes only to the parties the client named: without a
/// consent nothing is disclosed.
@Suite("aso-engine document referral: walk-in consent")
struct WalkInReferralCommandTests {
    @Test("the walk-in referral is refused without consent, and goes only to the parties the consent names")
    func referralNeedsConsent() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        func run(_ arguments: [String], now: String) throws -> (status: Int32, stdout: String, stderr: String) {
            let result = try BuiltProduct.run("aso-engine", arguments + ["--db", path, "--now", now])
            return (result.status, result.stdout, result.stderr)
        }
        let opened = try run(
            ["open", "walk-in-housing", "--case", "w-1", "--set", "contactDate=2026-04-01", "--worker", "kaisa", "--processes",
             ReportCommandTests.processes], now: "2026-04-01")
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try run(["fire", "w-1", "first-meeting-held"], now: "2026-04-02").status == 0)
        // The consent task is there for the counsellor.
        let tasks = try run(["tasks", "--case", "w-1", "--json"], now: "2026-04-02")
        #expect(tasks.stdout.contains("\"ask-consent\""))

        let refused = try run(["document", "referral", "w-1", "--to", "landlord"], now: "2026-04-03")
        #expect(refused.stdout.contains("Nothing was disclosed.") && refused.stdout.contains("no consent in force"))
        #expect(!refused.stdout.contains("# Referral"))
        let disclose = try run(["disclose", "w-1", "landlord", "--purpose", "referral"], now: "2026-04-03")
        #expect(disclose.status == 1 && disclose.stderr.contains("no consent in force"))

        #expect(try run(["consent", "w-1", "--parties", "landlord"], now: "2026-04-06").status == 0)
        let sent = try run(["document", "referral", "w-1", "--to", "landlord", "--to", "kela"], now: "2026-04-07")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("# Referral from walk-in housing counselling") && sent.stdout.contains("To: Rental company or landlord (landlord)"))
        #expect(!sent.stdout.contains("To: Kela"))
        let history = try run(["history", "w-1"], now: "2026-04-07")
        #expect(history.stdout.contains("information disclosed to 'landlord'") && !history.stdout.contains("disclosed to 'kela'"))
    }
}
