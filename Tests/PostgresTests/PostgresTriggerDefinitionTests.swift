import Foundation
import Logging
import PostgresNIO
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// The PostgreSQL log's append-only triggers are checked by what they do, not by name:
/// each change is made on the real server as its owner would, and the built `aso-engine
/// verify` run against it.
@Suite("PostgreSQL trigger definitions", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresTriggerDefinitionTests {
    static let logger = Logger(label: "tests.postgres.triggers")

    @Test(
        "a same-named trigger or function that does nothing, a trigger set to fire only in replica mode, or another trigger on the events table fails verify and is refused",
        arguments: [
            "DROP TRIGGER events_are_never_updated ON %events\nCREATE TRIGGER events_are_never_updated BEFORE UPDATE ON %events FOR EACH ROW WHEN (false) EXECUTE FUNCTION %schema.refuse_changing_events()",
            "CREATE OR REPLACE FUNCTION %schema.refuse_changing_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "ALTER TABLE %events ENABLE REPLICA TRIGGER events_are_never_deleted",
            "DROP TRIGGER events_are_never_updated ON %events\nCREATE TRIGGER events_are_never_updated BEFORE UPDATE OF type ON %events FOR EACH ROW EXECUTE FUNCTION %schema.refuse_changing_events()",
            "CREATE TRIGGER events_audit AFTER INSERT ON %events FOR EACH ROW EXECUTE FUNCTION %schema.refuse_changing_events()",
        ])
    func changedTriggers(change: String) async throws {
        let url = try PostgresTestServer.freshURL()
        // As the engine writes it: a log with events and no chain key fails verify anyway.
        let store = try await PostgresCaseStore.open(url: url, masterKey: .base64(Data(repeating: 7, count: 32).base64EncodedString()))
        try await store.events.append([try NewEvent(type: "Step", encoding: ["index": 1])], to: "case-1", expected: .noStream)
        await store.close()
        #expect(try BuiltProduct.run("aso-engine", ["verify", "--db", url]).status == 0)

        let schema = "\"\(try PostgresLocation(url: url).schema)\""
        let sql = change.replacingOccurrences(of: "%events", with: "\(schema).events").replacingOccurrences(of: "%schema", with: schema)
        try await withAdmin { admin in
            for statement in sql.split(separator: "\n") {
                try await admin.query(PostgresQuery(unsafeSQL: String(statement)), logger: Self.logger)
            }
        }
        let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url])
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stdout.contains("the append-only triggers are not the engine's ("), "\(verify.stdout)")
        let refused = await #expect(throws: EventStoreError.self) {
            _ = try await PostgresEventStore.open(url: url)
        }
        #expect(refused?.code == .tampered)
        #expect(refused?.message.contains("has lost or changed its append-only triggers") == true, "\(refused?.message ?? "")")
    }
}
