/// Looks calendars up by id ("fi"), so that process files can name theirs; other
/// calendars plug in by registering.
public struct CalendarRegistry: Sendable {
    private var calendars: [String: any BusinessCalendar] = [:]

    /// A registry holding `calendars`; a later one replaces an earlier one with
    /// the same id.
    public init(_ calendars: [any BusinessCalendar] = []) {
        for calendar in calendars { register(calendar) }
    }

    /// The registry of an engine, a loader or a report given none: exactly "fi"
    /// (``FinnishCalendar``). It is a default registry, not a default calendar: a process
    /// that names a calendar it lacks is an ``UnknownCalendar`` error, never Finnish.
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

/// A process names a calendar that the registry in use does not hold, so that none of
/// its dates (today, due dates, retention periods) can be counted. Nothing was written.
/// A process file that names an unknown calendar does not load; this is met when stored
/// definitions are read with a registry that lacks one they name.
public struct UnknownCalendar: Error, Sendable, Hashable, CustomStringConvertible {
    /// The id of the process whose calendar is unknown.
    public var process: String
    /// The calendar id the process names (its base calendar; a region's closed days are added to it).
    public var calendar: String
    /// The ids the registry holds.
    public var registered: [String]

    public init(process: String, calendar: String, registered: [String]) {
        self.process = process
        self.calendar = calendar
        self.registered = registered
    }

    public var description: String {
        "Process '\(process)' names the calendar '\(calendar)', which is not registered"
            + (registered.isEmpty ? " (no calendar is)." : " (registered: \(registered.joined(separator: ", "))).")
    }
}
