import Foundation
import Hummingbird
import Processes
import WorkflowKit

/// `GET /v1/meetings/agenda`: the next client steering group meeting of each process
/// with meetings, as `aso-engine agenda` plans it, holding only the clients whose case
/// the caller may see; each listed client's read is recorded in their access log.
extension APIServer {
    /// One process's next meeting as the caller may see it.
    struct VisibleAgenda: Sendable {
        var process: String
        var definition: ProcessDefinition
        var agenda: Agenda
        /// The clients on the agenda whose case the caller sees, each read recorded.
        var clients: [Agenda.Client]
        var leftForNextMeeting: [StreamID]
        var alreadyReleased: [StreamID]
    }

    /// The agendas of the processes with meetings (of `process` only, when given) for the
    /// meeting on `date` or the next one, holding only what `guardian` may see.
    ///
    /// The meeting is planned over every open case of the process (it is one meeting for
    /// all organisations), but nothing of a case the caller cannot see shows: a process is
    /// listed only when the caller sees one of its open cases, and the agenda's note (how
    /// many clients are ready) only when the caller sees every case the plan weighed.
    /// `process` naming a process without such a case is "no open case", as for one with
    /// no open case at all.
    func meetingAgendas(guardian: AccessGuard, process: String?, date: LocalDate?, purpose: String) async throws -> [VisibleAgenda] {
        let registry = PluginRegistry.builtIn
        var byProcess: [String: [CaseState]] = [:]
        var definitions: [String: ProcessDefinition] = [:]
        var seen: Set<String> = []
        for row in try await database.cases(process: process, includeClosed: false) {
            let (state, definition) = try await engine.load(row.id)
            byProcess[state.process, default: []].append(state)
            definitions[state.process] = definitions[state.process] ?? definition
            if guardian.canSee(state) { seen.insert(state.process) }
        }
        var agendas: [VisibleAgenda] = []
        for (id, definition) in definitions.sorted(by: { $0.key < $1.key }) where seen.contains(id) {
            guard let plugin = registry.agendaPlugin(for: definition), let calendar = definition.makeCalendar() else { continue }
            let meeting = date ?? plugin.nextMeeting(onOrAfter: Self.today(now()), calendar: calendar)
            var agenda = plugin.agenda(for: byProcess[id] ?? [], definition: definition, meeting: meeting)
            let states = Dictionary((byProcess[id] ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var clients: [Agenda.Client] = []
            for client in agenda.clients {
                guard let state = states[client.caseID], guardian.canSee(state) else { continue }
                try await database.recordAccess(
                    case: client.caseID, purpose: purpose, fields: state.fields.keys.sorted(), by: guardian.actor,
                    underOverride: guardian.override(for: state))
                clients.append(client)
            }
            if !(byProcess[id] ?? []).allSatisfy(guardian.canSee) { agenda.note = nil }
            let visible = { (ids: [StreamID]) in ids.filter { states[$0].map(guardian.canSee) ?? false } }
            agendas.append(
                VisibleAgenda(
                    process: id, definition: definition, agenda: agenda, clients: clients,
                    leftForNextMeeting: visible(agenda.leftForNextMeeting), alreadyReleased: visible(agenda.alreadyReleased)))
        }
        if let process, !seen.contains(process) {
            throw Problem.notFound("No open case you may see follows process '\(process)'.")
        }
        return agendas
    }

    func addMeetingRoutes(to v1: RouterGroup<APIContext>) {
        v1.get("meetings/agenda") { request, _ in
            let guardian = try await signIn(request)
            let query = try ListQuery(request)
            let agendas = try await meetingAgendas(
                guardian: guardian, process: try query.text("process"), date: try query.date("date"), purpose: "meeting agenda")
            return try Self.json([
                "agendas": agendas.map { visible -> [String: Any] in
                    [
                        "process": visible.process, "meeting": visible.agenda.meeting.description,
                        "clients": visible.clients.map { client -> [String: Any] in
                            [
                                "case": client.caseID.rawValue, "orderDate": client.orderDate?.description ?? NSNull(),
                                "responsibleWorker": client.responsibleWorker ?? NSNull(), "invite": client.invite,
                                "notInvited": client.notInvited, "advanceInformation": client.advanceInformation,
                                "attendance": client.attendance ?? NSNull(),
                            ]
                        },
                        "leftForNextMeeting": visible.leftForNextMeeting.map(\.rawValue),
                        "alreadyReleased": visible.alreadyReleased.map(\.rawValue), "note": visible.agenda.note ?? NSNull(),
                    ]
                }
            ] as [String: Any])
        }
    }
}
