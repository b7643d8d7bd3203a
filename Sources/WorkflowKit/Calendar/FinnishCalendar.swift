public import Foundation

/// Finnish public holidays and working days, in Europe/Helsinki.
///
/// Monday to Friday are working days except New Year's Day, Epiphany (6.1), Good
/// Friday, Easter Monday, May Day (1.5), Ascension Day (Easter + 39), Midsummer Eve
/// (the Friday between 19 and 25 June), Independence Day (6.12), Christmas Eve,
/// Christmas Day and Boxing Day. Easter Sunday, Whit Sunday, Midsummer Day (the
/// Saturday between 20 and 26 June) and All Saints' Day (the Saturday between
/// 31 October and 6 November) fall on weekends but are named by ``closure(on:)``.
///
/// The rules in force since 1991 are applied to every year. Lookups for
/// 1900–2200 read a table built once; other years are computed by the rules.
public struct FinnishCalendar: BusinessCalendar {
    public init() {}

    public var id: String { "fi" }

    public var timeZone: TimeZone { Self.helsinki }

    public func closure(on date: LocalDate) -> String? {
        holiday(on: date)?.name
    }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        let day = date.daysSinceEpoch
        let index = day - Self.tableStart
        if index >= 0, index < Self.table.count {
            return Self.table[index] == 0 && !Self.isWeekend(daysSinceEpoch: day)
        }
        return !date.weekday.isWeekend && FinnishHoliday.on(date) == nil
    }

    /// Easter Sunday of `year` (Gregorian).
    public static func easterSunday(in year: Int) -> LocalDate {
        FinnishHoliday.easterSunday(in: year)
    }

    func holiday(on date: LocalDate) -> FinnishHoliday? {
        let index = date.daysSinceEpoch - Self.tableStart
        if index >= 0, index < Self.table.count {
            return FinnishHoliday(rawValue: Self.table[index])
        }
        return FinnishHoliday.on(date)
    }

    private static func isWeekend(daysSinceEpoch day: Int) -> Bool {
        // 1970-01-01 was a Thursday; 0 = Monday.
        let weekday = ((day + 3) % 7 + 7) % 7
        return weekday >= 5
    }

    private static let helsinki = TimeZone(identifier: "Europe/Helsinki")!

    private static let tableStart = LocalDate(uncheckedYear: 1900, month: 1, day: 1).daysSinceEpoch

    /// The holiday code (a `FinnishHoliday` raw value, 0 for none) of every day of
    /// 1900–2200, built once on first use.
    private static let table: [UInt8] = {
        let end = LocalDate(uncheckedYear: 2200, month: 12, day: 31).daysSinceEpoch
        var table = [UInt8](repeating: 0, count: end - tableStart + 1)
        for year in 1900...2200 {
            for month in [1, 3, 4, 5, 6, 10, 11, 12] {
                for day in 1...LocalDate.daysIn(month: month, year: year) {
                    let date = LocalDate(uncheckedYear: year, month: month, day: day)
                    if let holiday = FinnishHoliday.on(date) {
                        table[date.daysSinceEpoch - tableStart] = holiday.rawValue
                    }
                }
            }
        }
        return table
    }()
}
