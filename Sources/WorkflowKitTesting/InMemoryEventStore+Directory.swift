import Foundation
import Synchronization
import WorkflowKit

extension InMemoryEventStore {
    /// The first store made in each directory that still exists, by the directory's path.
    private static let byDirectory = Mutex<[String: InMemoryEventStore]>([:])

    /// A store for `directory`: over the log of the store made there before, if any, as
    /// a SQLite file opened twice is one log. A log is dropped once its directory is gone.
    static func opened(
        in directory: TemporaryDirectory, now: @escaping @Sendable () -> Int64, upcasters: Upcasters, pageSize: Int
    ) -> InMemoryEventStore {
        byDirectory.withLock { stores in
            stores = stores.filter { FileManager.default.fileExists(atPath: $0.key) }
            if let first = stores[directory.url.path] {
                return InMemoryEventStore(
                    sharingLogOf: first, now: now, upcasters: upcasters, pageSize: pageSize, pollInterval: .milliseconds(20))
            }
            let store = InMemoryEventStore(now: now, upcasters: upcasters, pageSize: pageSize, pollInterval: .milliseconds(20))
            stores[directory.url.path] = store
            return store
        }
    }
}
