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

    /// The rows the last of `sql`'s statements (one a line, each ending with `;` but the
    /// last) returns, run in one admin session.
    static func admin(_ sql: String) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        try await withAdmin { admin in
            for statement in sql.components(separatedBy: ";\n") {
                rows = try await admin.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
            }
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

    @Test("every authentication removed fails verify, with or without the master key: the log records that its events are authenticated from position 1")
    func strippedAuthentication() async throws {
        let (url, schema) = try Self.log()
        // The hash chain does not cover the authentications: removing them leaves it intact.
        _ = try await Self.admin(
            """
            SET session_replication_role = replica;
            UPDATE \(schema).events SET mac = NULL;
            UPDATE \(schema).log_head SET authenticated = false;
            SET session_replication_role = origin
            """)
        for environment in [Self.withKey, Self.withoutKey] {
            let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: environment)
            #expect(verify.status == 1, "\(verify.stdout)")
            #expect(
                verify.stdout.hasPrefix(
                    "The event log is broken at position 1: the event carries no authentication, though the log authenticates every event from position 1 on"),
                "\(verify.stdout)")
        }
    }

    @Test("the record of where the authentication begins, removed or moved, fails verify; removed, it is refused by every command")
    func changedStart() async throws {
        let (url, schema) = try Self.log()
        _ = try await Self.admin("UPDATE \(schema).chain_key SET authenticated_from = 3")
        let moved = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: Self.withKey)
        #expect(
            moved.status == 1
                && moved.stdout.contains(
                    "The event log is broken at position 3: the record that the log authenticates its events from position 3 on does not match the log"),
            "\(moved.stdout)")
        _ = try await Self.admin("UPDATE \(schema).chain_key SET authenticated_from = NULL, authenticated_from_mac = NULL")
        for environment in [Self.withKey, Self.withoutKey] {
            let verify = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: environment)
            #expect(
                verify.status == 1
                    && verify.stdout.contains(
                        "the log no longer records from which position its events are authenticated (the row of \(schema).chain_key lost it)"),
                "\(verify.stdout)")
        }
        let cases = try BuiltProduct.run("aso-engine", ["cases", "--db", url, "--actor", "anna"], environment: Self.withKey)
        #expect(cases.status == 1 && cases.stderr.contains("no longer records from which position its events are authenticated"), "\(cases.stderr)")
        #expect(try await Self.admin("SELECT authenticated_from FROM \(schema).chain_key")[0].decode(Int64?.self) == nil)
    }

    @Test("a log an earlier version wrote verifies; the first command that opens it records where its authentication begins, verify never does")
    func earlierVersion() async throws {
        let (url, schema) = try Self.log()
        // As a version before 2026-12-08 left it: no record, and the migration that adds it not applied.
        _ = try await Self.admin(
            """
            ALTER TABLE \(schema).chain_key DROP COLUMN authenticated_from, DROP COLUMN authenticated_from_mac, DROP COLUMN simulation;
            DELETE FROM \(schema).schema_migrations WHERE id = '2026-12-08-chain-key-authenticated-from'
            """)
        let column = "SELECT count(*) FROM information_schema.columns WHERE table_schema = '\(try PostgresLocation(url: url).schema)' AND column_name = 'authenticated_from'"
        let before = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: Self.withKey)
        #expect(before.status == 0, "\(before.stdout)")
        #expect(try await Self.admin(column)[0].decode(Int64.self) == 0)
        let cases = try BuiltProduct.run("aso-engine", ["cases", "--db", url, "--actor", "anna"], environment: Self.withKey)
        #expect(cases.status == 0, "\(cases.stderr)")
        #expect(try await Self.admin("SELECT authenticated_from FROM \(schema).chain_key")[0].decode(Int64?.self) == 1)
        _ = try await Self.admin(
            """
            SET session_replication_role = replica;
            UPDATE \(schema).events SET mac = NULL;
            UPDATE \(schema).log_head SET authenticated = false;
            SET session_replication_role = origin
            """)
        let stripped = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: Self.withoutKey)
        #expect(stripped.status == 1 && stripped.stdout.contains("though the log authenticates every event from position 1 on"), "\(stripped.stdout)")
    }

    @Test("a program without the master key cannot append to a log that authenticates its events, even before its first event")
    func appendWithoutKey() async throws {
        let url = try PostgresTestServer.freshURL()
        await (try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))).close()
        let store = try await PostgresEventStore.open(url: url)
        let refused = await #expect(throws: EventStoreError.self) {
            try await store.append([try NewEvent(type: "Step", encoding: ["index": 1])], to: "case-1", expected: .noStream)
        }
        await store.close()
        #expect(refused?.code == .unauthenticated)
        #expect(try await Self.admin("SELECT count(*) FROM \"\(try PostgresLocation(url: url).schema)\".events")[0].decode(Int64.self) == 0)
    }
}
