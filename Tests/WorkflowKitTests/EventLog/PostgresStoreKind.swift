import Foundation
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// The PostgreSQL log in the conformance suite: each test's log in a schema of its own
/// on the server the test command started. Absent only when ASO_SKIP_POSTGRES=1.
enum PostgresStoreKind {
    static let postgres = EventStoreKind(description: "PostgreSQL") { directory, upcasters, now, pageSize in
        var options = PostgresEventStore.Options()
        options.upcasters = upcasters
        options.now = now
        options.pageSize = pageSize
        options.pollInterval = .milliseconds(20)
        return try await PostgresEventStore.open(url: PostgresTestServer.url(for: directory), options: options)
    }

    static var kinds: [EventStoreKind] {
        if PostgresTestServer.isSkipped {
            print("PostgreSQL conformance: SKIPPED (ASO_SKIP_POSTGRES=1)")
            return []
        }
        return [postgres]
    }
}
