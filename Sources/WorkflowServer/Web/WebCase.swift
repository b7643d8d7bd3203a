import Foundation
import HTTPTypes
import Hummingbird
import Processes
import WorkflowKit

/// A case: its state on the process diagram, open tasks with forms made from the
/// process's fields, consent per party, handover, the history and the access log.
extension APIServer {
    /// What a form sent back with problems: the values as typed and a message per field.
    struct FormProblems: Sendable {
        var task: String?
        var values: [String: String] = [:]
        var errors: [String: String] = [:]
        var notice: String?
    }

    func addCasePages(to router: Router<APIContext>) {
        router.get("/cases/:case") { request, context in
            try await web(request) { web in
                try await casePage(web, id: try context.pathParameter("case"), problems: nil, status: .ok)
            }
        }
        router.post("/cases/:case/tasks/:task/completion") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("case")
                let task = try context.pathParameter("task")
                let (state, definition) = try await visibleCase(id, for: "complete", by: web.guardian)
                guard let taskDefinition = definition.task(task)?.task else {
                    throw WebError(status: .notFound, message: web.strings.format("case.noTask", task))
                }
                var problems = FormProblems(task: task)
                var outcomes: [String: ExpressionValue] = [:]
                for fieldID in taskDefinition.outcomes {
                    guard let field = definition.field(fieldID) else { continue }
                    let typed = field.type == .parties ? web.form?.all("f.\(fieldID)").joined(separator: ",") ?? "" : (web.form?["f.\(fieldID)"] ?? "")
                    problems.values[fieldID] = typed
                    let text = typed.trimmingCharacters(in: .whitespaces)
                    guard !text.isEmpty else { continue }
                    switch Self.value(text, for: field, parties: definition.parties.map(\.id), strings: web.strings) {
                    case .success(let value): outcomes[fieldID] = value
                    case .failure(let message): problems.errors[fieldID] = message.message
                    }
                }
                if !problems.errors.isEmpty {
                    return try await casePage(web, id: id, problems: problems, status: .unprocessableContent)
                }
                return try await runCommand(web, state: state, command: .complete(task: task, outcomes: outcomes), problems: problems, done: "task")
            }
        }
        router.post("/cases/:case/events") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("case")
                let (state, _) = try await visibleCase(id, for: "fire", by: web.guardian)
                let event = web.form?["event"] ?? ""
                return try await runCommand(web, state: state, command: .fire(event: event), problems: FormProblems(), done: "event")
            }
        }
        router.post("/cases/:case/consent") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("case")
                let (state, _) = try await visibleCase(id, for: "consent", by: web.guardian)
                let parties = web.form?.all("party") ?? []
                guard !parties.isEmpty else {
                    var problems = FormProblems()
                    problems.errors["party"] = web.strings["consent.none"]
                    return try await casePage(web, id: id, problems: problems, status: .unprocessableContent)
                }
                return try await runCommand(web, state: state, command: .giveConsent(parties: parties), problems: FormProblems(), done: "consent")
            }
        }
        router.post("/cases/:case/consent-withdrawal") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("case")
                let (state, _) = try await visibleCase(id, for: "withdraw-consent", by: web.guardian)
                return try await runCommand(web, state: state, command: .withdrawConsent, problems: FormProblems(), done: "withdrawn")
            }
        }
        router.post("/cases/:case/handover") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("case")
                let (state, _) = try await visibleCase(id, for: "handover", by: web.guardian)
                let to = (web.form?["to"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !to.isEmpty else {
                    var problems = FormProblems()
                    problems.errors["to"] = web.strings["handover.empty"]
                    return try await casePage(web, id: id, problems: problems, status: .unprocessableContent)
                }
                return try await runCommand(web, state: state, command: .handOver(to: Identifier.normalized(to)), problems: FormProblems(), done: "handover")
            }
        }
    }

    /// Runs a command from a form: the revision the page showed must still be the case's,
    /// a refusal is shown on the page, success returns to the case (303, so that reloading
    /// does not send the form again; the form's command id makes a double submit append once).
    func runCommand(_ web: WebRequest, state: CaseState, command: CaseCommand, problems: FormProblems, done: String) async throws -> Response {
        var problems = problems
        let revision = web.form?["revision"].flatMap { Int64($0) }
        let commandID = web.form?["_command"].map { "web:" + $0 }
        do {
            try await web.guardian.authorize(command, on: state)
            let outcome = try await engine.execute(command, on: state.id, by: web.guardian.actor, commandID: commandID, ifRevision: revision)
            if !outcome.events.isEmpty { metrics.commandAppended() }
            return Self.redirect("/cases/\(HTML.urlComponent(state.id.rawValue))?done=\(done)")
        } catch is StaleCaseVersion {
            problems.notice = web.strings["case.stale"]
            return try await casePage(web, id: state.id.rawValue, problems: problems, status: .conflict)
        } catch let refused as CommandRefused where refused.code != .unknownCase {
            metrics.commandRefused(refused.code.description)
            problems.notice = refused.message
            return try await casePage(web, id: state.id.rawValue, problems: problems, status: .conflict)
        }
    }

    /// A typed value from a form's text, or the message to show at the field.
    static func value(_ text: String, for field: FieldDefinition, parties: [String], strings: Strings) -> Result<ExpressionValue, FieldMessage> {
        let value: ExpressionValue
        switch field.type {
        case .date:
            guard let date = parseDate(text) else { return .failure(FieldMessage(strings["field.notDate"])) }
            value = .date(date)
        case .number:
            guard let number = Double(text.replacingOccurrences(of: ",", with: ".")), number.isFinite else {
                return .failure(FieldMessage(strings["field.notNumber"]))
            }
            value = .number(number)
        case .bool:
            guard text == "true" || text == "false" else { return .failure(FieldMessage(strings["field.notBool"])) }
            value = .bool(text == "true")
        case .choice, .text, .parties:
            value = .text(text)
        }
        if field.problem(with: value, parties: parties) != nil {
            return .failure(FieldMessage(field.type == .choice ? strings.format("field.notChoice", field.values.joined(separator: ", ")) : strings["field.invalid"]))
        }
        return .success(value)
    }

    /// A date as people type it: `15.3.2027` (as Finnish and Swedish write dates) or `2027-03-15`.
    static func parseDate(_ text: String) -> LocalDate? {
        if let date = LocalDate(text) { return date }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]), (1000...9999).contains(year) else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    struct FieldMessage: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    func casePage(_ web: WebRequest, id: String, problems: FormProblems?, status: HTTPResponse.Status) async throws -> Response {
        let strings = web.strings
        let language = strings.language
        let (seen, _) = try await visibleCase(id, for: "show", by: web.guardian)
        let (state, definition) = try await engine.read(
            StreamID(rawValue: id), purpose: "web: case page", by: web.guardian.actor, underOverride: web.guardian.override(for: seen))
        let caseLink = "/cases/\(HTML.urlComponent(id))"
        var notices: [HTML] = []
        if let done = web.query["done"], problems == nil {
            notices.append("<div class=\"notice notice-success\" role=\"status\"><p>\(strings["done." + done])</p></div>")
        }
        if let notice = problems?.notice {
            notices.append("<div class=\"notice notice-error\" role=\"alert\"><p>\(notice)</p></div>")
        }
        if let problems, !problems.errors.isEmpty {
            let items: [HTML] = problems.errors.sorted { $0.key < $1.key }.map { field, message in
                let title = definition.field(field)?.localizedTitle(language) ?? field
                let anchor = problems.task.map { "f-\($0)-\(field)" } ?? field
                return "<li><a href=\"#\(anchor)\">\(title): \(message)</a></li>"
            }
            notices.append("<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>\(strings["error.summary"])</h2><ul>\(items)</ul></div>")
        }

        // Facts.
        let stateTitle = definition.state(state.state)?.localizedTitle(language) ?? state.state
        var facts: [HTML] = [
            "<dt>\(strings["case.process"])</dt><dd>\(definition.localizedTitle(language))</dd>",
            "<dt>\(strings["case.state"])</dt><dd>\(stateTitle)</dd>",
            "<dt>\(strings["case.worker"])</dt><dd>\(state.responsibleWorker ?? "—")</dd>",
            "<dt>\(strings["case.opened"])</dt><dd>\(strings.date(state.openedOn?.description))</dd>",
        ]
        if let closed = state.closed { facts.append("<dt>\(strings["case.closed"])</dt><dd>\(strings.date(closed.on.description)) (\(closed.reason))</dd>") }
        if let basis = state.legalBasis { facts.append("<dt>\(strings["case.legalBasis"])</dt><dd>\(basis)</dd>") }

        // Fields.
        let fieldRows: [HTML] = definition.fields.compactMap { field in
            guard let value = state.fields[field.id] else { return nil }
            let shown = field.type == .date ? strings.date(value.description) : value.description
            return "<tr><th scope=\"row\">\(field.localizedTitle(language))</th><td>\(shown)</td></tr>"
        }

        // Open tasks, each with its form.
        let taskSections: [HTML] = state.openTasks.map { open in
            let task = definition.task(open.task)?.task
            let title = task?.localizedTitle(language) ?? open.task
            let anchor = "task-\(open.task)"
            let entered = problems?.task == open.task ? problems : nil
            let inputs: [HTML] = (task?.outcomes ?? []).compactMap { fieldID in
                guard let field = definition.field(fieldID) else { return nil }
                return Self.input(for: field, task: open.task, definition: definition, value: entered?.values[fieldID], error: entered?.errors[fieldID], strings: strings)
            }
            let why = "\(caseLink)/tasks/\(HTML.urlComponent(open.task))/explanation"
            let overdue = open.due.map { $0 < Self.today(now()) } ?? false
            return """
                <section class="task-card\(overdue ? " overdue" : "")" id="\(anchor)" aria-labelledby="\(anchor)-title">
                <h3 id="\(anchor)-title">\(title)</h3>
                <p class="meta">\(strings["tasks.role"]): \(open.role) · \(strings["task.due"]): <strong>\(strings.date(open.due?.description))</strong>\(overdue ? " <span class=\"tag tag-late\">\(strings["task.overdue"])</span>" as HTML : .empty)\(open.suspended ? " <span class=\"tag\">\(strings["task.suspended"])</span>" as HTML : .empty)\(open.claimedBy.map { " <span class=\"tag\">\(strings.format("task.claimedBy", $0))</span>" as HTML } ?? .empty) · <a href="\(why)">\(strings["task.why"])</a></p>
                <form method="post" action="\(caseLink)/tasks/\(HTML.urlComponent(open.task))/completion" class="stack" novalidate>
                \(web.csrfField)\(web.commandField)
                <input type="hidden" name="revision" value="\(state.revision)">
                \(inputs)
                <button type="submit" class="button">\(strings["task.complete"])</button>
                </form>
                </section>
                """
        }

        // Events that the current state takes.
        let transitions = definition.state(state.state)?.transitions ?? []
        let eventOptions: [HTML] = Array(Set(transitions.map(\.event))).sorted().map { event in
            let title = definition.events.first { $0.id == event }?.title ?? event
            return "<option value=\"\(event)\">\(title)</option>"
        }
        let eventForm: HTML =
            eventOptions.isEmpty || state.closed != nil
            ? .empty
            : """
            <section aria-labelledby="events-title"><h2 id="events-title">\(strings["case.recordEvent"])</h2>
            <form method="post" action="\(caseLink)/events" class="inline-form">\(web.csrfField)\(web.commandField)
            <input type="hidden" name="revision" value="\(state.revision)">
            <label for="event">\(strings["case.event"])</label> <select id="event" name="event">\(eventOptions)</select>
            <button type="submit" class="button button-secondary">\(strings["case.record"])</button></form></section>
            """

        // Consent per party.
        let consent = state.consent ?? []
        let partyRows: [HTML] = definition.parties.map { party in
            let given = consent.contains(party.id)
            return """
                <li><input type="checkbox" id="party-\(party.id)" name="party" value="\(party.id)"\(HTML(unsafe: given ? " checked" : ""))>
                <label for="party-\(party.id)">\(party.title)</label> <span class="tag\(given ? " tag-ok" : "")">\(given ? strings["consent.given"] : strings["consent.notGiven"])</span></li>
                """
        }
        let partyError: HTML = problems?.errors["party"].map { "<p class=\"field-error\" id=\"party-error\">\($0)</p>" } ?? .empty
        let consentSection: HTML = """
            <section aria-labelledby="consent-title"><h2 id="consent-title">\(strings["consent.title"])</h2>
            <form method="post" action="\(caseLink)/consent">\(web.csrfField)\(web.commandField)
            <input type="hidden" name="revision" value="\(state.revision)">
            <fieldset id="party"\(problems?.errors["party"] == nil ? HTML.empty : " aria-describedby=\"party-error\"")><legend>\(strings["consent.legend"])</legend>\(partyError)<ul class="checks">\(partyRows)</ul></fieldset>
            <button type="submit" class="button button-secondary">\(strings["consent.give"])</button></form>
            \(state.consent == nil ? HTML.empty : """
            <form method="post" action="\(caseLink)/consent-withdrawal" class="inline-form">\(web.csrfField)\(web.commandField)<input type="hidden" name="revision" value="\(state.revision)"><button type="submit" class="button button-warning">\(strings["consent.withdraw"])</button></form>
            """ as HTML)
            </section>
            """

        let handoverError: HTML = problems?.errors["to"].map { "<p class=\"field-error\" id=\"to-error\">\($0)</p>" } ?? .empty
        let handover: HTML = """
            <section aria-labelledby="handover-title"><h2 id="handover-title">\(strings["handover.title"])</h2>
            <form method="post" action="\(caseLink)/handover" class="inline-form" novalidate>\(web.csrfField)\(web.commandField)
            <input type="hidden" name="revision" value="\(state.revision)">
            <div class="field\(problems?.errors["to"] == nil ? "" : " has-error")"><label for="to">\(strings["handover.to"])</label>\(handoverError)
            <input id="to" name="to" type="text" autocomplete="off"\(problems?.errors["to"] == nil ? HTML.empty : " aria-invalid=\"true\" aria-describedby=\"to-error\"")></div>
            <button type="submit" class="button button-secondary">\(strings["handover.submit"])</button></form></section>
            """

        // History and access log, in one pass over the case's events; the page shows the
        // latest of each, with a link to all of the history.
        var changes: [RecordedEvent] = []
        var readRecords: [RecordedEvent] = []
        for try await event in database.eventLog.read(stream: StreamID(rawValue: id)) {
            if event.type == PersonalDataRead.typeName {
                readRecords.append(event)
            } else {
                changes.append(event)
            }
        }
        let wholeHistory = web.query["history"] == "all"
        let shownChanges = wholeHistory ? changes[...] : changes.suffix(Self.historyRows)
        let history: [HTML] = shownChanges.reversed().map { event in
            """
            <li><time datetime="\(Self.iso(event.recordedAt))">\(Self.localTime(event.recordedAt, strings))</time> <span class="event">\(Self.describe(event, definition: definition, strings: strings))</span> <span class="by">\(event.metadata.actor ?? "")\(event.metadata.organisation.map { " (\($0))" } ?? "")</span></li>
            """
        }
        let moreHistory: HTML =
            changes.count > shownChanges.count
            ? "<p><a href=\"\(caseLink)?history=all#history-title\">\(strings.format("case.wholeHistory", String(changes.count)))</a></p>" : .empty
        let decoder = JSONDecoder()
        let reads: [HTML] = readRecords.suffix(50).reversed().compactMap { event in
            guard let read = try? decoder.decode(PersonalDataRead.self, from: event.payload) else { return nil }
            return "<tr><td>\(Self.localTime(event.recordedAt, strings))</td><td>\(event.metadata.actor ?? "—")</td><td>\(event.metadata.organisation ?? "—")</td><td>\(read.purpose)</td></tr>"
        }
        let body: HTML = """
            \(notices)
            <div class="case-grid">
            <div>
            <dl class="facts">\(facts)</dl>
            <figure class="diagram"><figcaption>\(strings["case.diagram"])</figcaption>\(ProcessDiagram(definition: definition, language: language).svg(current: state.state))</figure>
            </div>
            <div>
            <h2>\(strings["case.openTasks"])</h2>
            \(taskSections.isEmpty ? "<p class=\"empty\">\(strings["case.noOpenTasks"])</p>" as HTML : HTML(unsafe: taskSections.map(\.text).joined()))
            \(eventForm)
            </div>
            </div>
            <h2>\(strings["case.fields"])</h2>
            \(fieldRows.isEmpty ? "<p class=\"empty\">—</p>" as HTML : "<table class=\"fields\"><tbody>\(fieldRows)</tbody></table>" as HTML)
            \(consentSection)
            \(handover)
            <section aria-labelledby="history-title"><h2 id="history-title">\(strings["case.history"])</h2><ol class="timeline" reversed start="\(changes.count)">\(history)</ol>\(moreHistory)</section>
            <section aria-labelledby="access-title"><h2 id="access-title">\(strings["case.accessLog"])</h2>
            <div class="table-scroll"><table><caption>\(strings["case.accessLogCaption"])</caption><thead><tr><th scope="col">\(strings["access.when"])</th><th scope="col">\(strings["access.who"])</th><th scope="col">\(strings["access.organisation"])</th><th scope="col">\(strings["access.purpose"])</th></tr></thead><tbody>\(reads)</tbody></table></div></section>
            """
        return Self.htmlResponse(page(web, title: strings.format("case.title", id), body: body, wide: true), status: status)
    }

    /// How many of a case's latest changes its page lists before "the whole history".
    static let historyRows = 100

    /// The input for one outcome field, labelled, with its error tied to it.
    static func input(
        for field: FieldDefinition, task: String, definition: ProcessDefinition, value: String?, error: String?, strings: Strings
    ) -> HTML {
        let id = "f-\(task)-\(field.id)"
        let name = "f.\(field.id)"
        let label = field.localizedTitle(strings.language)
        let errorHTML: HTML = error.map { "<p class=\"field-error\" id=\"\(id)-error\"><span class=\"visually-hidden\">\(strings["error.prefix"]) </span>\($0)</p>" } ?? .empty
        let invalid: HTML = error == nil ? .empty : " aria-invalid=\"true\" aria-describedby=\"\(id)-error\""
        let control: HTML
        switch field.type {
        case .date:
            control = "<input id=\"\(id)\" name=\"\(name)\" type=\"text\" inputmode=\"numeric\" autocomplete=\"off\" placeholder=\"\(strings["field.datePlaceholder"])\" value=\"\(value ?? "")\"\(invalid)>"
        case .number:
            control = "<input id=\"\(id)\" name=\"\(name)\" type=\"text\" inputmode=\"decimal\" value=\"\(value ?? "")\"\(invalid)>"
        case .text:
            control = "<input id=\"\(id)\" name=\"\(name)\" type=\"text\" value=\"\(value ?? "")\"\(invalid)>"
        case .bool:
            let options: [HTML] = [("", "—"), ("true", strings["field.yes"]), ("false", strings["field.no"])].map { option, text in
                "<option value=\"\(option)\"\(HTML(unsafe: value == option ? " selected" : ""))>\(text)</option>"
            }
            control = "<select id=\"\(id)\" name=\"\(name)\"\(invalid)>\(options)</select>"
        case .choice:
            let options: [HTML] = [HTML("<option value=\"\">—</option>")] + field.values.map { option in
                "<option value=\"\(option)\"\(HTML(unsafe: value == option ? " selected" : ""))>\(option)</option>"
            }
            control = "<select id=\"\(id)\" name=\"\(name)\"\(invalid)>\(options)</select>"
        case .parties:
            let chosen = Set((value ?? "").split(separator: ",").map(String.init))
            let boxes: [HTML] = definition.parties.map { party in
                "<li><input type=\"checkbox\" id=\"\(id)-\(party.id)\" name=\"\(name)\" value=\"\(party.id)\"\(HTML(unsafe: chosen.contains(party.id) ? " checked" : ""))> <label for=\"\(id)-\(party.id)\">\(party.title)</label></li>"
            }
            return """
                <fieldset class="field\(error == nil ? "" : " has-error")" id="\(id)"\(invalid)><legend>\(label)</legend>\(errorHTML)<ul class="checks">\(boxes)</ul></fieldset>
                """
        }
        return """
            <div class="field\(error == nil ? "" : " has-error")"><label for="\(id)">\(label)</label>\(errorHTML)\(control)</div>
            """
    }

    /// A line of the history: what happened, naming tasks and events by title, never a personal value.
    static func describe(_ event: RecordedEvent, definition: ProcessDefinition, strings: Strings) -> String {
        let language = strings.language
        func task(_ id: String) -> String { definition.task(id)?.task.localizedTitle(language) ?? id }
        guard let decoded = try? CaseEvent(event) else { return event.type }
        switch decoded {
        case .opened: return strings["history.opened"]
        case .fieldsRecorded(let recorded): return strings.format("history.fields", recorded.values.keys.sorted().joined(separator: ", "))
        case .stateEntered(let entered): return strings.format("history.state", definition.state(entered.state)?.localizedTitle(language) ?? entered.state)
        case .taskOpened(let opened): return strings.format("history.taskOpened", task(opened.task))
        case .taskRescheduled(let moved): return strings.format("history.taskMoved", task(moved.task), strings.date(moved.due?.description))
        case .taskCompleted(let done): return strings.format("history.taskCompleted", task(done.task))
        case .taskCancelled(let cancelled): return strings.format("history.taskCancelled", task(cancelled.task))
        case .taskClaimed(let claimed): return strings.format("history.taskClaimed", task(claimed.task), claimed.by)
        case .taskUnclaimed(let unclaimed): return strings.format("history.taskUnclaimed", task(unclaimed.task))
        case .eventOccurred(let occurred): return strings.format("history.event", definition.events.first { $0.id == occurred.event }?.title ?? occurred.event)
        case .consentGiven(let given): return strings.format("history.consent", given.parties.joined(separator: ", "))
        case .consentWithdrawn: return strings["history.consentWithdrawn"]
        case .responsibilityHandedOver(let handover): return strings.format("history.handover", handover.to)
        case .caseClosed: return strings["history.closed"]
        case .caseReopened: return strings["history.reopened"]
        default: return event.type
        }
    }

    /// A time as people read it in Finland.
    static func localTime(_ milliseconds: Int64, _ strings: Strings) -> String {
        TimeText.local(milliseconds, language: strings.language.rawValue)
    }
}
