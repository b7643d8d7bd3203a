import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine agenda`: the next meeting's clients, whom to invite and what to send.
struct AgendaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda",
        abstract: "Plan the next client steering group meeting: at most 4 ready clients, earliest release first.",
        discussion: """
            Ready clients have given consent and wait for the meeting. For each, the parties to invite \
            are exactly those the client's consent names, and advance information goes only to them. \
            Clients that do not fit are left for the following meeting.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this process (default: every process with meetings).", valueName: "id"))
    var process: String?

    @Option(name: .long, help: ArgumentHelp("The meeting date (default: the next meeting from today).", valueName: "date"))
    var date: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also produce the process's 'advance-information' document for the listed clients, one file per invited party, in this folder (each disclosure is recorded).",
            valueName: "dir"))
    var advanceInformation: String?

    @OptionGroup var processOptions: ProcessOptions

    func run() async throws {
        let (engine, database) = try await global.openCaseEngine(changesData: false)
        let registry = PluginRegistry.builtIn
        let explicitDate = try date.map { text -> LocalDate in
            guard let parsed = LocalDate(text) else { throw ValidationError("--date must be a date like 2026-12-01, not '\(text)'.") }
            return parsed
        }
        // The definitions the open cases follow, newest version of each process.
        var agendas: [Agenda] = []
        let rows = try await database.cases(process: process, includeClosed: false)
        var byProcess: [String: [CaseState]] = [:]
        var definitions: [String: ProcessDefinition] = [:]
        for row in rows {
            let (state, definition) = try await engine.load(row.id)
            byProcess[state.process, default: []].append(state)
            definitions[state.process] = definitions[state.process] ?? definition
        }
        if let process, definitions[process] == nil {
            printError("No open case follows process '\(process)'.")
            throw ExitCode(1)
        }
        for (id, definition) in definitions.sorted(by: { $0.key < $1.key }) {
            guard let plugin = registry.agendaPlugin(for: definition) else {
                if process != nil {
                    printError("Process '\(id)' has no meetings (no plug-in plans an agenda for it).")
                    throw ExitCode(1)
                }
                continue
            }
            // No fallback: a meeting planned on another calendar than the process's would
            // fall on a day the region is closed.
            let calendar: any BusinessCalendar
            do {
                calendar = try definition.calendar(in: .standard)
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            let today = try global.today()
            let meeting = explicitDate ?? plugin.nextMeeting(onOrAfter: today, calendar: calendar)
            agendas.append(plugin.agenda(for: byProcess[id] ?? [], definition: definition, meeting: meeting))
        }
        // Advance information is checked before anything is recorded: the folder, and which
        // processes have the document (those without it are named and skipped).
        var current: [String: ProcessDefinition] = [:]
        var withoutDocument: Set<String> = []
        if let folder = advanceInformation {
            try await refusingWithExit { try checkFolder(folder) }
            let catalog = try processOptions.loadCatalog()
            current = catalog.definitionsByID
            for agenda in agendas where (current[agenda.process] ?? definitions[agenda.process])?.document("advance-information") == nil {
                withoutDocument.insert(agenda.process)
            }
        }
        // Each listed client's data is read for the meeting: recorded in their case's access log.
        let loaded = Dictionary(byProcess.values.joined().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for client in agendas.flatMap(\.clients) {
            try await database.recordAccess(
                case: client.caseID, purpose: "meeting agenda", fields: loaded[client.caseID]?.fields.keys.sorted() ?? [],
                by: global.acting)
        }
        // Advance information: one copy per invited party, only the clients who named it.
        var sent: [String: DocumentDisclosure] = [:]
        if let folder = advanceInformation {
            for agenda in agendas where !agenda.clients.isEmpty && !withoutDocument.contains(agenda.process) {
                let result = try await refusingWithExit {
                    try await engine.disclose(
                        document: "advance-information", cases: agenda.clients.map(\.caseID),
                        purpose: "Advance information for the meeting of \(agenda.meeting)", current: current, by: global.acting)
                }
                try await refusingWithExit { try write(result, to: folder) }
                sent[agenda.process] = result
            }
        }
        if global.json {
            try printJSON(agendas.map { agenda in
                [
                    "process": agenda.process, "meeting": agenda.meeting.description,
                    "clients": agenda.clients.map { client in
                        [
                            "case": client.caseID.rawValue, "orderDate": jsonOrNull(client.orderDate),
                            "responsibleWorker": jsonOrNull(client.responsibleWorker), "invite": client.invite,
                            "notInvited": client.notInvited, "advanceInformation": client.advanceInformation,
                            "attendance": jsonOrNull(client.attendance),
                        ] as [String: Any]
                    },
                    "leftForNextMeeting": agenda.leftForNextMeeting.map(\.rawValue), "note": jsonOrNull(agenda.note),
                    "alreadyReleased": agenda.alreadyReleased.map(\.rawValue),
                    "advanceInformationSent": (sent[agenda.process]?.documents ?? []).map { copy in
                        ["party": copy.party, "cases": copy.clients.map(\.caseID.rawValue)] as [String: Any]
                    },
                ] as [String: Any]
            })
            return
        }
        if agendas.isEmpty { print("No open case waits for a meeting.") }
        for agenda in agendas {
            print("Meeting of \(agenda.process) on \(agenda.meeting): \(agenda.clients.count) client\(agenda.clients.count == 1 ? "" : "s")")
            for (index, client) in agenda.clients.enumerated() {
                let when = client.orderDate.map { ", release \($0)" } ?? ""
                let attendance = client.attendance.map { ", attends \($0)" } ?? ""
                print("  \(index + 1). case \(client.caseID)\(when)\(attendance); responsible worker \(client.responsibleWorker ?? "-")")
                print("     invite: \(client.invite.isEmpty ? "nobody (the consent names no party)" : client.invite.joined(separator: ", "))")
                if !client.notInvited.isEmpty {
                    print("     not invited (not in the consent): \(client.notInvited.joined(separator: ", "))")
                }
                print("     advance information to the invited: \(client.advanceInformation.joined(separator: "; "))")
            }
            if let note = agenda.note { print("  \(note)") }
            if !agenda.leftForNextMeeting.isEmpty {
                print("  left for the following meeting: \(agenda.leftForNextMeeting.map(\.rawValue).joined(separator: ", "))")
            }
            if !agenda.alreadyReleased.isEmpty {
                print(
                    "  not listed, released before the meeting (follow up outside it): \(agenda.alreadyReleased.map(\.rawValue).joined(separator: ", "))")
            }
            if advanceInformation != nil, withoutDocument.contains(agenda.process) {
                print("  no advance information: process '\(agenda.process)' states no document 'advance-information'")
            }
            if let folder = advanceInformation, let result = sent[agenda.process] {
                for copy in result.documents {
                    print("  advance information to \(copy.party): \(copy.clients.map(\.caseID.rawValue).joined(separator: ", ")) → \(copy.path(in: folder))")
                }
                for item in result.withheld { print("  " + item.line) }
            }
        }
    }
}
