import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// `aso-engine report` over cases built through the library with a simulated clock.
@Suite("aso-engine report")
struct ReportCommandTests {
    static let processes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("processes").path

    @Test("counts cases opened and closed, fast track, tasks on time and late, and the reported outcomes")
    func outcomes() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let definition = try #require(ProcessLoader().load(paths: [Self.processes]).definition(id: "vat-generic"))
        let calendar = FinnishCalendar()
        func at(_ date: String) -> Int64 { Int64(calendar.instant(LocalDate(date)!, hour: 9, minute: 0).timeIntervalSince1970 * 1000) }
        let time = ManualTime(milliseconds: at("2026-03-02"))
        var options = SQLiteEventStore.Options()
        options.now = time.provider
        let engine = Engine(database: try WorkflowDatabase(path: path, options: options), now: time.provider)
        let worker = Acting("worker:anna")
        // One case in good time, one on the fast track, one opened later (outside the period).
        try await engine.open(definition, caseID: "a", fields: ["releaseDate": .date(LocalDate("2026-10-01")!)], by: worker)
        try await engine.open(definition, caseID: "b", fields: ["releaseDate": .date(LocalDate("2026-04-01")!)], by: worker)
        time.set(milliseconds: at("2026-04-10"))
        try await engine.execute(.complete(task: "map-housing"), on: "a", by: worker)  // on time
        try await engine.execute(.complete(task: "map-housing-fast"), on: "b", by: worker)  // late (due 2026-03-09)
        try await engine.execute(.giveConsent(parties: ["prison", "adult-social-work"]), on: "b", by: worker)
        try await engine.execute(.fire(event: "meeting-held"), on: "b", by: worker)
        try await engine.execute(
            .complete(task: "agree-actions", outcomes: ["housingForm": .text("supported"), "supportLinked": .bool(true)]), on: "b", by: worker)
        try await engine.execute(.fire(event: "client-declined"), on: "a", by: worker)
        time.set(milliseconds: at("2026-08-03"))
        try await engine.open(definition, caseID: "c", fields: ["releaseDate": .date(LocalDate("2027-03-01")!)], by: worker)

        let result = try BuiltProduct.run("aso-engine", ["report", "--db", path, "--from", "2026-01-01", "--to", "2026-06-30", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let figures = try #require((json["processes"] as? [[String: Any]])?.first)
        #expect(figures["process"] as? String == "vat-generic")
        #expect(figures["casesOpened"] as? Int == 2)
        #expect(figures["fastTracked"] as? Int == 1)
        #expect(figures["casesClosed"] as? Int == 1)
        #expect(figures["tasksOnTime"] as? Int == 2)
        #expect(figures["tasksLate"] as? Int == 1)
        let values = try #require(figures["values"] as? [String: [String: Int]])
        #expect(values["housingForm"] == ["supported": 1])
        #expect(values["supportLinked"] == ["yes": 1])

        let table = try BuiltProduct.run("aso-engine", ["report", "--db", path])
        #expect(table.status == 0)
        #expect(table.stdout.contains("cases opened") && table.stdout.contains("3"))
    }
}
