import Testing
import WorkflowKitTesting

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Random, truncated and mutated input never crashes the loader or the
    /// expression parser: it only produces diagnostics. Seeded, so reproducible.
    @Suite struct FuzzTests {
        /// A valid document with extends, examples and every construct, to mutate.
        static let seedDocument = ProcessLanguageTests.minimal + """
            fastTrack: { when: "openedOn > releaseDate - 2 months", state: end }
            closedDays:
              - { name: Christmas closure, from: 12-27, through: 01-02 }
            report: [releaseDate]
            examples:
              - name: Normal
                given: { fields: { releaseDate: 2026-12-23 }, openedOn: 2026-06-01, events: [ { done: 2026-06-02 } ], consent: [prison] }
                expect: { state: end, fastTrack: false }

            """

        static func check(_ text: String, _ count: inout Int) {
            let library = ProcessLanguageTests.load(text)
            // Bounded: a few diagnostics per line at most.
            #expect(library.diagnostics.count <= 3 * (text.split(separator: "\n").count + 2) + 10)
            // Each at a line of the text and a column of that line.
            ProcessFileFuzzFindingsTests.expectPlacesInside(library, text)
            count += 1
        }

        @Test func truncatedAtEveryFewBytes() {
            let bytes = Array(Self.seedDocument.utf8)
            var count = 0
            for end in stride(from: 0, through: bytes.count, by: 7) {
                Self.check(String(decoding: bytes[..<end], as: UTF8.self), &count)
            }
            #expect(count > 50)
        }

        @Test func mutatedLinesAndCharacters() {
            var rng = SeededRandom(seed: 20261223)
            let lines = Self.seedDocument.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let alphabet = Array("abz019:-{}[],'\" \t#&*!|>?%@`\n\\")
            var count = 0
            for _ in 0..<400 {
                var mutated = lines
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    guard !mutated.isEmpty else { break }
                    let index = Int.random(in: 0..<mutated.count, using: &rng)
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: mutated.remove(at: index)
                    case 1: mutated.insert(mutated[index], at: index)
                    case 2:
                        var chars = Array(mutated[index])
                        if chars.count > 1 {
                            let i = Int.random(in: 0..<chars.count - 1, using: &rng)
                            chars.swapAt(i, i + 1)
                        }
                        mutated[index] = String(chars)
                    case 3:
                        var chars = Array(mutated[index])
                        let i = Int.random(in: 0...chars.count, using: &rng)
                        chars.insert(alphabet.randomElement(using: &rng)!, at: i)
                        mutated[index] = String(chars)
                    default:
                        let other = Int.random(in: 0..<mutated.count, using: &rng)
                        mutated.swapAt(index, other)
                    }
                }
                Self.check(mutated.joined(separator: "\n"), &count)
            }
            #expect(count == 400)
        }

        @Test func randomBytesAndYAMLishNoise() {
            var rng = SeededRandom(seed: 42)
            let pieces = ["process: ", "states:", "\n  ", "\n    ", "- ", ": ", "{", "}", "[", "]", "initial: true", "tasks:", "on:", "to: ", "extends: ", "x", "'", "\"", "&a ", "*a", "!!int ", "? ", "|\n", "~", "2026-12-23", " + 2 working days", "\t", "#"]
            var count = 0
            for _ in 0..<300 {
                let text = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                Self.check(text, &count)
            }
            for _ in 0..<100 {
                let bytes = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                Self.check(String(decoding: bytes, as: UTF8.self), &count)
            }
            #expect(count == 400)
        }

        @Test func deeplyNestedInputIsRejectedNotCrashed() {
            let library = ProcessLanguageTests.load("process: x\nstates: " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500))
            #expect(library.isValid == false)
            #expect(throws: ExpressionError.self) { try ProcessExpression(parsing: String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)) }
            #expect(throws: ExpressionError.self) { try ProcessExpression(parsing: String(repeating: "not ", count: 10_000) + "true") }
            #expect(throws: ExpressionError.self) { try ProcessExpression(parsing: String(repeating: "- ", count: 10_000) + "1") }
        }

        @Test func randomExpressions() {
            var rng = SeededRandom(seed: 7)
            let tokens = ["releaseDate", "openedOn", "today", "event.", "consent-given", "consent.", "given", "includes('prison')", "eventDate('x')", "known(", "min(", ",", "(", ")", "+", "-", "<", "<=", "==", "!=", "=", "and", "or", "not", "2", "2026-12-23", "2026-02-30", "months", "working", "days", "'t", "'x'", "true", " ", ".", "&", "1.5", "99999999999999999999"]
            let environment = ExpressionEnvironment(fields: ["releaseDate": .date], events: ["consent-given"], parties: ["prison"])
            let context = EvaluationContext(fields: ["releaseDate": .date(LocalDate(year: 2026, month: 12, day: 23)!)], openedOn: LocalDate(year: 2026, month: 6, day: 1), calendar: FinnishCalendar())
            var parsed = 0
            for _ in 0..<3000 {
                let text = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined(separator: Bool.random(using: &rng) ? " " : "")
                guard let expression = try? ProcessExpression(parsing: text) else { continue }
                parsed += 1
                let (type, _) = expression.check(in: environment)
                _ = expression.evaluate(in: context)
                // The canonical text parses back to the same expression.
                #expect((try? ProcessExpression(parsing: expression.text)) == expression, "\(text)")
                _ = type
            }
            #expect(parsed > 100)
        }
    }
}
