import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// What only the PostgreSQL log has: its URL, its triggers, its head row, its timeouts
/// and what happens when connections are cut. (The contract every store keeps is in the
/// conformance suite, which runs against PostgreSQL too.)
@Suite("PostgreSQL event log", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresEventStoreTests {
    private func events(_ count: Int) throws -> [NewEvent] {
        try (0..<count).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
    }

    private func options(_ change: (inout PostgresEventStore.Options) -> Void = { _ in }) -> PostgresEventStore.Options {
        var options = PostgresEventStore.Options()
        options.pollInterval = .milliseconds(50)
        change(&options)
        return options
    }

    @Test("URLs: host and port, a Unix socket folder, the schema; bad ones named")
    func urls() throws {
        let plain = try PostgresLocation(url: "postgres://aso:secret@db.example.fi:6543/cases?schema=aso&sslmode=require", environment: [:])
        #expect(plain.host == "db.example.fi" && plain.port == 6543 && plain.database == "cases")
        #expect(plain.user == "aso" && plain.password == "secret" && plain.schema == "aso" && plain.tls == .require)
        #expect(plain.socketFolder == nil)
        #expect(!plain.description.contains("secret"))
        let socket = try PostgresLocation(url: "postgresql:///cases?host=/run/postgresql", environment: ["USER": "anna"])
        #expect(socket.socketFolder == "/run/postgresql" && socket.user == "anna" && socket.database == "cases")
        #expect(try PostgresLocation(url: "postgres://x@h/d", environment: ["PGPASSWORD": "p"]).password == "p")
        #expect(try PostgresLocation(url: "postgres://x@h/d?application_name=aso-daemon-1", environment: [:]).applicationName == "aso-daemon-1")
        #expect(try PostgresLocation(url: "postgres://x@h/d", environment: ["PGAPPNAME": "from-env"]).applicationName == "from-env")
        #expect(try PostgresLocation(url: "postgres://x@h/d", environment: [:]).applicationName == nil)

        for (url, words) in [
            ("mysql://h/d", "is not a PostgreSQL URL"),
            ("postgres://h:99999/d", "port"),
            ("postgres://h/d?schema=Robert'); DROP", "is not a plain identifier"),
            ("postgres://h/d?sslmode=sometimes", "sslmode"),
            ("postgres://h/d?colour=red", "unknown parameter 'colour'"),
            ("postgres://h/d?application_name=tab%09name", "application_name"),
            ("postgres://h/d?application_name=" + String(repeating: "a", count: 64), "1 to 63 printable ASCII"),
        ] {
            let error = #expect(throws: EventStoreError.self) { try PostgresLocation(url: url, environment: [:]) }
            #expect(error?.code == .invalidName)
            #expect(error?.message.contains(words) == true, "\(url): \(error?.message ?? "")")
        }
        #expect(PostgresLocation.redacted("postgres://u:pw@h/d") == "postgres://u:***@h/d")
    }

    @Test("an unreachable server is a clear storage error naming the log, not a hang")
    func unreachable() async throws {
        let error = await #expect(throws: EventStoreError.self) {
            _ = try await PostgresEventStore.open(url: "postgres://nobody@127.0.0.1:1/none")
        }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("postgres://nobody@127.0.0.1:1/none") == true)
    }

    @Test("several processes opening a new log at once create it once")
    func concurrentOpen() async throws {
        let url = try PostgresTestServer.freshURL()
        let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
            for _ in 0..<6 { group.addTask { try await PostgresEventStore.open(url: url, options: self.options()) } }
            var stores: [PostgresEventStore] = []
            for try await store in group { stores.append(store) }
            return stores
        }
        try await stores[0].append(events(2), to: "a", expected: .noStream)
        #expect(try await stores[5].lastPosition() == 2)
        for store in stores { await store.close() }
    }

    @Test("the log is append-only: UPDATE, DELETE and TRUNCATE are refused by triggers; a log without them is refused")
    func appendOnly() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await PostgresEventStore.open(url: url, options: options())
        try await store.append(events(3), to: "case-1", expected: .noStream)
        let schema = try PostgresLocation(url: url).schema
        try await withAdmin { admin in
            for statement in [
                "UPDATE \"\(schema)\".events SET type = 'Forged' WHERE position = 2",
                "DELETE FROM \"\(schema)\".events WHERE position = 3",
                "TRUNCATE \"\(schema)\".events",
            ] {
                do {
                    try await admin.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger)
                    Issue.record("\(statement) was not refused")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.message]?.contains("the event log is append-only") == true)
                }
            }
        }
        #expect(try await store.verify().isIntact)
        #expect(try await store.lastPosition() == 3)

        // Someone with the database's owner rights disables the triggers and rewrites an event.
        try await withAdmin { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "ALTER TABLE \"\(schema)\".events DISABLE TRIGGER events_are_never_updated"), logger: Self.logger)
            try await admin.query(PostgresQuery(unsafeSQL: "UPDATE \"\(schema)\".events SET type = 'Forged' WHERE position = 2"), logger: Self.logger)
        }
        let report = try await store.verify()
        #expect(!report.isIntact)
        #expect(report.firstBrokenPosition == 2)
        let refused = await #expect(throws: EventStoreError.self) {
            _ = try await PostgresEventStore.open(url: url, options: self.options())
        }
        #expect(refused?.code == .tampered)
        #expect(refused?.message.contains("events_are_never_updated") == true)
        await store.close()
    }

    @Test("events removed behind the head row are found by verify")
    func headRow() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await PostgresEventStore.open(url: url, options: options())
        try await store.append(events(4), to: "case-1", expected: .noStream)
        let schema = try PostgresLocation(url: url).schema
        try await withAdmin { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "UPDATE \"\(schema)\".log_head SET position = 9"), logger: Self.logger)
        }
        let report = try await store.verify()
        #expect(!report.isIntact)
        #expect(report.problem?.contains("log head records position 9") == true)
        await store.close()
    }

    @Test("a failed COMMIT says its outcome is unknown; retrying with the same command id applies it once")
    func connectionCutAtCommit() async throws {
        let url = try PostgresTestServer.freshURL()
        let cut = Cut()
        let name = "aso-cut-\(UUID().uuidString.prefix(8))"
        let store = try await PostgresEventStore.open(url: url, options: options { options in
            options.applicationName = name
            options.beforeCommit = { _ in
                guard cut.take() else { return }
                // The appender's own session is ended by another, just before its COMMIT.
                try? await withAdmin { admin in
                    try await admin.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(name) AND state = 'idle in transaction'",
                        logger: Self.logger)
                }
            }
        })
        let metadata = EventMetadata(commandID: "cmd-cut")
        let batch = try events(3)
        let error = await #expect(throws: EventStoreError.self) {
            try await store.append(batch, to: "case-1", expected: .noStream, metadata: metadata)
        }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("retry it with the same command id") == true, "\(error?.message ?? "")")
        // The session was ended before COMMIT reached the server: nothing is there.
        #expect(try await store.lastPosition() == 0)

        let retried = try await store.append(batch, to: "case-1", expected: .noStream, metadata: metadata)
        #expect(retried.firstPosition == 1 && retried.lastPosition == 3 && !retried.wasAlreadyApplied)
        let again = try await store.append(batch, to: "case-1", expected: .noStream, metadata: metadata)
        #expect(again.wasAlreadyApplied)
        #expect(try await store.verify().isIntact)
        await store.close()
    }

    @Test("a subscription survives its listener's connection being terminated", .timeLimit(.minutes(1)))
    func listenerTerminated() async throws {
        let url = try PostgresTestServer.freshURL()
        let name = "aso-follower-\(UUID().uuidString.prefix(8))"
        // Its poll is too slow to matter: only a reconnected listener delivers the second batch.
        let follower = try await PostgresEventStore.open(url: url, options: options {
            $0.pollInterval = .seconds(3600)
            $0.applicationName = name
        })
        let writer = try await PostgresEventStore.open(url: url, options: options())
        let received = try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var positions: [Int64] = []
                for try await event in follower.follow(after: 0) {
                    positions.append(event.position)
                    if positions.count == 4 { break }
                }
                return positions
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                try await writer.append(self.events(2), to: "a", expected: .any)
                // End the follower's listening session, its wake-up connection, once it is
                // there (a loaded machine may take a while to open it).
                try await withAdmin { admin in
                    // The follower's listening sessions, but `other`.
                    func listeners(other: Int32 = 0) async throws -> [Int32] {
                        var pids: [Int32] = []
                        for try await pid in try await admin.query(
                            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND application_name = \(name) AND pid <> \(other)",
                            logger: Self.logger
                        ).decode(Int32.self) {
                            pids.append(pid)
                        }
                        return pids
                    }
                    var listening: [Int32] = []
                    for _ in 0..<200 where listening.isEmpty {
                        listening = try await listeners()
                        if listening.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    #expect(listening.count == 1)
                    let terminated = try #require(listening.first)
                    _ = try await admin.query("SELECT pg_terminate_backend(\(terminated))", logger: Self.logger).collect()
                    // The second batch is appended once the listener is back, on a connection of its own.
                    var back: [Int32] = []
                    for _ in 0..<200 where back.isEmpty {
                        back = try await listeners(other: terminated)
                        if back.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    #expect(back.count == 1, "the listener did not come back")
                }
                try await writer.append(self.events(2), to: "a", expected: .any)
                return []
            }
            var all: [Int64] = []
            for try await positions in group { all += positions }
            return all
        }
        #expect(received == [1, 2, 3, 4])
        await follower.close()
        await writer.close()
    }

    @Test("an appender stalled inside the head lock is ended by the server; the others go on", .timeLimit(.minutes(1)))
    func stalledAppender() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await PostgresEventStore.open(url: url, options: options { $0.lockTimeout = .seconds(20) })
        let stalled = try ChildProcess(
            "eventlog-worker", ["stall", "--db", url, "--stall-ms", "60000", "--idle-timeout-ms", "1500"])
        #expect(try await stalled.waitForLine { $0 == "stalling" } != nil)
        // The stall (60 s) outlasts this append's lock timeout (20 s): it gets the head only
        // because the server ended the stalled session.
        let result = try await store.append(events(1), to: "other", expected: .noStream)
        #expect(result.firstPosition == 1, "the stalled append's positions were never committed")
        stalled.kill()
        _ = stalled.finish()
        #expect(try await store.version(of: "stalled") == 0)
        #expect(try await store.verify().isIntact)

        // A lock_timeout shorter than the stall: the waiting append fails, saying why.
        let second = try ChildProcess(
            "eventlog-worker", ["stall", "--db", url, "--stream", "stalled-2", "--stall-ms", "60000", "--idle-timeout-ms", "60000"])
        #expect(try await second.waitForLine { $0 == "stalling" } != nil)
        let impatient = try await PostgresEventStore.open(url: url, options: options { $0.lockTimeout = .milliseconds(500) })
        let error = await #expect(throws: EventStoreError.self) {
            try await impatient.append(self.events(1), to: "impatient", expected: .noStream)
        }
        #expect(error?.message.contains("held the log head longer than lock_timeout") == true, "\(error?.message ?? "")")
        second.kill()
        _ = second.finish()
        await impatient.close()
        await store.close()
    }

    // MARK: - Helpers

    static let logger = Logger(label: "tests.postgres")

    /// A one-shot switch.
    final class Cut: Sendable {
        private let state = Mutex(true)
        func take() -> Bool { state.withLock { value in defer { value = false }; return value } }
    }
}

/// Runs `body` on a connection of its own to the test server.
func withAdmin(_ body: (PostgresConnection) async throws -> Void) async throws {
    let location = try PostgresLocation(url: PostgresTestServer.baseURL())
    let configuration = PostgresConnection.Configuration(
        host: location.host, port: location.port, username: location.user, password: location.password,
        database: location.database, tls: .disable)
    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: PostgresEventStoreTests.logger)
    do {
        try await body(connection)
    } catch {
        try? await connection.close()
        throw error
    }
    try await connection.close()
}
