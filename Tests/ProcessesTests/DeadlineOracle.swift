import Foundation
import WorkflowKit

/// Due dates, reminder dates and escalation dates worked out the slow, obvious way, for
/// checking the engine against: nothing here calls the production calendar
/// (`FinnishCalendar`, `BusinessCalendar.adding(workingDays:to:)`, `nextWorkingDay`),
/// the duration arithmetic (`DateDuration.apply`, `LocalDate.adding`) or the schedule
/// rules (`ProcessDefinition.schedule`, `EscalationRule.firstDate/nextDate`).
///
/// - Days are (year, month, day) triples, moved one day at a time with a month-length
///   table; the weekday comes from Sakamoto's formula.
/// - Public holidays are a literal table for 2025–2033 (below), not computed: a date
///   outside those years is a failure of the oracle, not a guess.
/// - A process's own closed days are read from its definition (data, not rules) and
///   matched here by month and day.
/// - Due and earliest expressions are read from their text when they have the form
///   `anchor`, `anchor ± N unit`, `anchor ± N unit ± M unit`, … (anchor: a date field,
///   `openedOn` or `event.NAME`; applied left to right), and `max(…)` or `min(…)` of
///   such rules, which is every rule in `processes/`; any other form is reported as
///   unsupported rather than guessed.
struct DeadlineOracle {
    struct Day: Hashable, Comparable, CustomStringConvertible {
        var year: Int
        var month: Int
        var day: Int

        init(_ year: Int, _ month: Int, _ day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }

        init(_ date: LocalDate) { self.init(date.year, date.month, date.day) }

        var localDate: LocalDate { LocalDate(year: year, month: month, day: day)! }

        static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

        var description: String {
            "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        }

        static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

        static func length(of month: Int, in year: Int) -> Int {
            switch month {
            case 2: isLeap(year) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        var next: Day {
            if day < Day.length(of: month, in: year) { return Day(year, month, day + 1) }
            return month == 12 ? Day(year + 1, 1, 1) : Day(year, month + 1, 1)
        }

        var previous: Day {
            if day > 1 { return Day(year, month, day - 1) }
            return month == 1 ? Day(year - 1, 12, 31) : Day(year, month - 1, Day.length(of: month - 1, in: year))
        }

        /// 0 = Sunday … 6 = Saturday (Sakamoto).
        var weekday: Int {
            let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
            let y = month < 3 ? year - 1 : year
            return (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7
        }

        var isWeekend: Bool { weekday == 0 || weekday == 6 }
    }

    /// Finnish public holidays of 2025–2033, written out (the rules in force since 1991:
    /// New Year, Epiphany 6.1, Good Friday, Easter Sunday and Monday, May Day, Ascension Day
    /// = Easter + 39, Whit Sunday = Easter + 49, Midsummer Eve = the Friday in 19–25 June
    /// and Midsummer Day after it, All Saints' Day = the Saturday in 31.10–6.11,
    /// Independence Day 6.12, Christmas Eve, Christmas Day, Boxing Day). Easter Sundays from
    /// the published Easter tables (20.4.2025, 5.4.2026, 28.3.2027, 16.4.2028, 1.4.2029,
    /// 21.4.2030, 13.4.2031, 28.3.2032, 17.4.2033); the weekday-bound days worked out with
    /// Python's `datetime`, not with this project's code. Weekend holidays are listed too;
    /// only those on Monday–Friday change a count. The simulated year reaches 2032 through
    /// rules such as `birthDate + 23 years - 3 months`.
    static let holidays: Set<Day> = {
        let table: [Int: [(Int, Int)]] = [
            // New Year, Epiphany, Good Friday, Easter Sunday, Easter Monday, May Day, Ascension,
            // Whit Sunday, Midsummer Eve, Midsummer Day, All Saints', Independence Day, Christmas Eve, Christmas Day, Boxing Day
            2025: [(1, 1), (1, 6), (4, 18), (4, 20), (4, 21), (5, 1), (5, 29), (6, 8), (6, 20), (6, 21), (11, 1), (12, 6), (12, 24), (12, 25), (12, 26)],
            2026: [(1, 1), (1, 6), (4, 3), (4, 5), (4, 6), (5, 1), (5, 14), (5, 24), (6, 19), (6, 20), (10, 31), (12, 6), (12, 24), (12, 25), (12, 26)],
            2027: [(1, 1), (1, 6), (3, 26), (3, 28), (3, 29), (5, 1), (5, 6), (5, 16), (6, 25), (6, 26), (11, 6), (12, 6), (12, 24), (12, 25), (12, 26)],
            2028: [(1, 1), (1, 6), (4, 14), (4, 16), (4, 17), (5, 1), (5, 25), (6, 4), (6, 23), (6, 24), (11, 4), (12, 6), (12, 24), (12, 25), (12, 26)],
            2029: [(1, 1), (1, 6), (3, 30), (4, 1), (4, 2), (5, 1), (5, 10), (5, 20), (6, 22), (6, 23), (11, 3), (12, 6), (12, 24), (12, 25), (12, 26)],
            2030: [(1, 1), (1, 6), (4, 19), (4, 21), (4, 22), (5, 1), (5, 30), (6, 9), (6, 21), (6, 22), (11, 2), (12, 6), (12, 24), (12, 25), (12, 26)],
            2031: [(1, 1), (1, 6), (4, 11), (4, 13), (4, 14), (5, 1), (5, 22), (6, 1), (6, 20), (6, 21), (11, 1), (12, 6), (12, 24), (12, 25), (12, 26)],
            2032: [(1, 1), (1, 6), (3, 26), (3, 28), (3, 29), (5, 1), (5, 6), (5, 16), (6, 25), (6, 26), (11, 6), (12, 6), (12, 24), (12, 25), (12, 26)],
            2033: [(1, 1), (1, 6), (4, 15), (4, 17), (4, 18), (5, 1), (5, 26), (6, 5), (6, 24), (6, 25), (11, 5), (12, 6), (12, 24), (12, 25), (12, 26)],
        ]
        return Set(table.flatMap { year, days in days.map { Day(year, $0.0, $0.1) } })
    }()

    static let years = 2025...2033

    /// Dates the oracle was asked about outside the years its table covers.
    private(set) var outOfRange: Set<Day> = []
    /// The process's own closed days, as (from, through) month-day pairs or (from, through) dates.
    private var yearly: [((Int, Int), (Int, Int))] = []
    private var ranges: [(Day, Day)] = []

    init(closedDays: [RegionalCalendar.ClosedDays]) {
        for closed in closedDays {
            switch closed.span {
            case .date(let date): ranges.append((Day(date), Day(date)))
            case .range(let from, let through): ranges.append((Day(from), Day(through)))
            case .yearly(let from, let through): yearly.append(((from.month, from.day), (through.month, through.day)))
            }
        }
    }

    mutating func isWorkingDay(_ day: Day) -> Bool {
        if !Self.years.contains(day.year) { outOfRange.insert(day) }
        if day.isWeekend || Self.holidays.contains(day) { return false }
        if ranges.contains(where: { $0.0 <= day && day <= $0.1 }) { return false }
        let md = (day.month, day.day)
        for (from, through) in yearly {
            let inside = from <= through ? (from <= md && md <= through) : (md >= from || md <= through)
            if inside { return false }
        }
        return true
    }

    mutating func nextWorkingDay(onOrAfter day: Day) -> Day {
        var day = day
        while !isWorkingDay(day) { day = day.next }
        return day
    }

    /// `n` steps of one day, or of one working day (the start never counts).
    mutating func move(_ day: Day, by n: Int, unit: DurationUnit) -> Day {
        var day = day
        switch unit {
        case .days, .weeks:
            for _ in 0..<abs(n) * (unit == .weeks ? 7 : 1) { day = n > 0 ? day.next : day.previous }
        case .workingDays:
            var left = abs(n)
            while left > 0 {
                day = n > 0 ? day.next : day.previous
                if isWorkingDay(day) { left -= 1 }
            }
        case .months, .years:
            // The same day of the month, n months on; the month's last day when it is shorter.
            let months = unit == .years ? 12 * n : n
            var year = day.year
            var month = day.month
            for _ in 0..<abs(months) {
                if months > 0 {
                    month += 1
                    if month == 13 { month = 1; year += 1 }
                } else {
                    month -= 1
                    if month == 0 { month = 12; year -= 1 }
                }
            }
            day = Day(year, month, min(day.day, Day.length(of: month, in: year)))
        }
        return day
    }

    mutating func move(_ day: Day, by duration: DateDuration) -> Day {
        move(day, by: duration.amount, unit: duration.unit)
    }

    // MARK: Expressions

    /// What a case knows at one point of its history, as the oracle reads it.
    struct Facts {
        var openedOn: Day?
        var fields: [String: ExpressionValue] = [:]
        var events: [String: Day] = [:]
    }

    enum Rule: Equatable {
        case unsupported(String)
        case anchored(anchor: String, steps: [Step])
    }

    struct Step: Equatable {
        var amount: Int
        var unit: DurationUnit
    }

    /// Reads `anchor` followed by any number of `+ N unit` or `- N unit`.
    static func rule(_ text: String) -> Rule {
        var words = text.split(separator: " ").map(String.init)[...]
        guard let anchor = words.popFirst(), anchor.first?.isLetter == true, !anchor.contains("(") else { return .unsupported(text) }
        var steps: [Step] = []
        while let sign = words.popFirst() {
            guard sign == "+" || sign == "-", let number = words.popFirst(), let amount = Int(number), var unitText = words.popFirst() else {
                return .unsupported(text)
            }
            if unitText == "working", let next = words.popFirst() { unitText += " " + next }
            let unit: DurationUnit
            switch unitText {
            case "day", "days": unit = .days
            case "working day", "working days": unit = .workingDays
            case "week", "weeks": unit = .weeks
            case "month", "months": unit = .months
            case "year", "years": unit = .years
            default: return .unsupported(text)
            }
            steps.append(Step(amount: sign == "-" ? -amount : amount, unit: unit))
        }
        return .anchored(anchor: anchor, steps: steps)
    }

    /// The date `text` gives with `facts`, nil when its anchor is not known; throws for a form it does not read.
    mutating func evaluate(_ text: String, _ facts: Facts) throws -> Day? {
        // max(a, b, …) and min(a, b, …) of such rules: unknown when any of them is.
        for function in ["max", "min"] where text.hasPrefix(function + "(") && text.hasSuffix(")") {
            let inside = text.dropFirst(function.count + 1).dropLast()
            guard !inside.contains("(") else { throw Unsupported(text: text) }
            var days: [Day] = []
            for part in inside.components(separatedBy: ", ") {
                guard let day = try evaluate(part, facts) else { return nil }
                days.append(day)
            }
            return function == "max" ? days.max() : days.min()
        }
        guard case .anchored(let anchor, let steps) = Self.rule(text) else {
            throw Unsupported(text: text)
        }
        let start: Day?
        if anchor == "openedOn" {
            start = facts.openedOn
        } else if anchor.hasPrefix("event.") {
            start = facts.events[String(anchor.dropFirst("event.".count))]
        } else if case .date(let date)? = facts.fields[anchor] {
            start = Day(date)
        } else if facts.fields[anchor] == nil {
            start = nil
        } else {
            throw Unsupported(text: text)
        }
        guard var day = start else { return nil }
        for step in steps { day = move(day, by: step.amount, unit: step.unit) }
        return day
    }

    struct Unsupported: Error, CustomStringConvertible {
        var text: String
        var description: String { "the oracle does not read the rule '\(text)'" }
    }

    /// A task's window as the oracle works it out: the earliest start as written, the due
    /// date moved off a day off unless the task keeps it; `rawDue` before that move.
    struct Window: Equatable {
        var earliest: Day?
        var due: Day?
        var rawDue: Day?
    }

    mutating func window(of task: TaskDefinition, _ facts: Facts) throws -> Window {
        let earliest = try task.earliest.flatMap { try evaluate($0.text, facts) }
        let raw = try task.due.flatMap { try evaluate($0.text, facts) }
        var due = raw
        if let day = raw, task.dueOnDayOff == .nextWorkingDay { due = nextWorkingDay(onOrAfter: day) }
        return Window(earliest: earliest, due: due, rawDue: raw)
    }

    /// The due date of repetition number `occurrence` (2, 3, …) of a series that counts
    /// from `start`: `every` × (occurrence − 1) after it, moved off a day off like the first.
    mutating func repetitionDue(of task: TaskDefinition, occurrence: Int, start: Day) -> Day? {
        guard let every = task.repeatRule?.every else { return nil }
        let day = move(start, by: every.amount * (occurrence - 1), unit: every.unit)
        return task.dueOnDayOff == .nextWorkingDay ? nextWorkingDay(onOrAfter: day) : day
    }

    // MARK: Reminders and escalation

    /// The day a reminder rule falls on, given its anchor.
    mutating func reminder(_ rule: ReminderRule, anchor: Day) -> Day {
        move(anchor, by: rule.offset)
    }

    /// Every day an escalation rung tells its role for a task due on `due`, in order, from
    /// the first working day after the task has been overdue for `after`, then each `every`
    /// after the previous one (moved to a working day), `times` in all; an unbounded rung
    /// is listed up to the first day after `through`.
    mutating func escalationDays(_ rule: EscalationRule, due: Day, through: Day) -> [Day] {
        var days = [nextWorkingDay(onOrAfter: move(due, by: rule.after).next)]
        guard let every = rule.every else { return days }
        while let last = days.last, rule.times.map({ days.count < $0 }) ?? (last <= through) {
            let next = nextWorkingDay(onOrAfter: move(last, by: every))
            guard next > last else { break }
            days.append(next)
        }
        return days
    }
}
