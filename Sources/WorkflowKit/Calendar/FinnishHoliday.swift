/// A Finnish public holiday, or a day off that the working-day rules treat as one.
///
/// The rules are those in force since 1991 (Epiphany and Ascension Day back on
/// their own dates); they are applied to every year, earlier ones included.
enum FinnishHoliday: UInt8, CaseIterable, Sendable {
    case newYearsDay = 1
    case epiphany
    case goodFriday
    case easterSunday
    case easterMonday
    case mayDay
    case ascensionDay
    case whitSunday
    case midsummerEve
    case midsummerDay
    case allSaintsDay
    case independenceDay
    case christmasEve
    case christmasDay
    case boxingDay
    /// Ascension Day on 1 May (Easter on 23 March: 1913, 2008, 2160).
    case mayDayAndAscensionDay

    /// The English name with the Finnish in parentheses.
    var name: String {
        switch self {
        case .newYearsDay: "New Year's Day (uudenvuodenpäivä)"
        case .epiphany: "Epiphany (loppiainen)"
        case .goodFriday: "Good Friday (pitkäperjantai)"
        case .easterSunday: "Easter Sunday (pääsiäispäivä)"
        case .easterMonday: "Easter Monday (toinen pääsiäispäivä)"
        case .mayDay: "May Day (vappu)"
        case .ascensionDay: "Ascension Day (helatorstai)"
        case .whitSunday: "Whit Sunday (helluntaipäivä)"
        case .midsummerEve: "Midsummer Eve (juhannusaatto)"
        case .midsummerDay: "Midsummer Day (juhannuspäivä)"
        case .allSaintsDay: "All Saints' Day (pyhäinpäivä)"
        case .independenceDay: "Independence Day (itsenäisyyspäivä)"
        case .christmasEve: "Christmas Eve (jouluaatto)"
        case .christmasDay: "Christmas Day (joulupäivä)"
        case .boxingDay: "Boxing Day (tapaninpäivä)"
        case .mayDayAndAscensionDay: "May Day (vappu) and Ascension Day (helatorstai)"
        }
    }

    /// The holiday on `date` by the rules, without any table.
    static func on(_ date: LocalDate) -> FinnishHoliday? {
        switch (date.month, date.day) {
        case (1, 1): return .newYearsDay
        case (1, 6): return .epiphany
        case (5, 1):
            let ascension = easterSunday(in: date.year).adding(days: 39)
            return ascension == date ? .mayDayAndAscensionDay : .mayDay
        case (12, 6): return .independenceDay
        case (12, 24): return .christmasEve
        case (12, 25): return .christmasDay
        case (12, 26): return .boxingDay
        case (6, 19...25) where date.weekday == .friday: return .midsummerEve
        case (6, 20...26) where date.weekday == .saturday: return .midsummerDay
        case (10, 31), (11, 1...6):
            return date.weekday == .saturday ? .allSaintsDay : nil
        case (3...6, _):
            // Every Easter-based holiday falls between 20 March and 13 June.
            let offset = easterSunday(in: date.year).days(until: date)
            switch offset {
            case -2: return .goodFriday
            case 0: return .easterSunday
            case 1: return .easterMonday
            case 39: return .ascensionDay
            case 49: return .whitSunday
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Easter Sunday of `year` in the Gregorian calendar, by the anonymous
    /// Gregorian algorithm (Meeus/Jones/Butcher).
    static func easterSunday(in year: Int) -> LocalDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(uncheckedYear: year, month: month, day: day)
    }
}
