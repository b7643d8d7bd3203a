import Testing
import WorkflowKitTesting

@testable import WorkflowKit

/// The business calendar's tests; every suite nests here so that
/// `swift test --filter Calendar` selects them all.
enum CalendarTests {
    /// `LocalDate("YYYY-MM-DD")!`, for tests.
    static func date(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> LocalDate {
        guard let value = LocalDate(text) else {
            Issue.record("\"\(text)\" is not a date", sourceLocation: sourceLocation)
            return LocalDate(daysSinceEpoch: 0)
        }
        return value
    }
}
