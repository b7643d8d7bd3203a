import Foundation
import HTTPTypes
import Hummingbird
import Processes
import WorkflowKit

/// Processes for coordinators: the catalog, each process as a diagram, and an editor
/// that checks a process file without saving anything: its messages at line:column,
/// its examples, its diagram and its impact on open cases.
extension APIServer {
    func addProcessPages(to router: Router<APIContext>) {
        router.get("/processes") { request, _ in
            try await web(request) { web in
                let strings = web.strings
                let rows: [HTML] = catalog.processes.map { loaded in
                    let definition = loaded.definition
                    return """
                        <tr><td><a href="/processes/\(HTML.urlComponent(definition.id))">\(definition.localizedTitle(strings.language))</a></td><td><code>\(definition.id)</code></td><td>\(definition.states.count)</td><td>\(definition.states.flatMap(\.tasks).count)</td><td><code>\(definition.shortHash)</code></td></tr>
                        """
                }
                let body: HTML = """
                    <p>\(strings["processes.intro"])</p>
                    <p><a class="button" href="/process-editor">\(strings["processes.editor"])</a></p>
                    <div class="table-scroll"><table><caption>\(strings["processes.caption"])</caption>
                    <thead><tr><th scope="col">\(strings["processes.name"])</th><th scope="col">\(strings["processes.id"])</th><th scope="col">\(strings["processes.states"])</th><th scope="col">\(strings["processes.tasks"])</th><th scope="col">\(strings["processes.version"])</th></tr></thead>
                    <tbody>\(rows)</tbody></table></div>
                    """
                return Self.htmlResponse(page(web, title: strings["processes.title"], body: body, wide: true))
            }
        }
        router.get("/processes/:process") { request, context in
            try await web(request) { web in
                let id = try context.pathParameter("process")
                guard let loaded = catalog.process(id: id) else {
                    throw WebError(status: .notFound, message: web.strings.format("processes.unknown", id))
                }
                let definition = loaded.definition
                let body: HTML = """
                    <p><code>\(definition.id)</code> · \(web.strings["processes.version"]) <code>\(definition.shortHash)</code> · \(web.strings["processes.calendar"]) <code>\(definition.calendar)</code></p>
                    <figure class="diagram">\(ProcessDiagram(definition: definition, language: web.language).svg())</figure>
                    \(Self.processTables(definition, strings: web.strings))
                    """
                return Self.htmlResponse(page(web, title: definition.localizedTitle(web.language), body: body, wide: true))
            }
        }
        router.get("/process-editor") { request, _ in
            try await web(request) { web in try await editorPage(web, text: "", name: "process.yaml", checked: nil) }
        }
        router.post("/process-editor") { request, _ in
            try await web(request) { web in
                var text = web.form?["text"] ?? ""
                var name = "process.yaml"
                if let uploaded = web.form?["file"], !uploaded.isEmpty {
                    text = uploaded
                    name = "uploaded.yaml"
                }
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    return try await editorPage(web, text: "", name: name, checked: nil, empty: true)
                }
                let check = try await checkProcessFile(text, name: name, guardian: web.guardian)
                return try await editorPage(web, text: text, name: name, checked: check)
            }
        }
    }

    func editorPage(_ web: WebRequest, text: String, name: String, checked: ProcessFileCheck?, empty: Bool = false) async throws -> Response {
        let strings = web.strings
        var results: [HTML] = []
        if let checked {
            let library = checked.library
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if library.diagnostics.isEmpty {
                results.append("<div class=\"notice notice-success\" role=\"status\"><p>\(strings["editor.valid"])</p></div>")
            } else {
                let items: [HTML] = library.diagnostics.map { diagnostic in
                    let source = diagnostic.line >= 1 && diagnostic.line <= lines.count ? String(lines[diagnostic.line - 1]) : ""
                    let severity = diagnostic.severity.rawValue
                    return """
                        <li class="diagnostic diagnostic-\(severity)"><strong>\(strings.format("editor.at", String(diagnostic.line), String(diagnostic.column)))</strong> \(diagnostic.message)
                        <pre><code>\(String(diagnostic.line)) | \(source)\n\(String(repeating: " ", count: String(diagnostic.line).count + 2 + max(0, diagnostic.column - 1)))^</code></pre></li>
                        """
                }
                results.append(
                    """
                    <div class="error-summary" role="alert" tabindex="-1"><h2>\(strings.format("editor.problems", String(library.diagnostics.count)))</h2><ul class="diagnostics">\(items)</ul></div>
                    """)
            }
            if !library.exampleResults.isEmpty {
                let examples: [HTML] = library.exampleResults.map { result in
                    let failures: [HTML] = result.failures.map { "<li>\($0)</li>" }
                    return """
                        <li class="\(result.passed ? "example-passed" : "example-failed")"><span class="tag\(result.passed ? " tag-ok" : " tag-late")">\(result.passed ? strings["editor.passed"] : strings["editor.failed"])</span> \(result.name) <span class="hint">(\(strings.format("editor.line", String(result.location.line), String(result.location.column))))</span>\(failures.isEmpty ? HTML.empty : "<ul>\(failures)</ul>" as HTML)</li>
                        """
                }
                results.append("<h2>\(strings["editor.examples"])</h2><ul class=\"examples\">\(examples)</ul>")
            }
            if let loaded = checked.loaded {
                results.append(
                    """
                    <h2>\(strings["editor.diagram"])</h2><figure class="diagram">\(ProcessDiagram(definition: loaded.definition, language: web.language).svg())</figure>
                    """)
            }
            if let impact = checked.impact {
                let changes: [HTML] = impact.versions.flatMap { diff in diff.changes.map { "<li>\($0.description)</li>" as HTML } }
                let cases: [HTML] = impact.cases.map { effect in
                    let what = effect.taskChanges.map(\.description) + effect.cadenceChanges.map(\.description)
                        + effect.tasksNotOpened.map { strings.format("editor.notOpened", $0) }
                    let status = !effect.canMigrate ? (effect.refusal ?? strings["editor.cannotMigrate"]) : effect.isAffected ? what.joined(separator: "; ") : strings["editor.unaffected"]
                    return "<tr><td><a href=\"/cases/\(HTML.urlComponent(effect.caseID.rawValue))\">\(effect.caseID.rawValue)</a></td><td>\(effect.state)</td><td>\(status)</td></tr>"
                }
                results.append(
                    """
                    <h2>\(strings["editor.impact"])</h2>
                    \(changes.isEmpty ? "<p>\(strings["editor.noChanges"])</p>" as HTML : "<h3>\(strings["editor.changes"])</h3><ul>\(changes)</ul>" as HTML)
                    \(cases.isEmpty ? "<p class=\"empty\">\(strings["editor.noCases"])</p>" as HTML : """
                    <div class="table-scroll"><table><caption>\(strings["editor.casesCaption"])</caption><thead><tr><th scope="col">\(strings["tasks.case"])</th><th scope="col">\(strings["case.state"])</th><th scope="col">\(strings["editor.effect"])</th></tr></thead><tbody>\(cases)</tbody></table></div>
                    """ as HTML)
                    """)
            }
        }
        let emptyError: HTML = empty ? "<p class=\"field-error\" id=\"text-error\">\(strings["editor.empty"])</p>" : .empty
        let body: HTML = """
            <p>\(strings["editor.intro"])</p>
            \(HTML(unsafe: results.map(\.text).joined()))
            <form method="post" action="/process-editor" enctype="multipart/form-data" class="stack" novalidate>
            \(web.csrfField)
            <div class="field"><label for="file">\(strings["editor.upload"])</label><input id="file" name="file" type="file" accept=".yaml,.yml,text/yaml"></div>
            <div class="field\(empty ? " has-error" : "")"><label for="text">\(strings["editor.paste"])</label>\(emptyError)
            <textarea id="text" name="text" rows="24" spellcheck="false"\(empty ? " aria-invalid=\"true\" aria-describedby=\"text-error\"" as HTML : .empty)>\(text)</textarea></div>
            <button type="submit" class="button">\(strings["editor.check"])</button>
            </form>
            """
        let status: HTTPResponse.Status = empty ? .unprocessableContent : .ok
        return Self.htmlResponse(page(web, title: strings["editor.title"], body: body, wide: true), status: status)
    }

    /// The states with their tasks, and the fields, of a process.
    static func processTables(_ definition: ProcessDefinition, strings: Strings) -> HTML {
        let language = strings.language
        let states: [HTML] = definition.states.map { state in
            let tasks: [HTML] = state.tasks.map { task in
                "<li>\(task.localizedTitle(language)) <span class=\"hint\">(\(task.role)\(task.due.map { ", " + $0.text } ?? ""))</span></li>"
            }
            return "<li><strong>\(state.localizedTitle(language))</strong>\(tasks.isEmpty ? HTML.empty : "<ul>\(tasks)</ul>" as HTML)</li>"
        }
        let fields: [HTML] = definition.fields.map { field in
            "<tr><td>\(field.localizedTitle(language))</td><td><code>\(field.id)</code></td><td>\(field.type.rawValue)</td><td>\(field.personal ? strings["field.yes"] : strings["field.no"])</td></tr>"
        }
        return """
            <h2>\(strings["processes.statesAndTasks"])</h2><ol class="states">\(states)</ol>
            <h2>\(strings["processes.fields"])</h2>
            <div class="table-scroll"><table><thead><tr><th scope="col">\(strings["processes.name"])</th><th scope="col">\(strings["processes.id"])</th><th scope="col">\(strings["processes.type"])</th><th scope="col">\(strings["processes.personal"])</th></tr></thead><tbody>\(fields)</tbody></table></div>
            """
    }
}
