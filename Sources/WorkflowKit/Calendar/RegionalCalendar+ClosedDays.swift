extension RegionalCalendar {
    /// A day of the year, without the year: "12-27".
    public struct MonthDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
        LosslessStringConvertible
    {
        public let month: Int
        public let day: Int

        /// nil unless the day exists in some year (29 February does; it matches
        /// leap years only).
        public init?(month: Int, day: Int) {
            guard (1...12).contains(month), day >= 1,
                day <= LocalDate.daysIn(month: month, year: 2000)
            else { return nil }
            self.month = month
            self.day = day
        }

        /// Parses "MM-DD", strictly.
        public init?(_ text: String) {
            guard let date = LocalDate("2000-" + text) else { return nil }
            self.init(month: date.month, day: date.day)
        }

        public var description: String {
            (month < 10 ? "0\(month)" : "\(month)") + (day < 10 ? "-0\(day)" : "-\(day)")
        }

        public static func < (lhs: MonthDay, rhs: MonthDay) -> Bool {
            (lhs.month, lhs.day) < (rhs.month, rhs.day)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let value = MonthDay(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "Expected a day of the year as MM-DD, found \"\(text)\"."
                )
            }
            self = value
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// Days a region is closed on, with a name that explanations show.
    ///
    /// In a process file (any `Codable` format) it is written as one of:
    ///
    ///     { name: "Staff training day", date: "2026-09-18" }
    ///     { name: "Office move", from: "2026-08-03", through: "2026-08-07" }
    ///     { name: "Christmas closure", from: "12-27", through: "01-02" }   # every year
    ///
    /// A yearly range whose end comes before its start in the year runs across
    /// New Year.
    public struct ClosedDays: Sendable, Hashable, Codable {
        /// Which days are closed.
        public enum Span: Sendable, Hashable {
            /// One date.
            case date(LocalDate)
            /// Every date from the first through the second, both included.
            case range(LocalDate, LocalDate)
            /// Every year, from the first day of the year through the second, both
            /// included; across New Year when the second comes first.
            case yearly(from: MonthDay, through: MonthDay)
        }

        public let name: String
        public let span: Span

        /// - Parameters:
        ///   - name: What the closure is called, e.g. "Christmas closure".
        ///   - span: The days; a `.range` must not end before it starts.
        public init(name: String, span: Span) {
            if case .range(let from, let through) = span {
                precondition(from <= through, "A closed-day range must not end before it starts.")
            }
            self.name = name
            self.span = span
        }

        /// Closed on one date.
        public static func date(_ date: LocalDate, name: String) -> ClosedDays {
            ClosedDays(name: name, span: .date(date))
        }

        /// Closed from `from` through `through`, both included.
        public static func range(from: LocalDate, through: LocalDate, name: String) -> ClosedDays {
            ClosedDays(name: name, span: .range(from, through))
        }

        /// Closed every year from `from` through `through`, both included (across
        /// New Year when `through` comes first in the year).
        public static func yearly(from: MonthDay, through: MonthDay, name: String) -> ClosedDays {
            ClosedDays(name: name, span: .yearly(from: from, through: through))
        }

        /// Whether `date` is one of the closed days.
        public func contains(_ date: LocalDate) -> Bool {
            switch span {
            case .date(let day):
                return date == day
            case .range(let from, let through):
                return from <= date && date <= through
            case .yearly(let from, let through):
                let day = MonthDay(uncheckedMonth: date.month, day: date.day)
                if from <= through {
                    return from <= day && day <= through
                }
                return day >= from || day <= through
            }
        }

        private enum CodingKeys: String, CodingKey {
            case name, date, from, through
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let name = try container.decode(String.self, forKey: .name)
            if let text = try container.decodeIfPresent(String.self, forKey: .date) {
                guard let date = LocalDate(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .date, in: container,
                        debugDescription:
                            "The closed day \"\(name)\" has date \"\(text)\", which is not a date as YYYY-MM-DD."
                    )
                }
                self.init(name: name, span: .date(date))
                return
            }
            guard let fromText = try container.decodeIfPresent(String.self, forKey: .from),
                let throughText = try container.decodeIfPresent(String.self, forKey: .through)
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .date, in: container,
                    debugDescription:
                        "The closed days \"\(name)\" need either a date, or both from and through."
                )
            }
            if let from = LocalDate(fromText), let through = LocalDate(throughText) {
                guard from <= through else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .through, in: container,
                        debugDescription:
                            "The closed days \"\(name)\" end (\(through)) before they start (\(from))."
                    )
                }
                self.init(name: name, span: .range(from, through))
            } else if let from = MonthDay(fromText), let through = MonthDay(throughText) {
                self.init(name: name, span: .yearly(from: from, through: through))
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: .from, in: container,
                    debugDescription:
                        "The closed days \"\(name)\" run from \"\(fromText)\" through \"\(throughText)\": "
                        + "write both as dates (YYYY-MM-DD) or both as days of the year (MM-DD)."
                )
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            switch span {
            case .date(let date):
                try container.encode(date, forKey: .date)
            case .range(let from, let through):
                try container.encode(from, forKey: .from)
                try container.encode(through, forKey: .through)
            case .yearly(let from, let through):
                try container.encode(from, forKey: .from)
                try container.encode(through, forKey: .through)
            }
        }
    }
}

extension RegionalCalendar.MonthDay {
    /// Assumes the fields were validated.
    fileprivate init(uncheckedMonth month: Int, day: Int) {
        self.month = month
        self.day = day
    }
}
