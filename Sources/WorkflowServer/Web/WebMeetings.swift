import Foundation
import Hummingbird
import Processes
import WorkflowKit

/// The steering group's meeting: the chair's agenda (at most four ready clients, the
/// earliest release first), the advance information per invited party, and recording
/// that the meeting was held.
extension APIServer {
    func addMeetingPages(to router: Router<APIContext>) {
        router.get("/meetings") { request, _ in
            try await web(request) { web in
                let strings = web.strings
                let date = web.query["date"].flatMap { $0.isEmpty ? nil : LocalDate($0) }
                if let typed = web.query["date"], !typed.isEmpty, date == nil {
                    throw WebError(status: .unprocessableContent, message: strings["field.notDate"])
                }
                let agendas = try await meetingAgendas(guardian: web.guardian, process: nil, date: date, purpose: "web: meeting agenda")
                var sections: [HTML] = []
                for visible in agendas {
                    let definition = visible.definition
                    let rows: [HTML] = visible.clients.enumerated().map { index, client in
                        let link = "/cases/\(HTML.urlComponent(client.caseID.rawValue))"
                        let invite: [HTML] = client.invite.map { party in
                            "<li>\(definition.parties.first { $0.id == party }?.title ?? party)</li>"
                        }
                        let topics: [HTML] = client.advanceInformation.map { "<li>\($0)</li>" }
                        return """
                            <li class="agenda-client">
                            <h3><a href="\(link)">\(strings.format("meeting.client", String(index + 1), client.caseID.rawValue))</a></h3>
                            <dl class="facts"><dt>\(strings["meeting.orderDate"])</dt><dd>\(strings.date(client.orderDate?.description))</dd>
                            <dt>\(strings["case.worker"])</dt><dd>\(client.responsibleWorker ?? "—")</dd>
                            <dt>\(strings["meeting.attendance"])</dt><dd>\(client.attendance ?? "—")</dd></dl>
                            <div class="two-col"><div><h4>\(strings["meeting.invite"])</h4><ul>\(invite)</ul>\(client.notInvited.isEmpty ? HTML.empty : "<p class=\"hint\">\(strings.format("meeting.notInvited", client.notInvited.joined(separator: ", ")))</p>" as HTML)</div>
                            <div><h4>\(strings["meeting.advance"])</h4><ul>\(topics)</ul></div></div>
                            <form method="post" action="\(link)/events" class="inline-form">\(web.csrfField)\(web.commandField)<input type="hidden" name="event" value="meeting-held"><button type="submit" class="button button-secondary">\(strings.format("meeting.record", client.caseID.rawValue))</button></form>
                            </li>
                            """
                    }
                    let left: HTML = visible.leftForNextMeeting.isEmpty ? .empty : "<p>\(strings["meeting.left"]) \(visible.leftForNextMeeting.map(\.rawValue).joined(separator: ", "))</p>"
                    let released: HTML = visible.alreadyReleased.isEmpty ? .empty : "<p class=\"notice notice-warning\">\(strings["meeting.released"]) \(visible.alreadyReleased.map(\.rawValue).joined(separator: ", "))</p>"
                    sections.append(
                        """
                        <section class="agenda" aria-labelledby="agenda-\(visible.process)"><h2 id="agenda-\(visible.process)">\(definition.localizedTitle(strings.language)): \(strings.date(visible.agenda.meeting.description))</h2>
                        \(visible.agenda.note.map { "<p class=\"hint\">\($0)</p>" as HTML } ?? .empty)
                        \(rows.isEmpty ? "<p class=\"empty\">\(strings["meeting.noClients"])</p>" as HTML : "<ol class=\"agenda-list\">\(rows)</ol>" as HTML)
                        \(left)\(released)
                        <p class="hint">\(strings["meeting.memo"])</p>
                        </section>
                        """)
                }
                let body: HTML = """
                    <form method="get" action="/meetings" class="filters"><div class="field"><label for="date">\(strings["meeting.date"])</label>
                    <input id="date" name="date" type="date" value="\(web.query["date"] ?? "")"></div><button type="submit" class="button button-secondary">\(strings["meeting.build"])</button></form>
                    \(sections.isEmpty ? "<p class=\"empty\">\(strings["meeting.none"])</p>" as HTML : HTML(unsafe: sections.map(\.text).joined()))
                    """
                return Self.htmlResponse(page(web, title: strings["meeting.title"], body: body))
            }
        }
    }
}
