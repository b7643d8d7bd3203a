import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    @Suite struct ExtendsTests {
        static let region = """
            process: region
            extends: mini
            title: Regional variant
            parties:
              kela: Kela
            roles:
              chair: null
            states:
              start:
                tasks:
                  map:
                    due: releaseDate - 3 months
                  call: { title: Call the client, role: worker, due: openedOn + 2 working days, remind: [on due] }

            """

        @Test func overridesAddsAndRemoves() throws {
            let library = ProcessLanguageTests.load(Self.region, file: "region.yaml", others: [("mini.yaml", ProcessLanguageTests.minimal)])
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
            let region = try #require(library.process(id: "region"))
            let definition = region.definition
            #expect(region.extendsChain == ["mini"])
            #expect(definition.title == "Regional variant")
            #expect(definition.parties.map(\.id) == ["prison", "kela"])
            #expect(definition.roles.map(\.id) == ["worker"])
            let start = try #require(definition.state("start"))
            #expect(start.tasks.map(\.id) == ["map", "call"])
            #expect(start.tasks[0].due?.text == "releaseDate - 3 months")
            #expect(start.tasks[0].earliest?.text == "releaseDate - 6 months", "untouched keys are inherited")
            #expect(start.tasks[0].title == "Map the situation")
            #expect(definition.contentHash != library.definition(id: "mini")?.contentHash)
        }

        @Test func problemsInheritedFromTheBaseAreReportedWhereWritten() {
            // Removing a role the base still uses: the error is in the base file, where the role is named.
            let text = Self.region.replacingOccurrences(of: "  chair: null", with: "  worker: null")
            let library = ProcessLanguageTests.load(text, file: "region.yaml", others: [("mini.yaml", ProcessLanguageTests.minimal)])
            #expect(library.diagnostics.map(\.description).contains("mini.yaml:14:15: error: Unknown role 'worker' in the task 'map'."))
            #expect(library.process(id: "region") == nil)
            #expect(library.process(id: "mini") != nil, "the base itself stays valid")
        }

        @Test func removingSomethingTheBaseDoesNotHaveIsAWarning() {
            let text = Self.region.replacingOccurrences(of: "  chair: null", with: "  chiar: null")
            let library = ProcessLanguageTests.load(text, file: "region.yaml", others: [("mini.yaml", ProcessLanguageTests.minimal)])
            #expect(library.diagnostics.map(\.description).contains("region.yaml:7:3: warning: 'chiar' is set to null to remove it, but the extended process has no 'chiar' under 'roles'."))
        }

        @Test func unknownBase() {
            let library = ProcessLanguageTests.load(Self.region.replacingOccurrences(of: "extends: mini", with: "extends: minii"), file: "region.yaml", others: [("mini.yaml", ProcessLanguageTests.minimal)])
            #expect(ProcessLanguageTests.errors(library) == ["2:10: 'extends: minii' names no process found beside this file (did you mean 'mini'?)."])
        }

        @Test func cycles() {
            let a = "process: a\nextends: b\n"
            let b = "process: b\nextends: c\n"
            let c = "process: c\nextends: a\n"
            let library = ProcessLoader().load(sources: [.init(file: "a.yaml", text: a), .init(file: "b.yaml", text: b), .init(file: "c.yaml", text: c)])
            #expect(library.diagnostics.map(\.description) == [
                "a.yaml:2:10: error: 'extends' makes a cycle: a → b → c → a; a process cannot extend itself.",
                "b.yaml:2:10: error: 'extends' makes a cycle: b → c → a → b; a process cannot extend itself.",
                "c.yaml:2:10: error: 'extends' makes a cycle: c → a → b → c; a process cannot extend itself.",
            ])
            let selfish = ProcessLanguageTests.load("process: a\nextends: a\n")
            #expect(ProcessLanguageTests.errors(selfish) == ["2:10: 'extends' makes a cycle: a → a; a process cannot extend itself."])
        }

        @Test func extendsByRelativePathFromDisk() throws {
            let directory = try TemporaryDirectoryForTests()
            try ProcessLanguageTests.minimal.write(toFile: directory.path("shared/mini.yaml"))
            try Self.region.replacingOccurrences(of: "extends: mini", with: "extends: ../shared/mini.yaml").write(toFile: directory.path("regions/region.yaml"))
            let library = ProcessLoader().load(paths: [directory.path("regions/region.yaml")])
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
            #expect(library.processes.map(\.definition.id) == ["region"])
            // By id: the base is found beside the file.
            try Self.region.write(toFile: directory.path("shared/region.yaml"))
            let byID = ProcessLoader().load(paths: [directory.path("shared/region.yaml")])
            #expect(byID.diagnostics.isEmpty, "\(byID.diagnostics)")
            #expect(byID.process(id: "region")?.extendsChain == ["mini"])
            // A broken file beside it is not reported unless it is the base.
            try "process: [broken".write(toFile: directory.path("shared/other.yaml"))
            let beside = ProcessLoader().load(paths: [directory.path("shared/region.yaml")])
            #expect(beside.diagnostics.isEmpty, "\(beside.diagnostics)")
            try "process: mini\nstates: [".write(toFile: directory.path("shared/mini.yaml"))
            let brokenBase = ProcessLoader().load(paths: [directory.path("shared/region.yaml")])
            #expect(brokenBase.diagnostics.map(\.message).contains("'extends: mini' cannot be used because that process has errors."))
            // At the end of its last line (libyaml's mark is on the line after it, which the file does not have).
            #expect(brokenBase.diagnostics.contains { $0.file.hasSuffix("shared/mini.yaml") && $0.line == 2 && $0.column == 10 })
        }
    }
}
