import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    @Suite struct ContentHashTests {
        func hash(_ yaml: String) -> String? {
            ProcessLanguageTests.load(yaml).definition(id: "mini")?.contentHash
        }

        @Test func sameMeaningSameHash() throws {
            let original = try #require(hash(ProcessLanguageTests.minimal))
            #expect(original.count == 64)
            // Reformatted: flow style, different key order, comments, spacing in expressions.
            let reformatted = """
                # The same process, written differently.
                title: "Minimal"
                states:
                  end:
                    final: true
                  start:
                    on: { done: { guard: "consent.given", to: end } }
                    tasks:
                      map: { due: "(releaseDate-2 months)", role: worker, remind: ["on due"], earliest: releaseDate -  6 months, title: Map the situation }
                    initial: yes
                events:
                  done: { title: Done }
                roles: { chair: Chair, worker: { title: Worker } }
                parties:
                  prison: { title: Prison }
                fields:
                  releaseDate:
                    personal: true
                    required: true
                    type: date
                process: mini
                legalBasis: "Statutory duty under the Social Welfare Act."
                examples:
                  - name: examples are not part of the hash
                    given: { openedOn: 2026-01-01 }
                    expect: { state: start }

                """
            #expect(hash(reformatted) == original)
        }

        @Test func differentMeaningDifferentHash() throws {
            let original = try #require(hash(ProcessLanguageTests.minimal))
            let changes = [
                ("releaseDate - 2 months", "releaseDate - 3 months"),
                ("role: worker", "role: chair"),
                ("title: Map the situation", "title: Map the housing situation"),
                ("required: true", "required: false"),
                ("guard: consent.given", "guard: consent.includes('prison')"),
                ("remind: [on due]", "remind: [on due, 1 day before due]"),
                ("title: Minimal", "title: Minimal\nclosedDays: [ { name: Staff day, date: 2026-09-18 } ]"),
            ]
            var seen: Set<String> = [original]
            for (old, new) in changes {
                let changed = try #require(hash(ProcessLanguageTests.minimal.replacingOccurrences(of: old, with: new)), "\(new)")
                #expect(!seen.contains(changed), "\(new)")
                seen.insert(changed)
            }
        }

        @Test func theResolvedFileLoadsToTheSameVersion() throws {
            let base = try #require(ProcessLanguageTests.load(ProcessLanguageTests.minimal).definition(id: "mini"))
            let region = try #require(ProcessLanguageTests.load(ExtendsTests.region, file: "region.yaml", others: [("mini.yaml", ProcessLanguageTests.minimal)]).definition(id: "region"))
            for definition in [base, region] {
                let again = ProcessLanguageTests.load(definition.resolvedYAML, file: "resolved.yaml")
                #expect(again.diagnostics.filter { $0.severity == .error }.isEmpty, "\(again.diagnostics)")
                #expect(again.definition(id: definition.id)?.contentHash == definition.contentHash)
            }
        }

        @Test func definitionsRoundTripThroughJSON() throws {
            let definition = try #require(ProcessLanguageTests.load(ProcessLanguageTests.minimal).definition(id: "mini"))
            let data = try JSONEncoder().encode(definition)
            let decoded = try JSONDecoder().decode(ProcessDefinition.self, from: data)
            #expect(decoded == definition)
            #expect(decoded.contentHash == definition.contentHash)
        }
    }
}
