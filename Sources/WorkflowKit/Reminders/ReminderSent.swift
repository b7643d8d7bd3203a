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
