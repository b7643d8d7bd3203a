import Foundation
import GRDB
import Testing
import WorkflowKit
import WorkflowKitTesting

/// `aso-engine verify`, run as a real process.
@Suite("aso-engine verify")
struct VerifyCommandTests {
    @Test("an intact log passes; an edited row fails with its position; a missing file is a user error")
    func verify() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let store = try SQLiteEventStore(path: path)
        for index in 0..<5 {
            try await store.append(
                [try NewEvent(type: "Step", encoding: ["index": index])], to: "case-1", expected: .any)
        }

        let intact = try BuiltProduct.run("aso-engine", ["verify", "--db", path])
        #expect(intact.status == 0)
        #expect(intact.stdout == "The event log is intact: 5 events checked.\n")

        let json = try BuiltProduct.run("aso-engine", ["verify", "--db", path, "--json"])
        #expect(json.stdout == #"{"eventsChecked":5,"intact":true}"# + "\n")

        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated")
            try db.execute(sql: "UPDATE events SET type = 'Forged' WHERE position = 3")
        }
        let broken = try BuiltProduct.run("aso-engine", ["verify", "--db", path])
        #expect(broken.status == 1)
        #expect(broken.stdout.hasPrefix("The event log is broken at position 3:"))

        let missing = try BuiltProduct.run("aso-engine", ["verify", "--db", directory.path("nothing.sqlite")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("There is no event log at"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("nothing.sqlite")))
    }
}
