/// Looks calendars up by id ("fi"), so that process files can name theirs; other
/// calendars plug in by registering.
public struct CalendarRegistry: Sendable {
    private var calendars: [String: any BusinessCalendar] = [:]

    /// A registry holding `calendars`; a later one replaces an earlier one with
    /// the same id.
    public init(_ calendars: [any BusinessCalendar] = []) {
        for calendar in calendars { register(calendar) }
    }

    /// The calendars every engine knows: "fi" (``FinnishCalendar``).
    public static let standard = CalendarRegistry([FinnishCalendar()])

    /// The calendar registered as `id`, or nil.
    public func calendar(id: String) -> (any BusinessCalendar)? {
        calendars[id]
    }

    /// Adds `calendar` under its id, replacing any calendar with the same id.
    public mutating func register(_ calendar: any BusinessCalendar) {
        calendars[calendar.id] = calendar
    }

    /// The registered ids, sorted.
    public var ids: [String] { calendars.keys.sorted() }
}
