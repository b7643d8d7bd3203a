import Foundation

/// Where delivered reminders go. A sink either delivers (returns) or fails (throws);
/// a reminder is recorded as sent only when every sink delivered it, so a failure
/// means it is delivered again later — at least once, never lost.
public protocol ReminderSink: Sendable {
    /// How the sink is named in logs, e.g. `stdout` or `jsonl:/var/log/reminders.jsonl`.
    var name: String { get }
    func deliver(_ delivery: Delivery) async throws
}

/// One readable line per reminder on standard output.
public struct StandardOutputSink: ReminderSink {
    public init() {}
    public var name: String { "stdout" }
    public func deliver(_ delivery: Delivery) async throws {
        FileHandle.standardOutput.write(Data((delivery.line + "\n").utf8))
    }
}

/// One JSON object per line, appended to a file and flushed to disk before the
/// delivery counts.
public struct JSONLinesSink: ReminderSink {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var name: String { "jsonl:\(path)" }

    public func deliver(_ delivery: Delivery) async throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ReminderSinkError(sink: name, message: "cannot open the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var line = delivery.json
        line.append(UInt8(ascii: "\n"))
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            throw ReminderSinkError(sink: name, message: "cannot write the file: \(String(cString: strerror(errno)))")
        }
    }
}

/// A sink could not deliver a reminder.
public struct ReminderSinkError: Error, CustomStringConvertible {
    public var sink: String
    public var message: String

    public init(sink: String, message: String) {
        self.sink = sink
        self.message = message
    }

    public var description: String { "The sink '\(sink)' failed: \(message)." }
}
