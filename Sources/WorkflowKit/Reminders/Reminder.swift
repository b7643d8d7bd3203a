import Crypto
public import Foundation

/// What a reminder is about.
public enum ReminderKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The task's window opens: it can start now.
    case windowOpens = "window-opens"
    /// The due date is near.
    case dueSoon = "due-soon"
    /// The task is due today.
    case due
    /// The due date has passed.
    case overdue
    /// The task is overdue and a further role is told, per the escalation ladder.
    case escalation
}

/// One reminder: who is reminded of which task of which case, and when.
///
/// It carries ids, roles and dates only — never a field value — so that it can go to
/// any sink without disclosing personal data.
public struct Reminder: Sendable, Hashable, Codable {
    /// Stable: built from the case, task, occurrence, kind, escalation rung and the
    /// instant the reminder fires, so a redelivery carries the same id.
    public var id: String
    public var caseID: StreamID
    public var process: String
    public var task: String
    /// The task's title from the process file.
    public var title: String
    /// Which opening of a repeating task (1 for the first).
    public var occurrence: Int
    /// The role reminded (the escalation's role for escalations).
    public var role: String
    public var kind: ReminderKind
    /// The task's due date, when it has one.
    public var due: LocalDate?
    /// The day the reminder is for.
    public var fireOn: LocalDate
    /// The instant it is meant to fire, in milliseconds since 1970.
    public var fireAt: Int64
    /// For escalations: the rung of the ladder (0 for the first rule).
    public var rung: Int?
    /// How many earlier reminders of the same task and rung this one stands for: they
    /// fell due while no daemon ran and were collapsed into this one (not part of the id).
    public var superseded: Int = 0

    public init(
        caseID: StreamID, process: String, task: String, title: String, occurrence: Int, role: String,
        kind: ReminderKind, due: LocalDate?, fireOn: LocalDate, fireAt: Int64, rung: Int? = nil
    ) {
        self.init(
            id: Self.makeID(caseID: caseID, task: task, occurrence: occurrence, kind: kind, rung: rung, fireAt: fireAt),
            caseID: caseID, process: process, task: task, title: title, occurrence: occurrence, role: role, kind: kind,
            due: due, fireOn: fireOn, fireAt: fireAt, rung: rung, superseded: 0)
    }

    /// A reminder read back from a schedule that stored its id (computed when it was
    /// planned): the id is taken as stored, not hashed again.
    package init(
        id: String, caseID: StreamID, process: String, task: String, title: String, occurrence: Int, role: String,
        kind: ReminderKind, due: LocalDate?, fireOn: LocalDate, fireAt: Int64, rung: Int?, superseded: Int
    ) {
        self.id = id
        self.caseID = caseID
        self.process = process
        self.task = task
        self.title = title
        self.occurrence = occurrence
        self.role = role
        self.kind = kind
        self.due = due
        self.fireOn = fireOn
        self.fireAt = fireAt
        self.rung = rung
        self.superseded = superseded
    }

    static func makeID(caseID: StreamID, task: String, occurrence: Int, kind: ReminderKind, rung: Int?, fireAt: Int64) -> String {
        let key = [caseID.rawValue, task, String(occurrence), kind.rawValue, rung.map(String.init) ?? "-", String(fireAt)]
            .joined(separator: "\u{1F}")
        let digest = SHA256.hash(data: Data(key.utf8))
        return "rem-" + digest.prefix(12).lowercaseHex
    }
}

/// A reminder as delivered: the reminder, when it went out, and whether it was late.
public struct Delivery: Sendable, Hashable {
    public var reminder: Reminder
    /// When the daemon delivered it, in milliseconds since 1970.
    public var deliveredAt: Int64
    /// True when it went out after its time (the daemon was down or behind).
    public var late: Bool

    /// The actor ids of the people who hold the reminder's role for this case, once the
    /// directory of principals names anyone (nil before): ids only, no other personal data.
    /// Empty means that nobody holds the role — a vacancy the daemon reports.
    public var recipients: [String]?

    public init(reminder: Reminder, deliveredAt: Int64, late: Bool, recipients: [String]? = nil) {
        self.reminder = reminder
        self.deliveredAt = deliveredAt
        self.late = late
        self.recipients = recipients
    }

    /// The JSON object sinks send: `id`, `case`, `process`, `task`, `title`, `occurrence`,
    /// `role`, `kind`, `due`, `at` (when it was meant to fire, ISO-8601 UTC),
    /// `deliveredAt`, `late`, `rung` for escalations, and `superseded` (how many missed
    /// reminders of the same task and rung this one replaces) when there were any.
    public var json: Data {
        var object: [String: Any] = [
            "id": reminder.id, "case": reminder.caseID.rawValue, "process": reminder.process, "task": reminder.task,
            "title": reminder.title, "occurrence": reminder.occurrence, "role": reminder.role,
            "kind": reminder.kind.rawValue, "due": reminder.due?.description ?? NSNull(),
            "at": Self.iso8601(reminder.fireAt), "deliveredAt": Self.iso8601(deliveredAt), "late": late,
        ]
        if let rung = reminder.rung { object["rung"] = rung }
        if reminder.superseded > 0 { object["superseded"] = reminder.superseded }
        if let recipients {
            object["recipients"] = recipients
            if recipients.isEmpty { object["vacant"] = true }
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// One readable line: `[late] 2026-10-23 08:00 due: case c-1 task map-housing (responsible-worker), due 2026-10-23`.
    public var line: String {
        let due = reminder.due.map { ", due \($0)" } ?? ""
        let superseded = reminder.superseded > 0 ? ", replaces \(reminder.superseded) missed" : ""
        let named = recipients.map { $0.isEmpty ? ": nobody holds it" : ": " + $0.map(Identifier.printable).joined(separator: ", ") } ?? ""
        return "\(late ? "LATE " : "")\(Self.iso8601(reminder.fireAt)) \(reminder.kind.rawValue): case \(Identifier.printable(reminder.caseID.rawValue)) "
            + "task \(Identifier.printable(reminder.task)) (\(Identifier.printable(reminder.role))\(named))\(due)\(superseded) [\(reminder.id)]"
    }

    static func iso8601(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
