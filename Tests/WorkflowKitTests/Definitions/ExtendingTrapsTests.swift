import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// The traps a coordinator met when extending a process (issue 18, items 1–3).
    @Suite struct ExtendingTrapsTests {
        /// The base the tests extend; line numbers in tests refer to it.
        static let base = """
            process: base
            title: Base
            fields:
              releaseDate: { type: date, required: true, personal: true }
              meetingDate: { type: date, title: Meeting date }
            parties: { prison: Prison, landlord: Landlord }
            roles: { worker: Worker, chair: Chair }
            events: { done: Done }
            states:
              start:
                initial: true
                tasks:
                  map-housing:
                    title: Map the housing situation
                    role: worker
                    due: releaseDate - 2 months
                    remind: [on due]
                  write-memo:
                    title: Write the memo
                    role: chair
                    due: openedOn + 5 working days
                    remind: [on due]
                    escalate: { to: chair, after: 1 working day, every: 2 working days }
                on:
                  done: end
              end: { final: true }
            legalBasis: Statutory duty under the Social Welfare Act.
            examples:
              - name: Mapping is due two months before release
                given: { fields: { releaseDate: 2026-12-23 }, openedOn: 2026-06-01 }
                expect: { state: start, tasks: { map-housing: { due: 2026-10-23 } } }

            """

        static func load(_ region: String) -> ProcessLibrary {
            ProcessLanguageTests.load(region, file: "region.yaml", others: [("base.yaml", base)])
        }

        @Test func theBaseIsValid() {
            let library = ProcessLanguageTests.load(Self.base, file: "base.yaml")
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
        }

        @Test func aMisspeltTaskIdIsNamedInsteadOfTheNewTasksProblems() {
            let library = Self.load("""
                process: region
                extends: base
                states:
                  start:
                    tasks:
                      write-meno:
                        due: openedOn + 3 working days
                        remind: [on due]

                """)
            #expect(library.diagnostics.map(\.description) == [
                "region.yaml:6:7: error: This adds a new task 'write-meno' in the state 'start', which is incomplete (the task 'write-meno' needs a 'role' naming who owns it); did you mean to change 'write-memo' of 'base'?",
            ])
            #expect(library.process(id: "region") == nil)
        }

        @Test func aMisspeltTaskIdUnderAnotherStateNamesThatState() {
            let library = Self.load("""
                process: region
                extends: base
                states:
                  end:
                    tasks:
                      write-meno: { due: openedOn + 3 working days }

                """)
            #expect(ProcessLanguageTests.errors(library) == [
                "6:7: This adds a new task 'write-meno' in the state 'end', which is incomplete (the task 'write-meno' needs a 'role' naming who owns it); did you mean to change 'write-memo' of 'base' (in the state 'start')?",
            ])
        }

        @Test func aMisspeltStateIdIsNamedInsteadOfTheNewStatesProblems() {
            let library = Self.load("""
                process: region
                extends: base
                states:
                  strat:
                    title: Start here

                """)
            #expect(ProcessLanguageTests.errors(library) == [
                "4:3: This adds a new state 'strat', which is incomplete (the state 'strat' is not final and has no way out; add 'on:' with an event that leads on, or mark it 'final: true'); did you mean to change 'start' of 'base'?",
            ])
        }

        @Test func aCompleteNewTaskCloseToABaseTaskIsAWarning() throws {
            let library = Self.load("""
                process: region
                extends: base
                parties:
                  prisn: Prison of the region
                states:
                  start:
                    tasks:
                      write-meno: { title: Write a note, role: worker, due: openedOn + 3 working days, remind: [on due] }

                """)
            #expect(ProcessLanguageTests.errors(library).isEmpty)
            #expect(ProcessLanguageTests.warnings(library) == [
                "4:3: This adds a new party 'prisn'; did you mean to change 'prison' of 'base'?",
                "8:7: This adds a new task 'write-meno' in the state 'start'; did you mean to change 'write-memo' of 'base'?",
            ])
            let region = try #require(library.process(id: "region"))
            #expect(region.definition.state("start")?.tasks.map(\.id) == ["map-housing", "write-memo", "write-meno"])
        }

        @Test func anEmptyKeyDoesNotSilentlyRemoveInheritedContent() {
            let library = Self.load("""
                process: region
                extends: base
                states:
                  start:
                    tasks:
                    on:
                      done: end

                """)
            #expect(ProcessLanguageTests.errors(library) == [
                "5:5: 'tasks:' is left empty, which would remove the 2 tasks (map-housing, write-memo) that 'base' has in the state 'start'; write 'tasks: null' to remove them, or delete this line to keep them.",
            ])
            #expect(library.process(id: "region") == nil)
            #expect(library.inspectableProcess(id: "region") == nil)
        }

        @Test func anExplicitNullStillRemoves() throws {
            let library = Self.load("""
                process: region
                extends: base
                states:
                  start:
                    tasks: null   # this region has no tasks at the start
                examples: []

                """)
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
            let region = try #require(library.definition(id: "region"))
            #expect(region.state("start")?.tasks.isEmpty == true)
        }

        @Test func inheritedExamplesThatFailAreReportedAsInherited() throws {
            let library = Self.load("""
                process: region
                extends: base
                states:
                  start:
                    tasks:
                      map-housing:
                        due: releaseDate - 3 months

                """)
            #expect(library.diagnostics.map(\.description) == [
                "region.yaml:2:1: error: The inherited example 'Mapping is due two months before release' fails for 'region': task 'map-housing': expected due 2026-10-23, got 2026-09-23. This example is inherited from 'base' (written at base.yaml:29:5); an extending file inherits the examples of its base until it has its own 'examples:'. Write 'examples:' in region.yaml, copying the base's and adapting their dates to this process, to replace them.",
            ])
            let result = try #require(library.exampleResults.first { $0.process == "region" })
            #expect(result.inheritedFrom == "base")
            #expect(result.location.description == "base.yaml:29:5")
            // The inspection tools may still show it; opening cases may not.
            #expect(library.process(id: "region") == nil)
            #expect(library.inspectableProcess(id: "region")?.examplesFail == true)
            #expect(library.inspectableProcess(id: "base")?.examplesFail == false)
        }
    }
}
