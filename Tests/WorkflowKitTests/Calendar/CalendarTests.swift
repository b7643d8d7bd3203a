import Testing

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

    /// A small deterministic random number generator (SplitMix64), so that
    /// property-style tests fail the same way every run.
    struct SeededGenerator: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
