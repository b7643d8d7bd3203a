import Testing
import WorkflowKitTesting

@testable import WorkflowKit

/// The process language's tests; every suite nests here so that
/// `swift test --filter ProcessLanguageTests` selects them all.
enum ProcessLanguageTests {
    /// Loads `yaml` as the file `file` (plus `others`, for extends).
    static func load(_ yaml: String, file: String = "test.yaml", others: [(String, String)] = []) -> ProcessLibrary {
        ProcessLoader().load(sources: [.init(file: file, text: yaml)] + others.map { .init(file: $0.0, text: $0.1) })
    }

    /// The errors of a load, as `line:column: message`.
    static func errors(_ library: ProcessLibrary) -> [String] {
        library.diagnostics.filter { $0.severity == .error }.map { "\($0.line):\($0.column): \($0.message)" }
    }

    /// The warnings of a load, as `line:column: message`.
    static func warnings(_ library: ProcessLibrary) -> [String] {
        library.diagnostics.filter { $0.severity == .warning }.map { "\($0.line):\($0.column): \($0.message)" }
    }

    /// A `LocalDate` from ISO text.
    static func date(_ text: String) -> LocalDate { LocalDate(text)! }

    /// A small valid process; line numbers in tests refer to it.
    static let minimal = """
        process: mini
        title: Minimal
        fields:
          releaseDate: { type: date, required: true, personal: true }
        parties: { prison: Prison }
        roles: { worker: Worker, chair: Chair }
        events: { done: Done }
        states:
          start:
            initial: true
            tasks:
              map:
                title: Map the situation
                role: worker
                earliest: releaseDate - 6 months
                due: releaseDate - 2 months
                remind: [on due]
            on:
              done: { to: end, guard: consent.given }
          end: { final: true }
        legalBasis: Statutory duty under the Social Welfare Act.

        """
}
