import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The `exec:` sink as real processes: a delivery counts only when the command read all of
/// its input and exited 0, and nothing a command started outlives it — not even a process
/// that left its process group and session.
@Suite("Reminders: the exec sink ends everything its command started")
struct CommandSinkTests {
    static func delivery() -> Delivery {
        let day = LocalDate("2026-12-01")!
        let reminder = Reminder(
            caseID: StreamID("case-1"), process: "vat", task: "map-housing", title: "Map the housing", occurrence: 0,
            role: "worker", kind: .due, due: day, fireOn: day, fireAt: 1_796_000_000_000)
        return Delivery(reminder: reminder, deliveredAt: 1_796_000_000_000, late: false)
    }

    /// Whether process `pid` is still running (a zombie counts as gone).
    static func alive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    /// Waits until `path` holds a process id (a hang guard of 10 s), and returns it.
    static func pid(in path: String) throws -> pid_t {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            usleep(10_000)
        }
        throw CocoaError(.fileReadNoSuchFile)
    }

    @Test("a command that exits 0 without reading its input fails, every time", arguments: ["true", "exit 0", "head -c 5 > /dev/null"])
    func unreadInputFails(command: String) async throws {
        let sink = CommandSink(command: command, timeout: .seconds(10))
        for round in 1...8 {
            let error = await #expect(throws: ReminderSinkError.self, "round \(round)") { try await sink.deliver(Self.delivery()) }
            #expect(error?.message.contains("did not read its input to the end") == true, "\(error?.message ?? "")")
        }
    }

    @Test("a command that reads its input to the end and exits 0 delivers")
    func readingCommandDelivers() async throws {
        let directory = try TemporaryDirectory()
        let out = directory.path("out.json")
        try await CommandSink(command: "cat > '\(out)'", timeout: .seconds(10)).deliver(Self.delivery())
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasSuffix("\n") && text.contains("\"task\":\"map-housing\""))
    }

    @Test("a process that left the command's session (setsid) is killed at the deadline")
    func setsidChildKilledAtDeadline() async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path("stray.pid")
        let sink = CommandSink(
            command: "setsid sh -c 'echo $$ > \"\(pidFile)\"; exec sleep 77' & cat > /dev/null; sleep 30", timeout: .seconds(1))
        let started = ContinuousClock.now
        let error = await #expect(throws: ReminderSinkError.self) { try await sink.deliver(Self.delivery()) }
        #expect(error?.message.contains("did not finish within 1 s and was killed") == true, "\(error?.message ?? "")")
        #expect(ContinuousClock.now - started < .seconds(20), "hang guard")
        let stray = try Self.pid(in: pidFile)
        #expect(!Self.alive(stray), "the setsid process \(stray) outlived the deadline")
    }

    @Test("what a successful command left running in the background is ended with it")
    func backgroundChildEndedOnExit() async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path("stray.pid")
        let sink = CommandSink(
            command: "cat > /dev/null; setsid sh -c 'echo $$ > \"\(pidFile)\"; exec sleep 77' & sleep 0.2", timeout: .seconds(10))
        try await sink.deliver(Self.delivery())
        let stray = try Self.pid(in: pidFile)
        #expect(!Self.alive(stray), "the background process \(stray) outlived its command")
    }

    @Test("the sink's name shows the program, never the rest of the command line")
    func nameWithholdsArguments() {
        #expect(CommandSink(command: "curl -H 'Authorization: Bearer s3cret' https://x.example/").name == "exec:curl …")
        #expect(CommandSink(command: "notify").name == "exec:notify")
        #expect(CommandSink(command: "TOKEN=s3cret curl https://x.example/").name == "exec:(a command, withheld)")
        #expect(!CommandSink(command: "'s3cret' x").name.contains("s3cret"))
    }
}
