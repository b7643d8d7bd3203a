import Foundation
import Hummingbird
import Processes
import WorkflowKit

/// "My tasks": what is overdue and due for the person, then what is coming, each date
/// with its reason a click away.
extension APIServer {
    func addTaskPages(to router: Router<APIContext>) {
        router.get("/tasks") { request, _ in
            try await web(request) { web in try await tasksPage(web) }
        }
        router.post("/tasks/claim") { request, _ in
            try await web(request) { web in try await claimFromList(web, claim: true) }
        }
        router.post("/tasks/unclaim") { request, _ in
            try await web(request) { web in try await claimFromList(web, claim: false) }
        }
        router.get("/cases/:case/tasks/:task/explanation") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("case")
                let task = try context.pathParameter("task")
                let (state, definition) = try await visibleCase(id, for: "explain", by: web.guardian)
                let schedule = try await engine.explain(
                    task: task, of: state.id, purpose: "web: explain", by: web.guardian.actor,
                    underOverride: web.guardian.override(for: state))
                let strings = web.strings
                let title = definition.task(task)?.task.localizedTitle(strings.language) ?? task
                let lines: [HTML] = schedule.explanation.map { "<li>\($0)</li>" }
                let escalations: [HTML] = schedule.escalations.map { "<li>\(strings.date($0.date.description)) → \($0.role)</li>" }
                let body: HTML = """
                    <p><a href="/cases/\(HTML.urlComponent(id))">← \(strings.format("case.back", id))</a></p>
                    <dl class="facts">
                    <dt>\(strings["task.earliest"])</dt><dd>\(strings.date(schedule.earliest?.description))</dd>
                    <dt>\(strings["task.due"])</dt><dd>\(strings.date(schedule.due?.description))</dd>
                    <dt>\(strings["task.reminders"])</dt><dd>\(schedule.reminders.map { strings.date($0.description) }.joined(separator: ", "))</dd>
                    </dl>
                    <h2>\(strings["task.why"])</h2>
                    <ol class="explanation">\(lines)</ol>
                    \(escalations.isEmpty ? HTML.empty : "<h2>\(strings["task.escalations"])</h2><ul>\(escalations)</ul>")
                    """
                return Self.htmlResponse(
                    page(web, title: strings.format("task.explanationTitle", title), body: body))
            }
        }
    }

    /// How many rows a section of "My tasks" shows before "show all".
    static let sectionRows = 100

    /// The task list's address with the same filters, showing all of section `all`.
    static func tasksLink(_ query: [String: String], all: String) -> String {
        var items = query.filter { $0.key != "all" }
        items["all"] = all
        return "/tasks?" + items.sorted { $0.key < $1.key }.map { "\($0.key)=\(HTML.urlComponent($0.value))" }.joined(separator: "&")
    }

    /// Who took a role's task on, or a button to claim it (to unclaim it, for one's own).
    /// A `responsible-worker` task is its responsible worker's already: it has no claim.
    func claimCell(_ task: OpenTaskSummary, title: String, _ web: WebRequest) -> HTML {
        guard task.role != AccessPolicy.responsibleRole else { return .empty }
        let strings = web.strings
        let me = web.guardian.actor.id
        let holds = web.guardian.principal?.holds(task.role, in: task.process) ?? !web.guardian.policy.directory.isEnforced
        func button(_ action: String, _ text: String, _ label: String) -> HTML {
            """
             <form method="post" action="/tasks/\(action)" class="inline-form">\(web.csrfField)\(web.commandField)<input type="hidden" name="case" value="\(task.caseID.rawValue)"><input type="hidden" name="task" value="\(task.task)"><button type="submit" class="button button-secondary" aria-label="\(label)">\(text)</button></form>
            """
        }
        if let holder = task.claimedBy {
            let tag: HTML = " <span class=\"tag\">\(strings.format("task.claimedBy", holder))</span>"
            guard holder == me else { return tag }
            return "\(tag)\(button("unclaim", strings["task.unclaim"], strings.format("task.unclaimFor", title, task.caseID.rawValue)))"
        }
        guard holds else { return .empty }
        return button("claim", strings["task.claim"], strings.format("task.claimFor", title, task.caseID.rawValue))
    }

    /// `POST /tasks/claim` and `/tasks/unclaim` from "My tasks": the case and task come as
    /// form fields; no revision is needed (a claim does not depend on the case's fields),
    /// and success returns to the list.
    func claimFromList(_ web: WebRequest, claim: Bool) async throws -> Response {
        let id = web.form?["case"] ?? ""
        let task = web.form?["task"] ?? ""
        guard !id.isEmpty, !task.isEmpty else {
            throw WebError(status: .badRequest, message: web.strings.format("case.noTask", task))
        }
        let (state, _) = try await visibleCase(id, for: claim ? "claim" : "unclaim", by: web.guardian)
        let command: CaseCommand = claim ? .claim(task: task) : .unclaim(task: task)
        let commandID = web.form?["_command"].map { "web:" + $0 }
        try await web.guardian.authorize(command, on: state)
        do {
            let outcome = try await engine.execute(command, on: state.id, by: web.guardian.actor, commandID: commandID, ifRevision: nil)
            if !outcome.events.isEmpty { metrics.commandAppended() }
        } catch let refused as CommandRefused where refused.code != .unknownCase {
            metrics.commandRefused(refused.code.description)
            throw refused
        }
        return Self.redirect("/tasks")
    }

    func tasksPage(_ web: WebRequest) async throws -> Response {
        let strings = web.strings
        let scope = web.query["scope"] == "all" ? "all" : "mine"
        var query = TaskQuery()
        query.role = web.query["role"].flatMap { $0.isEmpty ? nil : $0 }
        query.process = web.query["process"].flatMap { $0.isEmpty ? nil : $0 }
        let tasks = try await visibleTasks(try await database.tasks(query), guardian: web.guardian, mine: scope == "mine")
        let today = Self.today(now())
        let soon = today.adding(days: 7)
        var overdue: [OpenTaskSummary] = []
        var due: [OpenTaskSummary] = []
        var coming: [OpenTaskSummary] = []
        for task in tasks {
            if let date = task.due, date < today {
                overdue.append(task)
            } else if let date = task.due, date <= soon {
                due.append(task)
            } else {
                coming.append(task)
            }
        }
        func table(_ rows: [OpenTaskSummary], caption: String, kind: String) -> HTML {
            guard !rows.isEmpty else { return "<h2>\(caption)</h2><p class=\"empty\">\(strings["tasks.none"])</p>" }
            // A long section shows its first rows and a link to all of them: filters narrow it.
            let shown = web.query["all"] == kind ? rows.count : Self.sectionRows
            let lines: [HTML] = rows.prefix(shown).map { task in
                let definition = catalog.process(id: task.process)?.definition
                let title = definition?.task(task.task)?.task.localizedTitle(strings.language) ?? task.task
                let caseLink = "/cases/\(HTML.urlComponent(task.caseID.rawValue))"
                let why = "\(caseLink)/tasks/\(HTML.urlComponent(task.task))/explanation"
                let processTitle = definition?.localizedTitle(strings.language) ?? task.process
                return """
                    <tr class="task-\(kind)">
                    <td><a href="\(caseLink)#task-\(task.task)">\(title)</a>\(task.suspended ? " <span class=\"tag\">\(strings["task.suspended"])</span>" as HTML : .empty)\(claimCell(task, title: title, web))</td>
                    <td><a href="\(caseLink)">\(task.caseID.rawValue)</a></td>
                    <td>\(processTitle)</td>
                    <td>\(task.role)</td>
                    <td class="date">\(strings.date(task.due?.description)) <a class="why" href="\(why)" aria-label="\(strings.format("task.whyFor", title))">\(strings["task.whyShort"])</a></td>
                    </tr>
                    """
            }
            return """
                <h2>\(caption) <span class="count">(\(rows.count))</span></h2>
                <div class="table-scroll"><table class="tasks">
                <thead><tr><th scope="col">\(strings["tasks.task"])</th><th scope="col">\(strings["tasks.case"])</th><th scope="col">\(strings["tasks.process"])</th><th scope="col">\(strings["tasks.role"])</th><th scope="col">\(strings["tasks.due"])</th></tr></thead>
                <tbody>\(lines)</tbody></table></div>
                \(rows.count > shown ? "<p><a href=\"\(Self.tasksLink(web.query, all: kind))\">\(strings.format("tasks.showAll", String(rows.count)))</a></p>" as HTML : .empty)
                """
        }
        let roles = Set(catalog.processes.flatMap { $0.definition.roles.map(\.id) }).union([AccessPolicy.responsibleRole]).sorted()
        let roleOptions: [HTML] = [HTML("<option value=\"\">\(strings["tasks.anyRole"])</option>")] + roles.map { role in
            "<option value=\"\(role)\"\(HTML(unsafe: query.role == role ? " selected" : ""))>\(role)</option>"
        }
        let processOptions: [HTML] = [HTML("<option value=\"\">\(strings["tasks.anyProcess"])</option>")] + catalog.processes.map { loaded in
            let id = loaded.definition.id
            return "<option value=\"\(id)\"\(HTML(unsafe: query.process == id ? " selected" : ""))>\(loaded.definition.localizedTitle(strings.language))</option>"
        }
        let body: HTML = """
            <form method="get" action="/tasks" class="filters" aria-label="\(strings["tasks.filters"])">
            <div class="field"><label for="scope">\(strings["tasks.scope"])</label>
            <select id="scope" name="scope"><option value="mine"\(HTML(unsafe: scope == "mine" ? " selected" : ""))>\(strings["tasks.mine"])</option><option value="all"\(HTML(unsafe: scope == "all" ? " selected" : ""))>\(strings["tasks.all"])</option></select></div>
            <div class="field"><label for="role">\(strings["tasks.role"])</label><select id="role" name="role">\(roleOptions)</select></div>
            <div class="field"><label for="process">\(strings["tasks.process"])</label><select id="process" name="process">\(processOptions)</select></div>
            <button type="submit" class="button button-secondary">\(strings["tasks.filter"])</button>
            </form>
            \(table(overdue, caption: strings["tasks.overdue"], kind: "overdue"))
            \(table(due, caption: strings["tasks.dueSoon"], kind: "due"))
            \(table(coming, caption: strings["tasks.coming"], kind: "coming"))
            """
        return Self.htmlResponse(page(web, title: strings["tasks.title"], body: body, wide: true))
    }
}
