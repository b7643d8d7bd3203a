import Processes
import Synchronization
import WorkflowKit

/// The outcome reports built for `/outcomes`, kept while the log has not grown: a report
/// is built from the log up to its last position, and the same period and process asked
/// again at the same position is answered from here. The report holds no words of any
/// language, so one entry serves every language. Entries of an earlier position are
/// dropped when a report of a later one is kept.
final class OutcomeReportCache: Sendable {
    struct Key: Hashable {
        /// The last position of the log the report was built from.
        var position: Int64
        var from: LocalDate
        var to: LocalDate
        var process: String?
    }

    /// The most reports kept for one position (periods and processes asked for).
    static let capacity = 16

    private let reports = Mutex<[Key: OutcomeReport]>([:])

    /// The report kept for `key`, if any.
    func report(for key: Key) -> OutcomeReport? {
        reports.withLock { $0[key] }
    }

    /// Keeps `report` for `key`, dropping the reports of other positions (and, past the
    /// capacity, the others of the same position).
    func keep(_ report: OutcomeReport, for key: Key) {
        reports.withLock { reports in
            reports = reports.filter { $0.key.position == key.position }
            if reports.count >= Self.capacity { reports.removeAll() }
            reports[key] = report
        }
    }

    /// How many reports are kept.
    var count: Int { reports.withLock { $0.count } }
}
