import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The DocC article "Getting started", run: each marked block below is a code block of
/// the article, and the test checks that the article still shows exactly this code.
@Suite("Getting started article")
struct GettingStartedArticleTests {
    static let repositoryRoot = Repository.root(of: #filePath)

    @Test("the article's examples run, in order, and match the article")
    func gettingStarted() async throws {
        let directory = try TemporaryDirectory()
        let databasePath = directory.path("cases.sqlite")
        let processesPath = Self.repositoryRoot.appendingPathComponent("processes").path
        // DOCC-BEGIN open
        let database = try WorkflowDatabase(path: databasePath)
        let engine = Engine(store: database)
        // DOCC-END open
        // DOCC-BEGIN load
        let library = ProcessLoader().load(paths: [processesPath])
        guard let vat = library.definition(id: "vat-generic") else {
            for diagnostic in library.diagnostics { print(diagnostic) }
            fatalError("The process 'vat-generic' did not load.")
        }
        // DOCC-END load
        // DOCC-BEGIN case
        let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
        let opened = try await engine.open(
            vat, caseID: "case-7", fields: ["releaseDate": .date(LocalDate("2027-05-26")!)],
            responsibleWorker: "worker:anna", by: anna, commandID: "open-case-7")
        print(opened.state.state)  // "mapping", or "fast-mapping" within two months of the release
        // DOCC-END case
        // DOCC-BEGIN command
        let consented = try await engine.execute(
            .giveConsent(parties: ["prison", "adult-social-work"]), on: "case-7", by: anna, commandID: "consent-case-7")
        print(consented.state.state, consented.events.map(\.typeName))

        do {
            try await engine.execute(.complete(task: "no-such-task"), on: "case-7", by: anna)
        } catch let refused as CommandRefused {
            print(refused.code, refused)  // nothing was appended
        }
        // DOCC-END command
        // DOCC-BEGIN tasks
        for task in try await database.tasks(TaskQuery(caseID: "case-7")) {
            print(task.task, task.role, task.due?.description ?? "no due date")
        }
        for summary in try await database.cases(process: "vat-generic") {
            print(summary.id, summary.state, summary.openTasks)
        }
        // DOCC-END tasks
        #expect(["mapping", "fast-mapping"].contains(opened.state.state))
        #expect(consented.state.state == "notify")
        #expect(try await database.cases().map(\.id) == ["case-7"])
        #expect(try await database.tasks(TaskQuery(caseID: "case-7")).isEmpty == false)
        #expect(try await database.events.version(of: "case-7") == consented.append.version)

        let article = try String(
            contentsOf: Self.repositoryRoot.appendingPathComponent("Sources/WorkflowKit/WorkflowKit.docc/GettingStarted.md"),
            encoding: .utf8)
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        for block in ["open", "load", "case", "command", "tasks"] {
            let begin = try #require(source.range(of: "// DOCC-BEGIN \(block)\n"))
            let end = try #require(source.range(of: "        // DOCC-END \(block)"))
            let code = source[begin.upperBound..<end.lowerBound]
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
                .joined(separator: "\n")
            let shown = "```swift\n" + (block == "open" ? "import WorkflowKit\nimport WorkflowSQLite\n\n" : "") + code + "```"
            #expect(article.contains(shown), "the article does not show the block '\(block)' as the test runs it")
        }
    }
}
