import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting
import PostgresNIO
import WorkflowPostgres

/// docs/deployment.md says what the PostgreSQL log does; these keep it true.
@Suite("docs/deployment.md")
struct DeploymentDocumentationTests {
    let text: String

    init() throws {
        text = try String(contentsOf: Repository.root(of: #filePath).appendingPathComponent("docs/deployment.md"), encoding: .utf8)
    }

    @Test("every PostgreSQL URL it shows is read as it says")
    func urls() throws {
        let urls = text.split(whereSeparator: \.isWhitespace)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'(),`:;")) }
            .filter(PostgresLocation.isURL)
        #expect(urls.count >= 5)
        for url in urls {
            #expect(throws: Never.self, "\(url)") { try PostgresLocation(url: url, environment: [:]) }
        }
        let socket = try PostgresLocation(url: "postgresql:///cases?host=/var/run/postgresql", environment: ["USER": "aso"])
        #expect(socket.socketFolder == "/var/run/postgresql")
        #expect(try PostgresLocation(url: "postgres://aso@db/cases", environment: [:]).schema == "public")
        #expect(try PostgresLocation(url: "postgres://aso@db/cases", environment: [:]).tls == .prefer)
    }

    @Test("the defaults it names are the store's")
    func defaults() {
        let options = PostgresEventStore.Options()
        #expect(options.lockTimeout == .seconds(10) && text.contains("`lock_timeout` (default 10 s)"))
        #expect(options.idleInTransactionTimeout == .seconds(5) && text.contains("`idle_in_transaction_session_timeout` (default 5 s)"))
        #expect(options.pollInterval == .milliseconds(250) && text.contains("poll (default every 250 ms)"))
        #expect(options.appendDeadline == .seconds(60) && text.contains("`appendDeadline` (default 60 s)"))
    }

    @Test("the tables it lists are the ones the store creates", .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
    func tables() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await PostgresEventStore.open(url: url)
        await store.close()
        let schema = try PostgresLocation(url: url).schema
        var names: [String] = []
        try await withAdmin { admin in
            let rows = try await admin.query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = \(schema) ORDER BY 1", logger: PostgresEventStoreTests.logger
            ).collect()
            names = try rows.map { try $0.decode(String.self) }
        }
        #expect(names == ["checkpoints", "commands", "events", "log_head", "schema_migrations"])
        #expect(text.contains("`events`, `log_head`, `commands`,\n  `checkpoints`, `schema_migrations`"))
    }
}
