public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command for each reminder with the reminder's JSON (one line) on its standard
/// input; the delivery counts when the command read its input and exited 0.
///
/// The command runs under `/bin/sh -c` with a minimal environment — `PATH`, `LANG` and the
/// variables the operator names — never the master key, whatever the daemon's own
/// environment holds. It runs in a process group of its own with default signal handling;
/// when it has not finished by ``timeout`` the whole group is killed and the delivery fails.
/// A command that exits without reading its input fails the delivery (a broken pipe),
/// and never takes the daemon down with it.
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

    public var name: String { "exec:\(command)" }

    public func deliver(_ delivery: Delivery) async throws {
        BrokenPipes.ignore()
        var input = delivery.json
        input.append(UInt8(ascii: "\n"))
        let child = try ChildProcess.spawn(command: command, environment: environment, sink: name)
        let outcome = try await child.run(writing: input, timeout: timeout)
        switch outcome {
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
                throw ReminderSinkError(sink: name, message: "the command did not read its input (\(inputError))")
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

/// Set once the child was reaped: its process group id may be reused from then on.
final class ReapedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// One spawned sink command: its process id and the write end of its standard input.
struct ChildProcess: Sendable {
    enum Outcome: Sendable {
        case finished(ExitStatus, inputError: String?)
        case timedOut
    }

    struct ExitStatus: Sendable {
        var raw: Int32
        var signal: Int32? { raw & 0x7f == 0 ? nil : raw & 0x7f }
        var exitCode: Int32 { (raw >> 8) & 0xff }
    }

    let pid: pid_t
    let input: Int32

    /// Starts `/bin/sh -c command` in a new process group, with default signal handling,
    /// the given environment and a pipe on its standard input.
    static func spawn(command: String, environment: [String: String], sink: String) throws -> ChildProcess {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            throw ReminderSinkError(sink: sink, message: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        let argumentTexts: [String] = ["/bin/sh", "-c", command]
        let variableTexts: [String] = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let arguments = argumentTexts.map { strdup($0) } + [nil]
        let variables = variableTexts.map { strdup($0) } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, variables)
        close(fds[0])
        guard code == 0 else {
            close(fds[1])
            throw ReminderSinkError(sink: sink, message: "the command could not start: \(String(cString: strerror(code)))")
        }
        return ChildProcess(pid: pid, input: fds[1])
    }

    /// Writes `data` to the command's input, closes it and waits for the command to exit;
    /// kills its process group when `timeout` passes first (or when the task is cancelled).
    func run(writing data: Data, timeout: Duration) async throws -> Outcome {
        let reaped = ReapedFlag()
        let pid = pid
        let input = input
        let killGroup: @Sendable () -> Void = {
            if !reaped.isSet { kill(-pid, SIGKILL) }
        }
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Outcome?, Never>) in
                        DispatchQueue.global().async {
                            let inputError = Self.writeAll(data, to: input)
                            close(input)
                            var status: Int32 = 0
                            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                            reaped.set()
                            continuation.resume(returning: .finished(ExitStatus(raw: status), inputError: inputError))
                        }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return Task.isCancelled ? nil : .timedOut
                }
                var result: Outcome?
                while let next = try await group.next() {
                    guard let outcome = next else { continue }
                    if case .timedOut = outcome {
                        killGroup()
                        result = result ?? .timedOut
                        continue
                    }
                    // The command finished: stop the timer, unless it fired first.
                    if result == nil { result = outcome }
                    group.cancelAll()
                }
                return result ?? .timedOut
            }
        } onCancel: {
            killGroup()
        }
    }

    /// Writes everything, returning a description of the failure instead of raising
    /// SIGPIPE (ignored) when the reader has gone.
    private static func writeAll(_ data: Data, to descriptor: Int32) -> String? {
        data.withUnsafeBytes { buffer -> String? in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno == EPIPE ? "broken pipe" : String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
    }
}
