public import Foundation

extension BusinessCalendar {
    /// Counts `n` working days from `date`.
    ///
    /// - Parameters:
    ///   - n: When positive, the result is the `n`-th working day after `date`; when
    ///     negative, the `|n|`-th working day before it; when zero, `date` itself
    ///     (working day or not).
    ///   - date: The day counting starts from; it is never counted itself.
    public func adding(workingDays n: Int, to date: LocalDate) -> LocalDate {
        guard n != 0 else { return date }
        let step = n > 0 ? 1 : -1
        var remaining = abs(n)
        var day = date.daysSinceEpoch
        while remaining > 0 {
            day += step
            if isWorkingDay(LocalDate(daysSinceEpoch: day)) { remaining -= 1 }
        }
        return LocalDate(daysSinceEpoch: day)
    }

    /// `date` if it is a working day, else the first working day after it: a
    /// deadline that falls on a day off moves to the next working day (Act 150/1930 §5).
    public func nextWorkingDay(onOrAfter date: LocalDate) -> LocalDate {
        var day = date.daysSinceEpoch
        while !isWorkingDay(LocalDate(daysSinceEpoch: day)) { day += 1 }
        return day == date.daysSinceEpoch ? date : LocalDate(daysSinceEpoch: day)
    }

    /// `date` if it is a working day, else the last working day before it.
    public func previousWorkingDay(onOrBefore date: LocalDate) -> LocalDate {
        var day = date.daysSinceEpoch
        while !isWorkingDay(LocalDate(daysSinceEpoch: day)) { day -= 1 }
        return day == date.daysSinceEpoch ? date : LocalDate(daysSinceEpoch: day)
    }

    /// The number of working days in `(start, end]`; when `end` is before `start`,
    /// minus the number of working days in `[end, start)`.
    ///
    /// The two halves are chosen so that this inverts ``adding(workingDays:to:)``:
    /// `workingDays(from: d, to: adding(workingDays: n, to: d)) == n` for every `n`.
    public func workingDays(from start: LocalDate, to end: LocalDate) -> Int {
        let first = start.daysSinceEpoch
        let last = end.daysSinceEpoch
        if last >= first {
            var count = 0
            var day = first + 1
            while day <= last {
                if isWorkingDay(LocalDate(daysSinceEpoch: day)) { count += 1 }
                day += 1
            }
            return count
        } else {
            var count = 0
            var day = last
            while day < first {
                if isWorkingDay(LocalDate(daysSinceEpoch: day)) { count += 1 }
                day += 1
            }
            return -count
        }
    }

    /// The date on the calendar's wall clock at `instant`.
    public func localDate(at instant: Date) -> LocalDate {
        let seconds = instant.timeIntervalSince1970.rounded(.down)
        let offset = Double(timeZone.secondsFromGMT(for: instant))
        let days = ((seconds + offset) / 86_400).rounded(.down)
        return LocalDate(daysSinceEpoch: Int(days))
    }

    /// Midnight at the start of `date` in the calendar's zone (DST-correct; if
    /// midnight does not exist that day, the first instant after the gap).
    public func startOfDay(_ date: LocalDate) -> Date {
        instant(date, hour: 0, minute: 0)
    }

    /// The instant the calendar's wall clock shows `hour:minute` on `date`.
    ///
    /// Daylight-saving changes are honoured: a time skipped by the spring change
    /// moves forward by the length of the gap (03:30 on the last Sunday of March
    /// in Helsinki is 04:30 summer time); a time that occurs twice in autumn is the
    /// first of the two.
    public func instant(_ date: LocalDate, hour: Int, minute: Int) -> Date {
        let wallClock = Double(date.daysSinceEpoch) * 86_400 + Double(hour * 3600 + minute * 60)
        // The offsets in force a day either side bracket any change on this date.
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wallClock - 86_400))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wallClock + 86_400))
        for offset in [max(before, after), min(before, after)] {
            let candidate = Date(timeIntervalSince1970: wallClock - Double(offset))
            if timeZone.secondsFromGMT(for: candidate) == offset { return candidate }
        }
        // In a gap: read the wall-clock time with the offset from before the change.
        return Date(timeIntervalSince1970: wallClock - Double(before))
    }

    /// A sentence saying whether `date` is a working day and, if not, why, e.g.
    /// "Thursday 2026-12-24 is not a working day: Christmas Eve (jouluaatto) (calendar fi)".
    public func explainDay(_ date: LocalDate) -> String {
        let day = "\(date.weekday) \(date)"
        let closure = self.closure(on: date)
        if isWorkingDay(date) {
            return "\(day) is a working day (calendar \(id))."
        }
        let reason: String
        switch (closure, date.weekday.isWeekend) {
        case (let name?, true): reason = ": \(name), on a weekend"
        case (let name?, false): reason = ": \(name)"
        case (nil, true): reason = ": weekend"
        case (nil, false): reason = ""
        }
        return "\(day) is not a working day\(reason) (calendar \(id))."
    }
}
