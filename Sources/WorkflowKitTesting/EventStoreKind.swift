public import WorkflowKit
import WorkflowSQLite

/// The event stores the conformance suite runs against; a new store joins the suite
/// by adding a case here.
public struct EventStoreKind: Sendable, CustomStringConvertible, CaseIterable {
    public var description: String
    private let make: @Sendable (TemporaryDirectory, Upcasters, @escaping @Sendable () -> Int64, Int) async throws -> any EventStore

    /// A kind of store, made by `make` from the test's folder, upcasters, clock and page size.
    public init(
        description: String,
        make: @escaping @Sendable (TemporaryDirectory, Upcasters, @escaping @Sendable () -> Int64, Int) async throws -> any EventStore
    ) {
        self.description = description
        self.make = make
    }

    /// SQLite with `synchronous=FULL` (the default).
    public static let sqliteFull = EventStoreKind(description: "SQLite (synchronous=FULL)") { directory, upcasters, now, pageSize in
        var options = SQLiteEventStore.Options()
        options.upcasters = upcasters
        options.now = now
        options.pageSize = pageSize
        options.pollInterval = .milliseconds(20)
        return try SQLiteEventStore(path: directory.path("events.sqlite"), options: options)
    }

    /// SQLite with `synchronous=NORMAL`.
    public static let sqliteNormal = EventStoreKind(description: "SQLite (synchronous=NORMAL)") { directory, upcasters, now, pageSize in
        var options = SQLiteEventStore.Options()
        options.synchronous = .normal
        options.upcasters = upcasters
        options.now = now
        options.pageSize = pageSize
        options.pollInterval = .milliseconds(20)
        return try SQLiteEventStore(path: directory.path("events.sqlite"), options: options)
    }

    /// ``InMemoryEventStore``. Made twice in one directory, it shares one log, as a SQLite
    /// file opened twice does.
    public static let inMemory = EventStoreKind(description: "in memory") { directory, upcasters, now, pageSize in
        InMemoryEventStore.opened(in: directory, now: now, upcasters: upcasters, pageSize: pageSize)
    }

    public static let allCases: [EventStoreKind] = [.sqliteFull, .sqliteNormal, .inMemory]

    /// A new, empty store in `directory`. A small page size makes every read cross pages.
    public func makeStore(
        in directory: TemporaryDirectory, upcasters: Upcasters = Upcasters(),
        now: @escaping @Sendable () -> Int64 = ManualTime().provider, pageSize: Int = 7
    ) async throws -> any EventStore {
        try await make(directory, upcasters, now, pageSize)
    }
}
