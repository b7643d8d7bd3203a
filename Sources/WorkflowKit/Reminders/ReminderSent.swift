package import Foundation

/// The event that records a delivered reminder in its case's stream. Appended once per
/// reminder id (the id is the append's command id), however often it was delivered.
public struct ReminderSent: Sendable, Hashable, Codable {
    public static let typeName = "ReminderSent"

    public var reminder: String
    public var task: String
    public var occurrence: Int
    public var kind: ReminderKind
    public var role: String
    public var rung: Int?
    public var due: LocalDate?
    public var fireOn: LocalDate
    public var fireAt: Int64
    public var deliveredAt: Int64
    public var late: Bool
    /// How many missed reminders of the same task and rung this one replaced (nil: none).
    public var superseded: Int?

    public init(_ delivery: Delivery) {
        let reminder = delivery.reminder
        self.reminder = reminder.id
        task = reminder.task
        occurrence = reminder.occurrence
        kind = reminder.kind
        role = reminder.role
        rung = reminder.rung
        due = reminder.due
        fireOn = reminder.fireOn
        fireAt = reminder.fireAt
        deliveredAt = delivery.deliveredAt
        late = delivery.late
        superseded = reminder.superseded > 0 ? reminder.superseded : nil
    }
}

extension ReminderSent {
    private init(
        reminder: String, task: String, occurrence: Int, kind: ReminderKind, role: String, rung: Int?, due: LocalDate?,
        fireOn: LocalDate, fireAt: Int64, deliveredAt: Int64, late: Bool, superseded: Int?
    ) {
        self.reminder = reminder
        self.task = task
        self.occurrence = occurrence
        self.kind = kind
        self.role = role
        self.rung = rung
        self.due = due
        self.fireOn = fireOn
        self.fireAt = fireAt
        self.deliveredAt = deliveredAt
        self.late = late
        self.superseded = superseded
    }

    /// The event's payload: what `JSONEncoder` with sorted keys (and slashes unescaped, as
    /// the engine's case events are written) writes, byte for byte.
    /// Written directly when every text is plain (Foundation's encoder was a tenth of a
    /// daemon's tick in a profile, BENCHMARKS.md); otherwise by `JSONEncoder`.
    package func payload() throws -> Data {
        var object = FastJSONObjectWriter()
        object.integer("deliveredAt", Int(deliveredAt))
        object.optionalDate("due", due)
        object.integer("fireAt", Int(fireAt))
        object.date("fireOn", fireOn)
        object.text("kind", kind.rawValue)
        object.bool("late", late)
        object.integer("occurrence", occurrence)
        object.text("reminder", reminder)
        object.text("role", role)
        if let rung { object.integer("rung", rung) }
        if let superseded { object.integer("superseded", superseded) }
        object.text("task", task)
        if let bytes = object.finish() { return bytes }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a payload: directly when it has exactly the shape ``payload()`` writes
    /// (plain texts, whole numbers), else with `JSONDecoder`, so that every result and
    /// every error is the same as `JSONDecoder`'s.
    package static func decoded(from payload: Data) throws -> ReminderSent {
        let fast = payload.withUnsafeBytes { bytes -> ReminderSent? in
            guard let object = FlatJSONObject(bytes), object.has(only: keys),
                let reminder = object.string("reminder"), let task = object.string("task"),
                let occurrence = object.value("occurrence")?.int, let kind = object.string("kind").flatMap(ReminderKind.init(rawValue:)),
                let role = object.string("role"), let rung = object.optional("rung", \.int), let due = object.optional("due", \.date),
                let fireOn = object.date("fireOn"), let fireAt = object.value("fireAt")?.int,
                let deliveredAt = object.value("deliveredAt")?.int, let late = object.value("late")?.bool,
                let superseded = object.optional("superseded", \.int)
            else { return nil }
            return ReminderSent(
                reminder: reminder, task: task, occurrence: occurrence, kind: kind, role: role, rung: rung, due: due,
                fireOn: fireOn, fireAt: Int64(fireAt), deliveredAt: Int64(deliveredAt), late: late, superseded: superseded)
        }
        if let fast { return fast }
        return try JSONDecoder().decode(ReminderSent.self, from: payload)
    }

    private static let keys: [StaticString] = [
        "deliveredAt", "due", "fireAt", "fireOn", "kind", "late", "occurrence", "reminder", "role", "rung", "superseded", "task",
    ]
}
