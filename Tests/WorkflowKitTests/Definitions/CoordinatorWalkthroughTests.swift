import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Issue 18's walkthrough: a coordinator writes a VAT variant (a 5-month mapping
    /// window, a new party, a room-booking task, a two-rung memo escalation that
    /// stops, closed days over Christmas, examples around Christmas and Midsummer
    /// 2027) and makes five mistakes, one at a time. Each message must name the
    /// real mistake at its real line.
    ///
    /// The base is a copy of vat-generic as it was when the walkthrough was written
    /// (Fixtures/walkthrough), so that later edits of the shipped file do not move
    /// these lines.
    @Suite struct CoordinatorWalkthroughTests {
        static func fixture(_ name: String) throws -> String {
            let url = try #require(
                Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures/walkthrough")
                    ?? Bundle.module.url(forResource: "Fixtures/walkthrough/\(name)", withExtension: "yaml"))
            return try String(contentsOf: url, encoding: .utf8)
        }

        /// Loads the variant, with `old` replaced by `new`, beside the base.
        static func load(_ old: String = "", _ new: String = "") throws -> (library: ProcessLibrary, text: String) {
            var text = try fixture("vat-seinajoki")
            if !old.isEmpty {
                try #require(text.components(separatedBy: old).count == 2, "'\(old)' is written once")
                text = text.replacingOccurrences(of: old, with: new)
            }
            let library = ProcessLoader().load(sources: [
                .init(file: "vat-seinajoki.yaml", text: text), .init(file: "vat-generic.yaml", text: try fixture("vat-generic")),
            ])
            return (library, text)
        }

        /// The line (from 1) where `fragment` is written in `text`.
        static func line(of fragment: String, in text: String) -> Int {
            (text.components(separatedBy: "\n").firstIndex { $0.contains(fragment) } ?? -1) + 1
        }

        static func errors(_ library: ProcessLibrary) -> [String] {
            library.diagnostics.filter { $0.severity == .error }.map(\.description)
        }

        @Test func theFinishedVariantIsValidAndItsExamplesPass() throws {
            let (library, _) = try Self.load()
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics.map(\.description))")
            let variant = try #require(library.process(id: "vat-seinajoki"))
            #expect(variant.exampleResults.count == 3)
            #expect(variant.exampleResults.allSatisfy { $0.passed })
            #expect(variant.definition.state("notify")?.tasks.map(\.id) == ["notify-chair", "invite-parties", "prepare-client", "book-room"])
            #expect(variant.definition.state("meeting-done")?.tasks.map(\.id) == ["agree-actions", "write-memo"])
        }

        @Test func mistake1AMisspeltExtends() throws {
            let (library, text) = try Self.load("extends: vat-generic", "extends: vat-generc")
            let line = Self.line(of: "extends:", in: text)
            #expect(Self.errors(library) == [
                "vat-seinajoki.yaml:\(line):10: error: 'extends: vat-generc' names no process found beside this file (did you mean 'vat-generic'?).",
            ])
        }

        @Test func mistake1bAMisspeltExtendsKey() throws {
            let (library, text) = try Self.load("extends: vat-generic", "extnds: vat-generic")
            let line = Self.line(of: "extnds:", in: text)
            #expect(Self.errors(library) == [
                "vat-seinajoki.yaml:\(line):1: error: Unknown key 'extnds' in a process file (did you mean 'extends'?); without 'extends' the file is read as a process of its own, so it is not checked further.",
            ])
        }

        @Test func mistake2AMisspeltTaskId() throws {
            let (library, text) = try Self.load("      write-memo:\n        escalate:", "      write-meno:\n        escalate:")
            let line = Self.line(of: "write-meno:", in: text)
            #expect(Self.errors(library) == [
                "vat-seinajoki.yaml:\(line):7: error: This adds a new task 'write-meno' in the state 'meeting-done', which is incomplete (the task 'write-meno' needs a 'role' naming who owns it); did you mean to change 'write-memo' of 'vat-generic'?",
            ])
        }

        @Test func mistake3ABadIndentation() throws {
            let (library, text) = try Self.load("        title: Book the meeting room", "      title: Book the meeting room")
            let line = Self.line(of: "title: Book the meeting room", in: text)
            #expect(Self.errors(library) == [
                "vat-seinajoki.yaml:\(line):7: error: Check the indentation of line \(line): 'title:' is not indented further than 'book-room:' on line \(line - 1), so it does not belong to it, and line \(line + 1), indented further, is read as part of the value of 'title' (the YAML error: mapping values are not allowed in this context).",
            ])
        }

        @Test func mistake4ATypoInADueExpression() throws {
            let (library, text) = try Self.load("meetingDate - 7 working days", "meetingDate - 7 workng days")
            let line = Self.line(of: "workng", in: text)
            #expect(Self.errors(library) == [
                "vat-seinajoki.yaml:\(line):30: error: The due date of the task 'book-room' is not a valid expression: Unknown unit 'workng' (did you mean 'working days'?); durations are written e.g. '5 working days', '2 months'.",
            ])
        }

        @Test func mistake5AnExampleExpectingADateThatMoves() throws {
            let (library, text) = try Self.load("due: 2027-06-28 }", "due: 2027-06-27 }")
            let line = Self.line(of: "A five-month mapping window", in: text)
            #expect(Self.errors(library) == [
                "vat-seinajoki.yaml:\(line):5: error: The example 'A five-month mapping window' fails: task 'map-housing': expected due 2027-06-27, got 2027-06-28 (Sunday 2027-06-27 is not a working day: weekend (calendar fi+vat-seinajoki); a due date on a day off moves to the next working day, Monday 2027-06-28).",
            ])
            // While only its examples fail, the variant can still be inspected.
            #expect(library.inspectableProcess(id: "vat-seinajoki")?.examplesFail == true)
        }
    }
}
