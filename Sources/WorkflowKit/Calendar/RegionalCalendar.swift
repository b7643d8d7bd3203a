public import Foundation

/// A calendar with a region's own closed days on top of another, e.g. an office
/// closed from 27 December to 2 January every year.
///
/// A day is a working day when it is one in the base calendar and no closed day
/// covers it. The time zone is the base calendar's.
public struct RegionalCalendar: BusinessCalendar {
    /// The calendar whose working days this one narrows.
    public let base: any BusinessCalendar
    public let id: String
    /// The region's own closed days, in the order given.
    public let closedDays: [ClosedDays]

    public init(base: any BusinessCalendar, id: String, closedDays: [ClosedDays]) {
        self.base = base
        self.id = id
        self.closedDays = closedDays
    }

    public var timeZone: TimeZone { base.timeZone }

    /// The base calendar's holiday on `date` if there is one, else the name of the
    /// first closed day that covers it.
    public func closure(on date: LocalDate) -> String? {
        if let name = base.closure(on: date) { return name }
        return closedDays.first { $0.contains(date) }?.name
    }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        guard base.isWorkingDay(date) else { return false }
        return !closedDays.contains { $0.contains(date) }
    }
}
