import Foundation

/// One message per recipient role per day instead of one per reminder: each delivery
/// appends a line to the day's digest of its role, `DIR/YYYY-MM-DD-ROLE.txt`, flushed
/// to disk before the delivery counts. A mailer (or a person) sends each file once its
/// day is over, or at a fixed hour. Each reminder is still delivered and recorded one
/// by one, per task, so the guarantees of the daemon hold; the digest only bundles
/// what a role reads.
///
/// The files hold what reminders hold — ids, roles, dates and task titles — never a
/// field value.
public struct DigestSink: ReminderSink {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var name: String { "digest:\(directory)" }

    /// The digest file of `role` for `day` (the day the reminder is for).
    public func path(role: String, day: LocalDate) -> String {
        let safeRole = String(role.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return (directory as NSString).appendingPathComponent("\(day)-\(safeRole).txt")
    }

    public func deliver(_ delivery: Delivery) async throws {
        let reminder = delivery.reminder
        let file = path(role: reminder.role, day: reminder.fireOn)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ReminderSinkError(sink: name, message: "cannot create the directory: \(error.localizedDescription)")
        }
        let isNew = !FileManager.default.fileExists(atPath: file)
        let descriptor = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ReminderSinkError(sink: name, message: "cannot open the digest file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var text = isNew ? "Due for the role '\(reminder.role)' on \(reminder.fireOn):\n" : ""
        let due = reminder.due.map { ", due \($0)" } ?? ""
        let superseded = reminder.superseded > 0 ? ", replaces \(reminder.superseded) missed" : ""
        text += "- \(delivery.late ? "LATE " : "")\(reminder.kind.rawValue): case \(reminder.caseID), \(reminder.title) "
            + "(task \(reminder.task)\(due)\(superseded)) [\(reminder.id)]\n"
        let bytes = Data(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw ReminderSinkError(sink: name, message: "cannot write the digest file: \(String(cString: strerror(errno)))")
        }
    }
}
