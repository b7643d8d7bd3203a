import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

@Suite("Meeting agenda plug-in")
struct MeetingAgendaTests {
    static func vatGeneric() throws -> ProcessDefinition {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("processes/vat-generic.yaml").path
        return try #require(ProcessLoader().load(paths: [path]).definition(id: "vat-generic"))
    }

    /// Open cases through the engine, some with consent (ready), some without.
    static func cases(_ releases: [String], consent: [Set<String>?]) async throws -> [CaseState] {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Int64(FinnishCalendar().instant(LocalDate("2026-06-01")!, hour: 9, minute: 0).timeIntervalSince1970 * 1000))
        let engine = Engine(database: try WorkflowDatabase(path: directory.path("a.sqlite")), now: time.provider)
        let definition = try vatGeneric()
        var states: [CaseState] = []
        for (index, release) in releases.enumerated() {
            let id = StreamID("c-\(index)")
            var outcome = try await engine.open(definition, caseID: id, fields: ["releaseDate": .date(LocalDate(release)!)], by: Acting("w"))
            if let parties = consent[index] {
                outcome = try await engine.execute(.giveConsent(parties: parties.sorted()), on: id, by: Acting("w"))
            }
            states.append(outcome.state)
        }
        return states
    }

    @Test("at most four ready clients, earliest release first; the rest wait; unready cases are not listed")
    func order() async throws {
        let releases = ["2026-12-20", "2026-11-02", "2026-12-01", "2026-10-15", "2027-01-10", "2026-09-30", "2026-11-20"]
        let consent: [Set<String>?] = [["prison"], ["prison"], ["prison"], ["prison"], ["prison"], nil, ["prison"]]
        let states = try await Self.cases(releases, consent: consent)
        let plugin = MeetingAgendaPlugin()
        let agenda = plugin.agenda(for: states, definition: try Self.vatGeneric(), meeting: LocalDate("2026-07-07")!)
        #expect(agenda.clients.map(\.caseID.rawValue) == ["c-3", "c-1", "c-6", "c-2"])
        #expect(agenda.leftForNextMeeting.map(\.rawValue) == ["c-0", "c-4"])
        #expect(!agenda.clients.contains { $0.caseID == "c-5" })  // no consent: not ready
        #expect(agenda.note == nil)
    }

    @Test("only the parties a client's consent names are invited; the others are listed as not invited")
    func consentGates() async throws {
        let states = try await Self.cases(["2026-12-01", "2026-12-02"], consent: [["prison", "kela"], ["adult-social-work"]])
        let agenda = MeetingAgendaPlugin().agenda(for: states, definition: try Self.vatGeneric(), meeting: LocalDate("2026-07-07")!)
        #expect(agenda.clients[0].invite == ["kela", "prison"])
        // One invitation per party: every party the consent does not name is listed as not invited.
        #expect(
            agenda.clients[0].notInvited == [
                "adult-social-work", "debt-counselling", "landlord", "parish", "substance-and-mental-health", "supported-housing",
            ])
        #expect(agenda.clients[1].invite == ["adult-social-work"])
        for client in agenda.clients {
            let consent = states.first { $0.id == client.caseID }?.consent ?? []
            #expect(Set(client.invite).isSubset(of: consent))
        }
    }

    @Test("a meeting with fewer than two ready clients says so")
    func tooFew() async throws {
        let states = try await Self.cases(["2026-12-01"], consent: [["prison"]])
        let agenda = MeetingAgendaPlugin().agenda(for: states, definition: try Self.vatGeneric(), meeting: LocalDate("2026-07-07")!)
        #expect(agenda.clients.count == 1)
        #expect(agenda.note?.contains("2–4") == true)
    }

    @Test("a client released before the meeting is not on its agenda: named as already released instead")
    func alreadyReleased() async throws {
        let states = try await Self.cases(["2026-09-30", "2026-12-01", "2026-11-03", "2027-01-10"], consent: [["prison"], ["prison"], ["prison"], ["prison"]])
        let agenda = MeetingAgendaPlugin().agenda(for: states, definition: try Self.vatGeneric(), meeting: LocalDate("2026-11-03")!)
        // Released on the meeting's own day still counts as before release.
        #expect(agenda.clients.map(\.caseID.rawValue) == ["c-2", "c-1", "c-3"])
        #expect(agenda.alreadyReleased.map(\.rawValue) == ["c-0"])
        #expect(agenda.leftForNextMeeting.isEmpty)
        let earlier = MeetingAgendaPlugin().agenda(for: states, definition: try Self.vatGeneric(), meeting: LocalDate("2026-07-07")!)
        #expect(earlier.alreadyReleased.isEmpty)
        #expect(earlier.clients.map(\.caseID.rawValue) == ["c-0", "c-2", "c-1", "c-3"])
    }

    @Test("the next meeting is the first Tuesday of a month, on a working day")
    func nextMeeting() {
        let plugin = MeetingAgendaPlugin()
        let calendar = FinnishCalendar()
        #expect(plugin.nextMeeting(onOrAfter: LocalDate("2026-06-10")!, calendar: calendar) == LocalDate("2026-07-07"))
        #expect(plugin.nextMeeting(onOrAfter: LocalDate("2026-07-07")!, calendar: calendar) == LocalDate("2026-07-07"))
        // The first Tuesday of January 2030 is New Year's Day: the meeting moves to the 2nd.
        #expect(plugin.nextMeeting(onOrAfter: LocalDate("2029-12-05")!, calendar: calendar) == LocalDate("2030-01-02"))
    }

    @Test("the plug-in serves processes that have a meeting event")
    func registry() throws {
        #expect(PluginRegistry.builtIn.agendaPlugin(for: try Self.vatGeneric()) != nil)
        let other = ProcessDefinition(id: "x", title: "X")
        #expect(PluginRegistry.builtIn.agendaPlugin(for: other) == nil)
    }
}
