/// A unit of date arithmetic: `2 months`, `5 working days`.
public enum DurationUnit: String, Sendable, Hashable, Codable, CaseIterable {
    case days, workingDays, weeks, months, years

    /// The unit as written in expressions, singular or plural for `amount`.
    public func spelled(for amount: Int) -> String {
        let one = abs(amount) == 1
        switch self {
        case .days: return one ? "day" : "days"
        case .workingDays: return one ? "working day" : "working days"
        case .weeks: return one ? "week" : "weeks"
        case .months: return one ? "month" : "months"
        case .years: return one ? "year" : "years"
        }
    }
}

/// An amount of time: a number of days, working days, weeks, months or years.
public struct DateDuration: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How many units (may be negative or zero).
    public var amount: Int
    /// Which unit.
    public var unit: DurationUnit

    /// Creates a value from its parts (see the properties for their meaning).
    public init(_ amount: Int, _ unit: DurationUnit) {
        self.amount = amount
        self.unit = unit
    }

    public var description: String { "\(amount) \(unit.spelled(for: amount))" }

    /// `date` moved by this duration (negated when `negated`), working days
    /// counted in `calendar`. Months and years clamp to the end of the month.
    public func apply(to date: LocalDate, negated: Bool = false, calendar: any BusinessCalendar) -> LocalDate {
        let n = negated ? -amount : amount
        switch unit {
        case .days: return date.adding(days: n)
        case .weeks: return date.adding(days: 7 * n)
        case .months: return date.adding(months: n)
        case .years: return date.adding(years: n)
        case .workingDays: return calendar.adding(workingDays: n, to: date)
        }
    }
}
