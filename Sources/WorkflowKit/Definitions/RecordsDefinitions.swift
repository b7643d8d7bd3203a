/// How long a closed case's personal data is kept before it is destroyed
/// (crypto-shredded): `keep: 10 years after closing`.
///
/// A process file states one rule; the records-management class it belongs to is
/// named so that the `retention` command can say which rule shredded what.
public struct RetentionRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What the period is counted from.
    public enum Anchor: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The day the case closed.
        case closing
        /// The value of a date field, e.g. the client's birth date.
        case field(String)

        public var description: String {
            switch self {
            case .closing: "closing"
            case .field(let id): id
            }
        }
    }

    /// The records-management class, e.g. `working-age-adult-services`.
    public var retentionClass: String
    /// How long after the anchor (days, weeks, months or years; never working days).
    public var keep: DateDuration
    public var after: Anchor
    /// The law or decision the period comes from, as text for people.
    public var basis: String?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(retentionClass: String, keep: DateDuration, after: Anchor = .closing, basis: String? = nil) {
        self.retentionClass = retentionClass
        self.keep = keep
        self.after = after
        self.basis = basis
    }

    /// `10 years after closing`.
    public var description: String { "\(keep) after \(after)" }

    /// The first day the personal data of a case may be destroyed, or nil when it may
    /// not be yet: an open case is always kept, and a rule counted from a date field
    /// needs the field's value. Never before the day the case closed.
    public func expiry(closedOn: LocalDate?, fields: [String: ExpressionValue], calendar: any BusinessCalendar) -> LocalDate? {
        guard let closedOn else { return nil }
        switch after {
        case .closing:
            return keep.apply(to: closedOn, calendar: calendar)
        case .field(let id):
            guard let anchor = fields[id]?.date else { return nil }
            return max(closedOn, keep.apply(to: anchor, calendar: calendar))
        }
    }

    enum CodingKeys: String, CodingKey {
        case retentionClass = "class", keep, after, basis
    }
}

/// A document the process discloses to parties — advance information before a
/// meeting, a memo after it. Each recipient party gets its own copy holding only the
/// clients whose consent names it, and every copy is recorded as a disclosure.
public struct DocumentDefinition: Sendable, Hashable, Codable, Identifiable {
    /// The id, e.g. `advance-information`.
    public var id: String
    /// What recipients see as its heading.
    public var title: String
    /// The fields it shows, in this order.
    public var fields: [String]
    /// Whether it lists the case's open tasks: who does what by when.
    public var openTasks: Bool

    /// Creates a value from its parts (see the properties for their meaning).
    public init(id: String, title: String, fields: [String] = [], openTasks: Bool = false) {
        self.id = id
        self.title = title
        self.fields = fields
        self.openTasks = openTasks
    }
}
