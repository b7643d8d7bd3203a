import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The README's engine embedding example, compiled and run; the test also checks that
/// the README shows exactly this code.
@Suite("README engine example")
struct EngineReadmeExampleTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test("the engine embedding example runs, and matches the README when the README shows it")
    func engineExample() async throws {
        let directory = try TemporaryDirectory()
        let databasePath = directory.path("cases.sqlite")
        let processesPath = Self.repositoryRoot.appendingPathComponent("processes").path
        // README-BEGIN engine
        let library = ProcessLoader().load(paths: [processesPath])
        guard let vat = library.definition(id: "vat-generic") else {
            fatalError(library.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let database = try WorkflowDatabase(path: databasePath)  // or PostgresCaseStore.open(url:masterKey:)
        let engine = Engine(store: database)  // `now:` injects the clock, e.g. a simulated one
        let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")

        let opened = try await engine.open(
            vat, caseID: "case-42", fields: ["releaseDate": .date(LocalDate("2027-03-01")!)],
            responsibleWorker: "worker:anna", by: anna, commandID: "open-42")
        print(opened.state.state, opened.state.fastTrack ?? "on the normal timeline")

        do {
            try await engine.execute(.fire(event: "meeting-held"), on: "case-42", by: anna)
        } catch let refused as CommandRefused {
            print(refused)  // names the state and the events allowed there; nothing was appended
        }
        try await engine.execute(.giveConsent(parties: ["prison", "adult-social-work"]), on: "case-42", by: anna)
        let done = try await engine.execute(.complete(task: "notify-chair"), on: "case-42", by: anna, commandID: "notify-42")
        print("case-42 is in state \(done.state.state) at version \(done.append.version)")

        for task in try await database.tasks(TaskQuery(caseID: "case-42")) {
            print(task.task, task.role, task.due?.description ?? "no due date")
        }
        // README-END engine
        #expect(done.state.state == "notify")
        let open = try await database.tasks(TaskQuery(caseID: "case-42")).filter { !$0.suspended }.map(\.task).sorted()
        #expect(open == ["collect-advance-information", "contact-wellbeing-county", "invite-adult-social-work", "invite-prison", "prepare-client"])
        #expect(try await database.events.verify().isIntact)

        let readme = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let begin = source.range(of: "// README-BEGIN engine\n")!
        let end = source.range(of: "        // README-END engine")!
        let code = source[begin.upperBound..<end.lowerBound]
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
            .joined(separator: "\n")
        #expect(readme.contains("```swift\nimport WorkflowKit\nimport WorkflowSQLite\n\n" + code + "```"))
    }
}
