import Foundation
import GRDB
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// `aso-engine verify`, run as a real process.
@Suite("aso-engine verify")
struct VerifyCommandTests {
    @Test("an intact log passes; an edited row fails with its position; a missing file is a user error")
    func verify() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        // The master key file is made beside the log, where verify finds it.
        let database = try WorkflowDatabase(path: path)
        for index in 0..<5 {
            try await database.events.append(
                [try NewEvent(type: "Step", encoding: ["index": index])], to: "case-1", expected: .any)
        }

        let intact = try BuiltProduct.run("aso-engine", ["verify", "--db", path])
        #expect(intact.status == 0)
        let lines = intact.stdout.split(separator: "\n")
        #expect(lines.first == "The event log is intact: 5 events checked.")
        #expect(lines.contains("Every event is authenticated with the log's key."), "\(intact.stdout)")
        #expect(lines.last == "All 0 case keys unwrap with the master key.")

        let json = try BuiltProduct.run("aso-engine", ["verify", "--db", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["eventsChecked"] as? Int == 5 && object["intact"] as? Bool == true)
        let head = try #require(object["head"] as? String)
        #expect(head.hasPrefix("5:") && head.count == 2 + 64)
        #expect(lines.contains { $0.hasPrefix("Head: \(head) ") })

        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated")
            try db.execute(sql: "UPDATE events SET type = 'Forged' WHERE position = 3")
        }
        let broken = try BuiltProduct.run("aso-engine", ["verify", "--db", path])
        #expect(broken.status == 1)
        #expect(broken.stdout.hasPrefix("The event log is broken at position 3:"))

        // A log the event store wrote alone has no chain key: nothing in it can be authenticated.
        let bare = try SQLiteEventStore(path: directory.path("bare.sqlite"))
        try await bare.append([try NewEvent(type: "Step", encoding: ["index": 0])], to: "case-1", expected: .any)
        let unauthenticated = try BuiltProduct.run("aso-engine", ["verify", "--db", directory.path("bare.sqlite")])
        #expect(unauthenticated.status == 1)
        #expect(unauthenticated.stdout.hasPrefix("The event log is broken at position 1: the log holds 1 event but no chain key"), "\(unauthenticated.stdout)")

        let missing = try BuiltProduct.run("aso-engine", ["verify", "--db", directory.path("nothing.sqlite")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("There is no event log at"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("nothing.sqlite")))
    }

    @Test("verify --keys checks that every case key unwraps with the master key, and names those that do not")
    func keys() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let key = Data(repeating: 3, count: 32).base64EncodedString()
        let environment = ["ASO_MASTER_KEY": key]
        for id in ["vat-1", "vat-2"] {
            let opened = try BuiltProduct.run(
                "aso-engine", ["open", "vat-generic", "--case", id, "--set", "releaseDate=2027-01-15", "--db", path, "--now", "2026-06-01"],
                environment: environment)
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        let intact = try BuiltProduct.run("aso-engine", ["verify", "--keys", "--db", path], environment: environment)
        #expect(intact.status == 0)
        #expect(intact.stdout.hasSuffix("All 2 case keys unwrap with the master key.\n"), "\(intact.stdout)")

        // A key row wrapped with some other master key (a program that missed a rotation).
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE case_keys SET wrapped = zeroblob(60) WHERE case_id = 'vat-2'")
        }
        let broken = try BuiltProduct.run("aso-engine", ["verify", "--keys", "--db", path, "--json"], environment: environment)
        #expect(broken.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(broken.stdout.utf8)) as? [String: Any])
        #expect(object["intact"] as? Bool == false)
        #expect(object["caseKeysChecked"] as? Int == 2)
        #expect(object["unreadableCaseKeys"] as? [String] == ["vat-2"])
        // Without the master key (nor --keys, which requires it) the case keys are not unwrapped.
        #expect(try BuiltProduct.run("aso-engine", ["verify", "--db", path]).status == 0)
    }
}
