import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// `times:` on an escalation rung and `reopen:` on a final state: read, and
    /// reported where they are wrong.
    @Suite struct LadderAndReopenKeysTests {
        func variant(_ old: String, _ new: String) -> String {
            ProcessLanguageTests.minimal.replacingOccurrences(of: old, with: new)
        }

        func errors(_ text: String) -> [String] {
            ProcessLanguageTests.load(text).diagnostics.filter { $0.severity == .error }.map { "\($0.line):\($0.column): \($0.message)" }
        }

        @Test func timesAndReopenAreRead() throws {
            let text = variant("remind: [on due]", "remind: [on due]\n        escalate: [{ to: chair, after: 1 working day, every: 2 working days, times: 3 }]")
                .replacingOccurrences(of: "end: { final: true }", with: "end: { final: true, reopen: start }")
            #expect(errors(text).isEmpty)
            let definition = try #require(ProcessLanguageTests.load(text).definition(id: "mini"))
            #expect(definition.task("map")?.task.escalation.first?.times == 3)
            #expect(definition.state("end")?.reopen == "start")
        }

        @Test(arguments: [
            ("times: 0", "'times' of the task 'map' must be a whole number more than zero, not '0'."),
            ("times: twice", "'times' of the task 'map' must be a whole number more than zero, not 'twice'."),
        ])
        func badTimes(times: String, message: String) {
            let text = variant("remind: [on due]", "remind: [on due]\n        escalate: [{ to: chair, after: 1 working day, every: 2 working days, \(times) }]")
            #expect(errors(text).contains { $0.hasSuffix(message) }, "\(errors(text))")
        }

        @Test func timesWithoutEveryIsAnError() {
            let text = variant("remind: [on due]", "remind: [on due]\n        escalate: [{ to: chair, after: 1 working day, times: 2 }]")
            #expect(errors(text).contains { $0.hasSuffix("'times' of the task 'map' is more than 1 but the rung has no 'every': say how often to repeat.") })
        }

        @Test func reopenMustNameAWorkingState() {
            let unknown = variant("end: { final: true }", "end: { final: true, reopen: strat }")
            #expect(errors(unknown).contains { $0.hasSuffix("'reopen' names the state 'strat', which is not a state of the process that a case can work in.") })
            let notFinal = variant("    initial: true\n", "    initial: true\n    reopen: end\n")
            #expect(errors(notFinal).contains { $0.hasSuffix("'reopen' of the state 'start' belongs to a final state: only a closed case is reopened.") })
        }
    }
}
