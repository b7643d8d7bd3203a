import Foundation
import Hummingbird
import Processes
import WorkflowKit

/// Outcomes as charts: the report of `aso-engine report` per process for a period —
/// reported values (housed before release …), working days from opening to a reported
/// date against the two-working-day goal, overdue tasks per month, escalations per case.
/// Figures only, no case: for coordinators.
extension APIServer {
    func addOutcomePages(to router: Router<APIContext>) {
        router.get("/outcomes") { request, _ in
            try await web(request) { web in
                let strings = web.strings
                guard web.holds(AccessPolicy.coordinatorRole) else {
                    throw WebError(status: .forbidden, message: strings["outcomes.coordinatorsOnly"])
                }
                let today = Self.today(now())
                var problems: [String: String] = [:]
                func date(_ name: String, _ fallback: LocalDate) -> LocalDate {
                    guard let text = web.query[name], !text.isEmpty else { return fallback }
                    guard let date = LocalDate(text) else {
                        problems[name] = strings["field.notDate"]
                        return fallback
                    }
                    return date
                }
                let to = date("to", today)
                var from = date("from", to.adding(months: -12).adding(days: 1))
                if from > to {
                    problems["from"] = strings["outcomes.fromAfterTo"]
                    from = to
                }
                let process = web.query["process"].flatMap { $0.isEmpty ? nil : $0 }
                // The report of the log as far as it reached when asked, built once per
                // position, period and process; the late tasks of each month (at most 24)
                // are counted in the same pass.
                let position = try await database.eventLog.lastPosition()
                let key = OutcomeReportCache.Key(position: position, from: from, to: to, process: process)
                let report: OutcomeReport
                if let kept = outcomeReports.report(for: key) {
                    report = kept
                } else {
                    report = try await OutcomeReport.build(
                        events: database.eventLog.readAll(after: 0).prefix { $0.position <= position },
                        definitions: { try await database.definition(hash: $0) },
                        process: process, from: from, to: to, read: { try await database.caseEvent($0) })
                    outcomeReports.keep(report, for: key)
                }
                let months = report.tasksLateByMonth(limit: 24).map { (String($0.month.description.prefix(7)), $0.late) }
                var sections: [HTML] = []
                for figures in report.processes {
                    let definition = catalog.process(id: figures.process)?.definition
                    let title = definition?.localizedTitle(strings.language) ?? figures.process
                    var charts: [HTML] = [
                        Charts.bars(
                            title: strings["outcomes.tasks"],
                            bars: [(strings["outcomes.onTime"], Double(figures.tasksOnTime)), (strings["outcomes.late"], Double(figures.tasksLate))])
                    ]
                    for (field, counts) in figures.values.sorted(by: { $0.key < $1.key }) {
                        let fieldTitle = definition?.field(field)?.localizedTitle(strings.language) ?? field
                        charts.append(
                            Charts.bars(
                                title: fieldTitle,
                                bars: counts.sorted { $0.key < $1.key }.map { value, count in
                                    (value == "true" ? strings["field.yes"] : value == "false" ? strings["field.no"] : value, Double(count))
                                }))
                    }
                    for (field, days) in figures.workingDaysFromOpening.sorted(by: { $0.key < $1.key }) {
                        let fieldTitle = definition?.field(field)?.localizedTitle(strings.language) ?? field
                        var buckets = Array(repeating: 0, count: 7)
                        for day in days { buckets[min(max(day, 0), 6)] += 1 }
                        let within = days.filter { $0 <= 2 }.count
                        charts.append(
                            Charts.bars(
                                title: strings.format("outcomes.workingDays", fieldTitle),
                                bars: buckets.enumerated().map { index, count in (index == 6 ? "6+" : String(index), Double(count)) },
                                goalAfter: 2, goalLabel: strings["outcomes.goal"],
                                note: strings.format("outcomes.withinGoal", String(within), String(days.count))))
                    }
                    let perCase = figures.casesOpened == 0 ? 0 : Double(figures.escalations) / Double(figures.casesOpened)
                    sections.append(
                        """
                        <section class="outcomes" aria-labelledby="outcomes-\(figures.process)"><h2 id="outcomes-\(figures.process)">\(title)</h2>
                        <dl class="facts"><dt>\(strings["outcomes.opened"])</dt><dd>\(figures.casesOpened)</dd><dt>\(strings["outcomes.closed"])</dt><dd>\(figures.casesClosed)</dd>
                        <dt>\(strings["outcomes.escalations"])</dt><dd>\(figures.escalations)</dd><dt>\(strings["outcomes.perCase"])</dt><dd>\(String(format: "%.2f", perCase))</dd></dl>
                        <div class="charts">\(charts)</div></section>
                        """)
                }
                let processOptions: [HTML] = [HTML("<option value=\"\">\(strings["tasks.anyProcess"])</option>")] + catalog.processes.map { loaded in
                    let id = loaded.definition.id
                    return "<option value=\"\(id)\"\(HTML(unsafe: process == id ? " selected" : ""))>\(loaded.definition.localizedTitle(strings.language))</option>"
                }
                func dateField(_ name: String, _ label: String, _ value: LocalDate) -> HTML {
                    let error: HTML = problems[name].map { "<p class=\"field-error\" id=\"\(name)-error\">\($0)</p>" } ?? .empty
                    let invalid: HTML = problems[name] == nil ? .empty : " aria-invalid=\"true\" aria-describedby=\"\(name)-error\""
                    return "<div class=\"field\(problems[name] == nil ? "" : " has-error")\"><label for=\"\(name)\">\(label)</label>\(error)<input id=\"\(name)\" name=\"\(name)\" type=\"date\" value=\"\(value.description)\"\(invalid)></div>"
                }
                let body: HTML = """
                    <form method="get" action="/outcomes" class="filters" novalidate>
                    \(dateField("from", strings["outcomes.from"], from))\(dateField("to", strings["outcomes.to"], to))
                    <div class="field"><label for="process">\(strings["tasks.process"])</label><select id="process" name="process">\(processOptions)</select></div>
                    <button type="submit" class="button button-secondary">\(strings["outcomes.show"])</button></form>
                    <section aria-labelledby="monthly-title"><h2 id="monthly-title">\(strings["outcomes.lateByMonth"])</h2>
                    \(Charts.bars(title: strings["outcomes.lateByMonth"], bars: months.map { ($0.0, Double($0.1)) }, vertical: true))</section>
                    \(sections.isEmpty ? "<p class=\"empty\">\(strings["outcomes.none"])</p>" as HTML : HTML(unsafe: sections.map(\.text).joined()))
                    """
                return Self.htmlResponse(page(web, title: strings["outcomes.title"], body: body, wide: true), status: problems.isEmpty ? .ok : .unprocessableContent)
            }
        }
    }
}

/// Bar charts as SVG, each with its figures as text for those who do not see it.
enum Charts {
    static func bars(
        title: String, bars: [(String, Double)], goalAfter: Int? = nil, goalLabel: String = "", note: String? = nil, vertical: Bool = false
    ) -> HTML {
        let maximum = max(1, bars.map(\.1).max() ?? 1)
        let summary = bars.map { "\($0.0): \(format($0.1))" }.joined(separator: ", ")
        let shapes: [HTML]
        let width: Int
        let height: Int
        if vertical {
            let slot = 44
            width = max(240, bars.count * slot + 40)
            height = 200
            shapes = bars.enumerated().map { index, bar in
                let barHeight = Int((bar.1 / maximum) * 130)
                let x = 30 + index * slot
                return """
                    <g><rect class="bar" x="\(x)" y="\(160 - barHeight)" width="\(slot - 10)" height="\(barHeight)"/><text x="\(x + (slot - 10) / 2)" y="\(155 - barHeight)" text-anchor="middle" class="value">\(format(bar.1))</text><text x="\(x + (slot - 10) / 2)" y="178" text-anchor="middle" class="label" transform="rotate(-30 \(x + (slot - 10) / 2) 178)">\(bar.0)</text></g>
                    """
            }
        } else {
            let row = 28
            width = 420
            height = bars.count * row + 16
            shapes = bars.enumerated().map { index, bar in
                let barWidth = Int((bar.1 / maximum) * 250)
                let y = 8 + index * row
                let late = goalAfter.map { (Int(bar.0) ?? Int.max) > $0 } ?? false
                return """
                    <g><text x="110" y="\(y + 17)" text-anchor="end" class="label">\(bar.0)</text><rect class="bar\(late ? " bar-late" : "")" x="118" y="\(y + 3)" width="\(max(barWidth, 1))" height="20"/><text x="\(124 + barWidth)" y="\(y + 17)" class="value">\(format(bar.1))</text></g>
                    """
            }
        }
        let goal: HTML = goalAfter == nil ? .empty : "<p class=\"hint\">\(goalLabel)</p>"
        return """
            <figure class="chart"><figcaption>\(title)</figcaption>
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-label="\(title): \(summary)">\(shapes)</svg>
            \(goal)\(note.map { "<p class=\"hint\">\($0)</p>" as HTML } ?? .empty)
            </figure>
            """
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
