import Foundation
import Testing
import WorkflowKitTesting

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Titles in several languages: `title: { fi: …, sv: …, en: … }` beside the plain string.
    @Suite("Titles in several languages")
    struct LocalizedTitles {
        @Test("A title may be a map of languages; Finnish is shown when no language is asked for")
        func mapOfLanguages() throws {
            let yaml = ProcessLanguageTests.minimal
                .replacingOccurrences(of: "title: Minimal", with: "title: { sv: Minimal process, fi: Pieni prosessi, en: Minimal process }")
                .replacingOccurrences(of: "title: Map the situation", with: "title:\n          fi: Kartoita tilanne\n          sv: Kartlägg situationen")
            let library = ProcessLanguageTests.load(yaml)
            #expect(ProcessLanguageTests.errors(library) == [])
            let definition = try #require(library.processes.first?.definition)
            #expect(definition.title == "Pieni prosessi")
            #expect(definition.title(in: "sv") == "Minimal process")
            #expect(definition.title(in: "se") == "Pieni prosessi", "a language the file does not give falls back")
            let task = try #require(definition.task("map")?.task)
            #expect(task.title == "Kartoita tilanne" && task.title(in: "sv") == "Kartlägg situationen" && task.title(in: "en") == "Kartoita tilanne")
        }

        @Test("A plain title keeps the content hash it had before titles could be translated")
        func plainTitleKeepsItsHash() throws {
            let definition = try #require(ProcessLanguageTests.load(ProcessLanguageTests.minimal).processes.first?.definition)
            #expect(definition.titles == nil)
            #expect(!String(decoding: definition.canonicalEncoding(), as: UTF8.self).contains("titles"))
            let translated = try #require(
                ProcessLanguageTests.load(ProcessLanguageTests.minimal.replacingOccurrences(of: "title: Minimal", with: "title: { fi: Minimal, sv: Minimal }"))
                    .processes.first?.definition)
            #expect(translated.contentHash != definition.contentHash, "a translation is part of what the file means")
        }

        @Test("A map that is not keyed by language codes is an error at the key")
        func badLanguageKey() {
            let yaml = ProcessLanguageTests.minimal.replacingOccurrences(of: "title: Minimal", with: "title: { Finnish: Pieni, sv: Liten }")
            #expect(ProcessLanguageTests.errors(ProcessLanguageTests.load(yaml)).contains {
                $0.hasPrefix("2:10:") && $0.contains("'Finnish' is not one")
            })
            let empty = ProcessLanguageTests.minimal.replacingOccurrences(of: "title: Minimal", with: "title: {}")
            #expect(ProcessLanguageTests.errors(ProcessLanguageTests.load(empty)).contains { $0.hasPrefix("2:8:") && $0.contains("at least one language") })
        }
    }
}
