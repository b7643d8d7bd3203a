import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// The case-work commands with `--db postgres://…`, run as a user would: the same
/// commands, answers and access rules as on a SQLite file.
@Suite("aso-engine on PostgreSQL", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresCommandLineTests {
    static let masterKey = Data(repeating: 3, count: 32).base64EncodedString()

    func run(_ arguments: [String], as actor: String, url: String) throws -> ProcessOutput {
        try BuiltProduct.run(
            "aso-engine", arguments + ["--db", url, "--actor", actor], environment: ["ASO_MASTER_KEY": Self.masterKey])
    }

    @Test("a case opened, worked on, read and erased from the command line, with the directory's access rules")
    func caseWork() async throws {
        let url = try PostgresTestServer.freshURL()
        for arguments in [
            ["cora", "--organisation", "community-sanctions-office", "--role", "coordinator"],
            ["anna", "--organisation", "prison", "--role", "responsible-worker"],
            ["lisa", "--organisation", "landlord", "--role", "housing-worker"],
        ] {
            let added = try run(["principals", "add"] + arguments, as: "cora", url: url)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let stranger = try run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-06-23"], as: "mallory", url: url)
        #expect(stranger.status == 1 && stranger.stderr.contains("'mallory' is not in the directory of principals"), "\(stranger.stderr)")
        let opened = try run(
            ["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-06-23", "--worker", "anna"], as: "anna", url: url)
        #expect(opened.status == 0 && opened.stdout == "vat-1\n", "\(opened.stderr)")
        let recorded = try run(["record", "vat-1", "--set", "housingWishes=near the sea"], as: "anna", url: url)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let completed = try run(["complete", "vat-1", "map-housing"], as: "anna", url: url)
        #expect(completed.status == 0 && completed.stdout.contains("completed"), "\(completed.stderr)")

        let shown = try run(["show", "vat-1"], as: "anna", url: url)
        #expect(shown.status == 0 && shown.stdout.contains("near the sea") && shown.stdout.contains("ask-consent"), "\(shown.stderr)")
        // Not revealed to the landlord without consent, as on SQLite.
        let hidden = try run(["show", "vat-1"], as: "lisa", url: url)
        #expect(hidden.status == 1 && hidden.stderr == "Case 'vat-1' does not exist.\n", "\(hidden.stderr)")
        #expect(try run(["cases"], as: "anna", url: url).stdout.contains("vat-1"))
        #expect(!(try run(["cases"], as: "lisa", url: url).stdout.contains("vat-1")))
        #expect(try run(["tasks", "--case", "vat-1"], as: "anna", url: url).stdout.contains("ask-consent"))
        let history = try run(["history", "vat-1"], as: "anna", url: url)
        #expect(history.status == 0 && history.stdout.contains("TaskCompleted"), "\(history.stdout)")
        let accessLog = try run(["access-log", "vat-1"], as: "anna", url: url)
        #expect(accessLog.status == 0 && accessLog.stdout.contains("show"), "\(accessLog.stdout)")
        #expect(try run(["principals", "refusals"], as: "cora", url: url).stdout.contains("lisa"))

        let closed = try run(["close", "vat-1", "--reason", "moved away"], as: "anna", url: url)
        #expect(closed.status == 0, "\(closed.stderr)")
        let byWorker = try run(["erase", "vat-1", "--reason", "asked by the client"], as: "anna", url: url)
        #expect(byWorker.status == 1 && byWorker.stderr.contains("needs the role 'coordinator'"), "\(byWorker.stderr)")
        let erased = try run(["erase", "vat-1", "--reason", "asked by the client"], as: "cora", url: url)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(!(try run(["show", "vat-1"], as: "anna", url: url).stdout.contains("near the sea")))

        // The log is one tamper-evident record on the server too.
        let store = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))
        #expect(try await store.verify().isIntact)
        #expect(try await store.caseKey(for: "vat-1") == nil)
        await store.close()
    }

    @Test("refused on PostgreSQL, with the reason: --now, a command that needs the SQLite file, no master key; rebuild runs")
    func refusals() throws {
        let url = try PostgresTestServer.freshURL()
        let simulated = try run(["open", "vat-generic", "--set", "releaseDate=2027-06-23", "--now", "2026-06-01"], as: "anna", url: url)
        #expect(simulated.status == 1 && simulated.stderr.contains("Leave out --now"), "\(simulated.stderr)")
        let rotate = try run(["rotate-master-key", "--new-key-file", "/tmp/unused-\(UUID()).key"], as: "anna", url: url)
        #expect(rotate.status == 1 && rotate.stderr.contains("this command does not work on one yet"), "\(rotate.stderr)")
        // rebuild, report and diff take it.
        let rebuilt = try run(["rebuild"], as: "anna", url: url)
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("Rebuilt the projections"), "\(rebuilt.stderr)")
        let noKey = try BuiltProduct.run(
            "aso-engine", ["cases", "--db", url], environment: ["ASO_MASTER_KEY": "", "ASO_MASTER_KEY_FILE": ""])
        #expect(noKey.status == 1 && noKey.stderr.contains("no master key is configured"), "\(noKey.stderr)")
    }
}
