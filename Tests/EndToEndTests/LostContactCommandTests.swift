import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// A client who disappears ("Moni asiakas katoaa"): `aso-engine report` counts the
/// case as lost contact, and `aso-engine reopen` takes it back when the client returns.
@Suite("aso-engine report and reopen: lost contact")
struct LostContactCommandTests {
    @Test("a case closed as lost contact is reported as such and reopened from the command line")
    func reportedAndReopened() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let definition = try #require(ProcessLoader().load(paths: [ReportCommandTests.processes]).definition(id: "vat-generic"))
        let calendar = FinnishCalendar()
        func at(_ date: String) -> Int64 { Int64(calendar.instant(LocalDate(date)!, hour: 9, minute: 0).timeIntervalSince1970 * 1000) }
        let time = ManualTime(milliseconds: at("2026-03-02"))
        var options = SQLiteEventStore.Options()
        options.now = time.provider
        let database = try WorkflowDatabase(path: path, options: options)
        // A simulation: the command line runs on it with --now.
        try database.markAsSimulation()
        let engine = Engine(database: database, now: time.provider)
        let worker = Acting("worker:anna")
        try await engine.open(definition, caseID: "lost", fields: ["releaseDate": .date(LocalDate("2026-10-01")!)], by: worker)
        try await engine.open(definition, caseID: "kept", fields: ["releaseDate": .date(LocalDate("2026-11-01")!)], by: worker)
        time.set(milliseconds: at("2026-05-04"))
        try await engine.execute(.fire(event: "contact-lost"), on: "lost", by: worker)

        let report = try BuiltProduct.run("aso-engine", ["report", "--db", path, "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let figures = try #require((json["processes"] as? [[String: Any]])?.first)
        #expect(figures["closedIn"] as? [String: Int] == ["contact-lost": 1])
        let table = try BuiltProduct.run("aso-engine", ["report", "--db", path])
        #expect(table.stdout.contains("cases closed in 'contact-lost'"))

        // Without a reason, and for an open case, reopening is refused with a sentence.
        let open = try BuiltProduct.run("aso-engine", ["reopen", "kept", "--reason", "x", "--db", path, "--now", "2026-06-01"])
        #expect(open.status == 1 && open.stderr.contains("only a closed case can be reopened"))
        let reopened = try BuiltProduct.run(
            "aso-engine", ["reopen", "lost", "--reason", "The client came back.", "--db", path, "--now", "2026-06-01", "--json"])
        #expect(reopened.status == 0, "\(reopened.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(reopened.stdout.utf8)) as? [String: Any])
        #expect(outcome["state"] as? String == "mapping" && outcome["closed"] as? Bool == false)
        let history = try BuiltProduct.run("aso-engine", ["history", "lost", "--db", path])
        #expect(history.stdout.contains("case reopened from the state 'contact-lost': The client came back."))
        let after = try BuiltProduct.run("aso-engine", ["report", "--db", path])
        #expect(after.stdout.contains("cases reopened"))
    }
}
