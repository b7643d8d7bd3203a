import CSinkSpawn
public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command for each reminder with the reminder's JSON (one line) on its standard
/// input; the delivery counts when the command read its input to the end and exited 0.
///
/// The command runs under `/bin/sh -c` with a minimal environment — `PATH`, `LANG` and the
/// variables the operator names — never the master key, whatever the daemon's own
/// environment holds. It runs with default signal handling under a supervising process of
/// its own, a child subreaper (Linux): everything the command starts stays under the
/// supervisor, even a process that leaves its process group or session (`setsid`), and is
/// killed when the command exits or when ``timeout`` passes (the delivery then fails).
/// A command that exits without reading all of its input fails the delivery, whatever its
/// exit status, and never takes the daemon down with it. The log names the command by
/// its program only (``name``): the rest of a command line may hold a secret.
public struct CommandSink: ReminderSink {
    /// The shell command, as the operator gave it.
    public let command: String
    /// The environment the command gets, as `NAME=value` pairs.
    public let environment: [String: String]
    /// How long one delivery may take, from start to exit.
    public let timeout: Duration

    /// Names that are never passed to a sink command, even when asked for: they carry the
    /// key that unlocks every client's personal data.
    public static let withheldVariables: Set<String> = ["ASO_MASTER_KEY", "ASO_MASTER_KEY_FILE"]

    /// A sink running `command`.
    ///
    /// - Parameters:
    ///   - command: A shell command line, run with `/bin/sh -c`.
    ///   - passing: Further environment variables to pass from this process's environment
    ///     (besides `PATH` and `LANG`); the master key's variables are never passed.
    ///   - timeout: How long one delivery may take before the command's process group is killed.
    ///   - processEnvironment: Where the passed values come from (this process's environment by default).
    public init(
        command: String, passing: [String] = [], timeout: Duration = .seconds(30),
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.command = command
        self.timeout = timeout
        var environment = ["PATH": processEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]
        for name in ["LANG"] + passing where !Self.withheldVariables.contains(name) {
            if let value = processEnvironment[name] { environment[name] = value }
        }
        self.environment = environment
    }

    /// `exec:` and the command's program, without its arguments (they may carry a token).
    public var name: String { "exec:\(SinkNames.redacting(command: command))" }

    public func deliver(_ delivery: Delivery) async throws {
        BrokenPipes.ignore()
        var input = delivery.json
        input.append(UInt8(ascii: "\n"))
        let child = try ChildProcess.spawn(command: command, environment: environment, sink: name, deadline: timeout)
        let outcome = try await child.run(writing: input, timeout: timeout)
        switch outcome {
        case .lost(let reason):
            throw ReminderSinkError(sink: name, message: reason)
        case .timedOut:
            throw ReminderSinkError(sink: name, message: "the command did not finish within \(Self.describe(timeout)) and was killed")
        case .finished(let status, let inputError):
            if let signal = status.signal {
                throw ReminderSinkError(sink: name, message: "the command was ended by signal \(signal)")
            }
            if status.exitCode != 0 {
                throw ReminderSinkError(sink: name, message: "the command exited with status \(status.exitCode)")
            }
            if let inputError {
                throw ReminderSinkError(sink: name, message: "the command did not read its input to the end (\(inputError))")
            }
        }
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

/// Writing to a pipe whose reader has gone raises SIGPIPE, whose default action ends the
/// process. Sinks write to pipes of commands they do not control: they ignore the signal
/// (and see `EPIPE` instead) once, for the whole process. Children get the default back.
enum BrokenPipes {
    private static let ignored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    static func ignore() {
        _ = ignored
    }
}

/// Set once the supervisor was reaped: its process id may be reused from then on.
final class ReapedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// One spawned sink command, under a supervising process of its own (`aso_sink_spawn`):
/// the supervisor's process id, the write end of the command's standard input, a read end
/// of it kept here (to see what the command left unread) and the supervisor's report.
struct ChildProcess: Sendable {
    enum Outcome: Sendable {
        case finished(ExitStatus, inputError: String?)
        case timedOut
        case lost(String)
    }

    struct ExitStatus: Sendable {
        var raw: Int32
        var signal: Int32? { raw & 0x7f == 0 ? nil : raw & 0x7f }
        var exitCode: Int32 { (raw >> 8) & 0xff }
    }

    let supervisor: pid_t
    let input: Int32
    let unreadInput: Int32
    let report: Int32

    /// Starts `/bin/sh -c command` under a supervisor, with default signal handling, the
    /// given environment and a pipe on its standard input. The supervisor ends the command
    /// and everything it started when the command exits, at `deadline`, or on SIGTERM.
    static func spawn(command: String, environment: [String: String], sink: String, deadline: Duration) throws -> ChildProcess {
        var inputPipe: [Int32] = [0, 0]
        var reportPipe: [Int32] = [0, 0]
        guard aso_cloexec_pipe(&inputPipe) == 0 else {
            throw ReminderSinkError(sink: sink, message: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        guard aso_cloexec_pipe(&reportPipe) == 0 else {
            let reason = String(cString: strerror(errno))
            close(inputPipe[0])
            close(inputPipe[1])
            throw ReminderSinkError(sink: sink, message: "cannot make a pipe: \(reason)")
        }
        let argumentTexts: [String] = ["/bin/sh", "-c", command]
        let variableTexts: [String] = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let arguments = argumentTexts.map { strdup($0) } + [nil]
        let variables = variableTexts.map { strdup($0) } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        // The supervisor's own deadline is two seconds after ours: it ends the command even
        // when this process is gone; while this process lives, it sends SIGTERM first.
        let seconds = UInt32(clamping: deadline.components.seconds + 2)
        let pid = aso_sink_spawn("/bin/sh", arguments, variables, inputPipe[0], reportPipe[1], seconds)
        let reason = pid < 0 ? String(cString: strerror(errno)) : ""
        close(reportPipe[1])
        guard pid > 0 else {
            [inputPipe[0], inputPipe[1], reportPipe[0]].forEach { close($0) }
            throw ReminderSinkError(sink: sink, message: "the command could not start: \(reason)")
        }
        return ChildProcess(supervisor: pid, input: inputPipe[1], unreadInput: inputPipe[0], report: reportPipe[0])
    }

    /// Writes `data` to the command's input, closes it and waits for the supervisor's
    /// report; asks the supervisor to end everything when `timeout` passes first (or when
    /// the task is cancelled).
    func run(writing data: Data, timeout: Duration) async throws -> Outcome {
        let reaped = ReapedFlag()
        let supervisor = supervisor
        let stop: @Sendable () -> Void = {
            if !reaped.isSet { kill(supervisor, SIGTERM) }
        }
        let finish = finish(writing: data, reaped: reaped)
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask { await finish() }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return Task.isCancelled ? nil : .timedOut
                }
                var result: Outcome?
                while let next = try await group.next() {
                    guard let outcome = next else { continue }
                    if case .timedOut = outcome {
                        stop()
                        result = result ?? .timedOut
                        continue
                    }
                    // The supervisor reported: stop the timer, unless it fired first.
                    if result == nil { result = outcome }
                    group.cancelAll()
                }
                return result ?? .timedOut
            }
        } onCancel: {
            stop()
        }
    }

    /// The blocking part of ``run(writing:timeout:)``, on one of Dispatch's threads: writes
    /// the input while the supervisor runs, then waits for its report.
    private func finish(writing data: Data, reaped: ReapedFlag) -> @Sendable () async -> Outcome? {
        let (supervisor, input, unreadInput, report) = (supervisor, input, unreadInput, report)
        return {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome?, Never>) in
                DispatchQueue.global().async {
                    let inputError = Self.feed(data, to: input, untilReadable: report)
                    close(input)
                    let received = Self.readReport(from: report)
                    close(report)
                    var status: Int32 = 0
                    while waitpid(supervisor, &status, 0) < 0 && errno == EINTR {}
                    reaped.set()
                    // The command and everything it started are gone: what is still in
                    // the pipe was never read.
                    let unread = aso_unread_bytes(unreadInput)
                    close(unreadInput)
                    guard let received else {
                        continuation.resume(returning: .lost("the command's supervising process ended without a report"))
                        return
                    }
                    if received.stopped != 0 {
                        continuation.resume(returning: .timedOut)
                        return
                    }
                    let error = inputError ?? (unread > 0 ? "\(unread) bytes of it were left unread" : nil)
                    continuation.resume(returning: .finished(ExitStatus(raw: received.wait_status), inputError: error))
                }
            }
        }
    }

    /// Writes `data` to `descriptor` without blocking on a full pipe past the end of the
    /// command: it waits for room or for `report` (the supervisor's report pipe) to become
    /// readable, which means the command is over. Returns a description of what kept the
    /// input from being written whole, or nil.
    private static func feed(_ data: Data, to descriptor: Int32, untilReadable report: Int32) -> String? {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        return data.withUnsafeBytes { buffer -> String? in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written >= 0 {
                    offset += written
                    continue
                }
                switch errno {
                case EINTR: continue
                case EPIPE: return "broken pipe"
                case EAGAIN:
                    var watched = [pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0), pollfd(fd: report, events: Int16(POLLIN), revents: 0)]
                    while poll(&watched, 2, -1) < 0 && errno == EINTR {}
                    if watched[1].revents != 0 { return "the command ended with \(buffer.count - offset) bytes of it not taken" }
                default: return String(cString: strerror(errno))
                }
            }
            return nil
        }
    }

    /// The supervisor's report, or nil when it ended without writing one.
    private static func readReport(from descriptor: Int32) -> aso_sink_report? {
        var report = aso_sink_report()
        let size = MemoryLayout<aso_sink_report>.size
        var done = 0
        let complete = withUnsafeMutableBytes(of: &report) { buffer -> Bool in
            while done < size {
                let count = read(descriptor, buffer.baseAddress! + done, size - done)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return false }
                done += count
            }
            return true
        }
        return complete ? report : nil
    }
}
