import Foundation
import Logging
import PostgresNIO
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// `aso-engine verify --db postgres://…` against someone who can write the database but
/// has no master key: each test changes the log on the real server through an admin
/// connection and runs the built `aso-engine`.
@Suite("PostgreSQL verify", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresVerifyTests {
    static let logger = Logger(label: "tests.postgres.verify")
    static let masterKey = Data(repeating: 5, count: 32).base64EncodedString()
    static let withKey = ["ASO_MASTER_KEY": masterKey, "ASO_MASTER_KEY_FILE": ""]
    static let withoutKey = ["ASO_MASTER_KEY": "", "ASO_MASTER_KEY_FILE": ""]

    /// A log with a case holding personal values (so a case key), made from the command line.
    static func log() throws -> (url: String, schema: String) {
        let url = try PostgresTestServer.freshURL()
        func run(_ arguments: [String], as actor: String) throws {
            let result = try BuiltProduct.run("aso-engine", arguments + ["--db", url, "--actor", actor], environment: withKey)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try run(["principals", "add", "cora", "--organisation", "prison", "--role", "coordinator"], as: "cora")
        try run(["principals", "add", "anna", "--organisation", "prison", "--role", "responsible-worker"], as: "cora")
        try run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-06-23", "--worker", "anna"], as: "anna")
        try run(["record", "vat-1", "--set", "housingWishes=near the sea"], as: "anna")
        let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: withKey)
        #expect(verify.status == 0 && verify.stdout.contains("Every event is authenticated"), "\(verify.stdout)\(verify.stderr)")
        return (url, "\"\(try PostgresLocation(url: url).schema)\"")
    }

    /// The rows `sql` returns, run through an admin connection.
    static func admin(_ sql: String) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        try await withAdmin { admin in
            rows = try await admin.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        }
        return rows
    }

    @Test("verify writes nothing: a schema that holds no log is reported, not created")
    func noLog() async throws {
        let url = try PostgresTestServer.freshURL()
        let schema = try PostgresLocation(url: url).schema
        let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: Self.withoutKey)
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stderr.contains("There is no event log at"), "\(verify.stderr)")
        let created = try await Self.admin("SELECT to_regnamespace('\"\(schema)\"')::text")
        #expect(try created[0].decode(String?.self) == nil)
    }

    @Test("a deleted chain key is a failure naming it: verify writes nothing, and no command makes a new key")
    func deletedChainKey() async throws {
        let (url, schema) = try Self.log()
        #expect(try await Self.admin("DELETE FROM \(schema).chain_key RETURNING id").count == 1)
        for environment in [Self.withKey, Self.withoutKey] {
            let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: environment)
            #expect(verify.status == 1, "\(verify.stdout)")
            #expect(
                verify.stdout.contains("events but no chain key (the row of \(schema).chain_key is missing)"), "\(verify.stdout)")
        }
        #expect(try await Self.admin("SELECT id FROM \(schema).chain_key").isEmpty)
        let cases = try BuiltProduct.run("aso-engine", ["cases", "--db", url, "--actor", "anna"], environment: Self.withKey)
        #expect(cases.status == 1)
        #expect(cases.stderr.contains("events but no chain key (the row of \(schema).chain_key is missing)"), "\(cases.stderr)")
        let refused = await #expect(throws: EventStoreError.self) {
            _ = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))
        }
        #expect(refused?.code == .tampered)
        #expect(try await Self.admin("SELECT id FROM \(schema).chain_key").isEmpty)
    }

    @Test("a deleted case key fails plain verify, with or without the master key")
    func deletedCaseKey() async throws {
        let (url, schema) = try Self.log()
        #expect(try await Self.admin("DELETE FROM \(schema).case_keys WHERE case_id = 'vat-1' RETURNING case_id").count == 1)
        let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: Self.withKey)
        #expect(
            verify.status == 1 && verify.stdout.contains("key is gone with no erasure recorded (deleted outside the engine): vat-1"),
            "\(verify.stdout)")
        let keyless = try BuiltProduct.run("aso-engine", ["verify", "--json", "--db", url], environment: Self.withoutKey)
        #expect(keyless.status == 1 && keyless.stdout.contains("\"missingCaseKeys\":[\"vat-1\"]"), "\(keyless.stdout)")
    }

    @Test("verify reports an event recorded at another time than it was written: a PostgreSQL log is never a simulation")
    func misdatedEvent() async throws {
        let (url, _) = try Self.log()
        // A program writing with its clock set back.
        var options = PostgresEventStore.Options()
        options.now = { 1_577_872_800_000 }  // 2020-01-01T10:00:00Z
        let store = try await PostgresCaseStore.open(url: url, options: options, masterKey: .base64(Self.masterKey))
        let appended = try await store.events.append(
            [try NewEvent(type: "Noted", encoding: ["note": "back-dated"])], to: "vat-1", expected: .any)
        await store.close()
        let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: Self.withKey)
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(
            verify.stdout.hasPrefix(
                "The event log is broken at position \(appended.lastPosition): the event (Noted of 'vat-1') is recorded as of 2020-01-01T10:00:00Z but was written at"),
            "\(verify.stdout)")
    }
}
