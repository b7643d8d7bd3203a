public import Foundation

/// Which days work is done on, for counting working-day deadlines.
///
/// A conforming type answers two questions about a date; everything else
/// (adding working days, moving a deadline off a day off, converting between
/// dates and instants in the calendar's zone) comes from the extension in
/// `BusinessCalendar+Arithmetic.swift`.
public protocol BusinessCalendar: Sendable {
    /// The id that process files use to name this calendar, e.g. "fi".
    var id: String { get }

    /// The zone whose wall clock decides which date an instant falls on.
    var timeZone: TimeZone { get }

    /// The name of the public holiday or closed day on `date`, nil if none
    /// (weekends are not named here).
    func closure(on date: LocalDate) -> String?

    /// Whether work is done on `date`.
    func isWorkingDay(_ date: LocalDate) -> Bool
}
