/// The dates of one task for one case: its window, its reminders, and why.
public struct TaskSchedule: Sendable, Hashable {
    /// The task's id.
    public var taskID: String
    /// The earliest start, nil when the task has none or it is not known yet.
    public var earliest: LocalDate?
    /// The due date after the day-off rule, nil when none or not known yet.
    public var due: LocalDate?
    /// The dates reminders are sent, in order.
    public var reminders: [LocalDate]
    /// The first escalation of each rung of the ladder, in the ladder's order
    /// (empty when the due date is not known).
    public var escalations: [EscalationStep]
    /// One line per rule applied, e.g. "due: 2026-10-23 = releaseDate (2026-12-23) - 2 months".
    public var explanation: [String]
}

/// When a rung of an escalation ladder first tells its role.
public struct EscalationStep: Sendable, Hashable {
    /// The role told.
    public var role: String
    /// The first day it is told.
    public var date: LocalDate
    /// The rule, for the following dates (``EscalationRule/nextDate(after:calendar:)``).
    public var rule: EscalationRule
}

extension ProcessDefinition {
    /// The schedule of `task` for a case described by `context`.
    ///
    /// A due date on a day off moves to the next working day unless the task
    /// says `dueOnDayOff: keep` (Act 150/1930 §5). Earliest starts are not moved.
    ///
    /// - Parameter explained: Whether to write ``TaskSchedule/explanation``; the engine,
    ///   which needs only the dates when it decides, leaves it empty.
    public func schedule(of task: TaskDefinition, in context: EvaluationContext, explained: Bool = true) -> TaskSchedule {
        let calendar = context.calendar
        var explanation: [String] = []
        // Unexplained, neither the rules' steps nor the sentences below are written.
        func note(_ line: @autoclosure () -> String) {
            if explained { explanation.append(line()) }
        }
        func value(of expression: ProcessExpression, _ prefix: String) -> ExpressionValue? {
            guard explained else { return expression.value(in: context) }
            let evaluation = expression.evaluate(in: context)
            explanation += evaluation.steps.map { "\(prefix): \($0)" }
            return evaluation.value
        }
        let earliest = task.earliest.flatMap { value(of: $0, "earliest")?.date }
        var due: LocalDate?
        if let date = task.due.flatMap({ value(of: $0, "due")?.date }) {
            due = date
            if !calendar.isWorkingDay(date) {
                switch task.dueOnDayOff {
                case .nextWorkingDay:
                    let moved = calendar.nextWorkingDay(onOrAfter: date)
                    note("due: \(calendar.explainDay(date)) The due date moves to the next working day, \(moved) (Act 150/1930 §5).")
                    due = moved
                case .keep:
                    note("due: \(calendar.explainDay(date)) The task keeps it (dueOnDayOff: keep).")
                }
            } else {
                note("due: \(calendar.explainDay(date))")
            }
        }
        var reminders: [LocalDate] = []
        for rule in task.reminders {
            guard let anchor = rule.anchor == .due ? due : earliest else { continue }
            reminders.append(rule.date(from: anchor, calendar: calendar))
        }
        var escalations: [EscalationStep] = []
        if let due {
            for rule in task.escalation {
                let date = rule.firstDate(due: due, calendar: calendar)
                escalations.append(EscalationStep(role: rule.to, date: date, rule: rule))
                note(
                    "escalation: \(date) = the first working day after \(due) + \(rule.after) overdue, to the role '\(rule.to)'"
                        + "\(rule.every.map { ", then every \($0)" } ?? "")\(rule.times.map { ", \($0) times in all" } ?? "")")
            }
        }
        return TaskSchedule(
            taskID: task.id, earliest: earliest, due: due, reminders: reminders.sorted(), escalations: escalations,
            explanation: explanation)
    }
}
