import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Times as text, written directly from the calendar fields: a history of a thousand
/// events is a thousand timestamps, and a date formatter made per line cost more than
/// the rest of the page.
enum TimeText {
    /// The time zone the processes run in.
    static let finland = TimeZone(identifier: "Europe/Helsinki") ?? TimeZone(secondsFromGMT: 7200)!

    /// The calendar fields of `seconds` since 1970, shifted by `offset` seconds.
    static func fields(_ seconds: Int, offset: Int) -> tm {
        var time = time_t(seconds + offset)
        var parts = tm()
        gmtime_r(&time, &parts)
        return parts
    }

    /// `2026-12-01T05:51:47.000Z`.
    static func iso(_ milliseconds: Int64) -> String {
        let fraction = Int((milliseconds % 1000 + 1000) % 1000)
        let seconds = Int((milliseconds - Int64(fraction)) / 1000)
        let t = fields(seconds, offset: 0)
        return "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1))-\(pad(Int(t.tm_mday)))T\(pad(Int(t.tm_hour))):\(pad(Int(t.tm_min))):\(pad(Int(t.tm_sec))).\(pad(fraction, 3))Z"
    }

    /// Finnish local time: `1.12.2026 klo 7.51` (Swedish `kl.`), or `2026-12-01 07:51` in English.
    static func local(_ milliseconds: Int64, language: String) -> String {
        let seconds = Int(milliseconds / 1000)
        let offset = finland.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let t = fields(seconds, offset: offset)
        let (year, month, day, hour, minute) = (Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday), Int(t.tm_hour), Int(t.tm_min))
        switch language {
        case "en": return "\(pad(year, 4))-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute))"
        case "sv": return "\(day).\(month).\(year) kl. \(pad(hour)).\(pad(minute))"
        default: return "\(day).\(month).\(year) klo \(pad(hour)).\(pad(minute))"
        }
    }

    /// `value` with leading zeros to `width` digits (String(format:) costs more than the page).
    static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
