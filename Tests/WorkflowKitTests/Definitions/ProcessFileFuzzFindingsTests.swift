import Foundation
import Testing
import WorkflowKitTesting

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// What libFuzzer found in the process-file loader (`fuzz/process-file`), each input
    /// kept here and in the target's corpus. The target's invariant: every diagnostic is
    /// at a place inside the text (line from 1 to the number of lines, column from 1 to
    /// that line's length + 1).
    @Suite struct ProcessFileFuzzFindingsTests {
        /// Each diagnostic's line and column are inside `text` (worked out here, not with
        /// the loader's `String.yamlLines`).
        static func expectInside(_ library: ProcessLibrary, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!library.diagnostics.isEmpty, sourceLocation: sourceLocation)
            expectPlacesInside(library, text, sourceLocation: sourceLocation)
        }

        /// Each diagnostic, if any, is at a place inside `text`.
        static func expectPlacesInside(_ library: ProcessLibrary, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
            // Lines as libyaml ends them: \r\n, \n, \r, NEL, LS, PS.
            var lines = [""]
            var previous: Unicode.Scalar?
            for scalar in text.unicodeScalars {
                if scalar == "\n" && previous == "\r" {
                } else if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                    lines.append("")
                } else {
                    lines[lines.count - 1].unicodeScalars.append(scalar)
                }
                previous = scalar
            }
            for diagnostic in library.diagnostics {
                #expect((1...lines.count).contains(diagnostic.line), "\(diagnostic)", sourceLocation: sourceLocation)
                if (1...lines.count).contains(diagnostic.line) {
                    let length = lines[diagnostic.line - 1].unicodeScalars.count
                    #expect((1...length + 1).contains(diagnostic.column), "\(diagnostic)", sourceLocation: sourceLocation)
                }
            }
        }

        /// libyaml puts the end of a text without a final line break on the line after the
        /// last; a YAML error there was reported at a line the file does not have (found
        /// in the target's first second, from the closed-days seed crossed with another).
        /// It is now at the end of the last line.
        @Test func aYAMLErrorAtTheEndOfTheTextIsOnItsLastLine() {
            let yaml = "process: p\ntitle"
            let library = ProcessLanguageTests.load(yaml)
            #expect(ProcessLanguageTests.errors(library).map { $0.prefix(4) } == ["2:6:"], "\(library.diagnostics)")
            Self.expectInside(library, yaml)
        }

        /// libyaml ends a line at `\r` as well as `\n`, but the explanation of an indentation
        /// slip split the text at `"\n"` only: after a lone `\r` it named a line other than
        /// libyaml's and put the diagnostic past that line's end (found after about 3
        /// minutes). In a CRLF file, where Swift's `"\r\n"` is one `Character`, the whole
        /// file was one line and the slip went unexplained. Lines are now counted as libyaml
        /// counts them (`String.yamlLines`).
        @Test func anIndentationSlipIsExplainedWhateverEndsTheLines() {
            let slipped = MessageTrapsTests.variant("        role: worker", "          role: worker")
            let expected = [
                "14:11: Check the indentation of line 14: it is indented further than line 13 above it, so it is read as part of the value of 'title' on that line (the YAML error: mapping values are not allowed in this context)."
            ]
            for (name, ending) in [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")] {
                let text = slipped.replacingOccurrences(of: "\n", with: ending)
                let library = ProcessLanguageTests.load(text)
                #expect(ProcessLanguageTests.errors(library) == expected, "\(name)")
                Self.expectInside(library, text)
            }
        }

        /// An expression written as a plain scalar folded over two lines has no line break
        /// in its value, and an error's offset in it was counted along the first line, past
        /// its end (found after about 5 minutes, in an `until:`). An offset is now mapped
        /// to a column only for a scalar written as it is on one line; otherwise the error
        /// is at the scalar's start.
        @Test func anErrorInAnExpressionFoldedOverLinesIsAtItsStart() {
            let folded = MessageTrapsTests.variant("        due: releaseDate - 1 month", "        due: releaseDate +\n          7 workng days")
            let library = ProcessLanguageTests.load(folded)
            #expect(ProcessLanguageTests.errors(library) == [
                "15:14: The due date of the task 'book-room' is not a valid expression: Unknown unit 'workng' (did you mean 'working days'?); durations are written e.g. '5 working days', '2 months'."
            ])
            Self.expectInside(library, folded)
            // On one line, the error is still at the word.
            let oneLine = MessageTrapsTests.variant("        due: releaseDate - 1 month", "        due: releaseDate + 7 workng days")
            #expect(ProcessLanguageTests.errors(ProcessLanguageTests.load(oneLine)).first?.hasPrefix("15:30: ") == true)
        }

        /// The inputs libFuzzer saved, as they were.
        @Test(arguments: ["regression-error-past-the-end", "regression-lone-carriage-return", "regression-folded-expression"])
        func theInputsTheFuzzerFound(name: String) throws {
            let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fuzz/process-file/corpus")
            let text = String(decoding: try Data(contentsOf: corpus.appendingPathComponent(name)), as: UTF8.self)
            Self.expectInside(ProcessLanguageTests.load(text, file: "fuzz.yaml"), text)
        }
    }
}
