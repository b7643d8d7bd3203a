import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine eval 'EXPR'`: evaluates a date or guard expression and explains it.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a date or guard expression and explain the result.",
        discussion: """
            Values given with --set are typed by their form: 2026-12-23 is a date, 12 a number, \
            true/false yes/no, anything else text. Working days are counted in --calendar (fi, \
            without any region's closed days) unless --process names a process (an id or a file), \
            whose fields, events, calendar and closed days are then used. Examples:
              aso-engine eval 'd + 2 working days' --set d=2026-12-23
              aso-engine eval 'releaseDate - 2 months' --set releaseDate=2027-08-27 --process vat-turku
            """)

    @Argument(help: ArgumentHelp("The expression, e.g. 'releaseDate - 2 months'.", valueName: "expr"))
    var expression: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A field value, e.g. releaseDate=2026-12-23 (repeatable).", valueName: "field=value"))
    var values: [String] = []

    @Option(name: .customLong("event"), help: ArgumentHelp("The date an event happened, e.g. consent-given=2026-06-10 (repeatable).", valueName: "event=date"))
    var events: [String] = []

    @Option(name: .long, help: ArgumentHelp("The date the case was opened (default: today).", valueName: "date"))
    var openedOn: String?

    @Option(name: .long, help: ArgumentHelp("A party named in the client's consent (repeatable); without it there is no consent.", valueName: "party"))
    var consent: [String] = []

    @Option(name: .long, help: ArgumentHelp("The calendar that counts working days.", valueName: "id"))
    var calendar: String = "fi"

    @Option(name: .long, help: ArgumentHelp("Check and evaluate in this process (an id or a file): its fields, events, calendar and closed days.", valueName: "process"))
    var process: String?

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func date(_ text: String, _ what: String) throws -> LocalDate {
        guard let date = LocalDate(String(text.prefix(10))) else {
            throw ValidationError("\(what) must be a date written YYYY-MM-DD, not '\(text)'.")
        }
        return date
    }

    func run() throws {
        var fields: [String: ExpressionValue] = [:]
        for assignment in values {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--set needs field=value, e.g. --set releaseDate=2026-12-23; got '\(assignment)'.")
            }
            fields[String(assignment[..<equals])] = ExpressionValue(inferringFrom: String(assignment[assignment.index(after: equals)...]))
        }
        var eventDates: [String: LocalDate] = [:]
        for assignment in events {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--event needs event=date, e.g. --event consent-given=2026-06-10.") }
            eventDates[parts[0]] = try date(parts[1], "The date of '\(parts[0])'")
        }
        let today = try global.now.map { try date($0, "--now") } ?? CalendarRegistry.standard.calendar(id: "fi")!.localDate(at: Date())

        let parsed: ProcessExpression
        do {
            parsed = try ProcessExpression(parsing: expression)
        } catch {
            throw fail("error: \(expression)\n       \(String(repeating: " ", count: error.offset))^ \(error.message)")
        }
        var environment = ExpressionEnvironment(fields: fields.mapValues { $0.type }, checksReferences: false)
        var businessCalendar: any BusinessCalendar
        if let process {
            let definition = try ProcessArgument.definition(process, options: processOptions, inspecting: true)
            environment = definition.expressionEnvironment
            guard let made = definition.makeCalendar() else { throw fail("The calendar '\(definition.calendar)' is not known.") }
            businessCalendar = made
        } else {
            guard let known = CalendarRegistry.standard.calendar(id: calendar) else {
                throw fail("Unknown calendar '\(calendar)'; known calendars: \(CalendarRegistry.standard.ids.joined(separator: ", ")).")
            }
            businessCalendar = known
        }
        let (type, errors) = parsed.check(in: environment)
        if let problem = errors.first {
            throw fail("error: \(expression)\n       \(String(repeating: " ", count: problem.offset))^ \(problem.message)")
        }
        let context = EvaluationContext(
            fields: fields, openedOn: try openedOn.map { try date($0, "--opened-on") } ?? today, today: today,
            eventDates: eventDates, consent: consent.isEmpty ? nil : .init(parties: Set(consent)), calendar: businessCalendar)
        var evaluation = parsed.evaluate(in: context)
        if case .date(let result)? = evaluation.value {
            evaluation.steps.append(businessCalendar.explainDay(result))
            if !businessCalendar.isWorkingDay(result) {
                let next = businessCalendar.nextWorkingDay(onOrAfter: result)
                evaluation.steps.append("As a due date it moves to the next working day, \(next.weekday) \(next) (unless the task has 'dueOnDayOff: keep').")
            }
            if self.process == nil {
                evaluation.steps.append("No region's closed days are counted; give --process ID to use a process's calendar and closed days.")
            }
        }
        if global.json {
            let object: [String: Any] = [
                "expression": parsed.text, "type": type?.rawValue ?? "unknown",
                "value": evaluation.value?.description ?? NSNull(), "explanation": evaluation.steps,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(evaluation.description)
        }
    }
}
