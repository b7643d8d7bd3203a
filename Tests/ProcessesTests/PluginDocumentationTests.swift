import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowKitTesting

// DOC-BEGIN plugin
/// A weekly meeting for the walk-in service, with up to six clients.
struct WeeklyAgenda: AgendaPlugin {
    var id: String { "walk-in-weekly-agenda" }

    func serves(_ definition: ProcessDefinition) -> Bool {
        definition.id == "walk-in-housing"
    }

    func nextMeeting(onOrAfter date: LocalDate, calendar: any BusinessCalendar) -> LocalDate {
        var day = date
        while day.weekday != .wednesday { day = day.adding(days: 1) }
        return calendar.nextWorkingDay(onOrAfter: day)
    }

    func agenda(for cases: [CaseState], definition: ProcessDefinition, meeting date: LocalDate) -> Agenda {
        var plugin = MeetingAgendaPlugin()
        plugin.meetingEvent = "meeting-held"
        plugin.maximumClients = 6
        return plugin.agenda(for: cases, definition: definition, meeting: date)
    }
}
// DOC-END plugin

/// The example in docs/plugins.md compiles (it is this file's code), registers and runs.
@Suite("docs/plugins.md")
struct PluginDocumentationTests {
    @Test("the example plug-in is the documented one, and it registers and plans")
    func example() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let code = try #require(source.components(separatedBy: "// DOC-BEGIN plugin\n").dropFirst().first?
            .components(separatedBy: "// DOC-END plugin").first)
        let page = try String(
            contentsOf: Repository.root(of: #filePath).appendingPathComponent("docs/plugins.md"), encoding: .utf8)
        let indented = code.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "   " + $0 }.joined(separator: "\n")
        #expect(page.contains("   import Processes\n   import WorkflowKit\n\n" + indented))

        var registry = PluginRegistry.builtIn
        registry.register(WeeklyAgenda())
        let walkIn = try #require(ProcessCatalog().definition(id: "walk-in-housing"))
        #expect(registry.agendaPlugin(for: walkIn)?.id == "walk-in-weekly-agenda")
        #expect(WeeklyAgenda().nextMeeting(onOrAfter: LocalDate("2026-12-21")!, calendar: FinnishCalendar()) == LocalDate("2026-12-23"))
        let vat = try #require(ProcessCatalog().definition(id: "vat-generic"))
        #expect(registry.agendaPlugin(for: vat)?.id == "meeting-agenda")
    }
}
