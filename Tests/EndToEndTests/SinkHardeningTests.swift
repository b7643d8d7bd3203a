import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's sinks under attack or failure, as real processes: sink commands that leak,
/// never read, or never end; webhook servers that redirect, stall or fail; secrets in logs.
@Suite("sink hardening", .serialized)
struct SinkHardeningTests {
    static let key = Data(repeating: 9, count: 32).base64EncodedString()

    /// A simulation database with `count` cases whose first reminders are due on 2026-06-15.
    static func makeCases(_ count: Int, in directory: TemporaryDirectory) async throws -> String {
        let path = directory.path("cases.sqlite")
        try await DaemonTests.makeCases(count, at: path, openedOn: LocalDate("2026-03-02")!, firstRelease: LocalDate("2026-09-02")!)
        return path
    }

    static func daemon(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutput {
        try BuiltProduct.run(
            "aso-engine", ["daemon", "--db", path, "--once", "--now", "2026-06-15T09:00", "--lease", "1", "--no-retention"] + arguments,
            environment: environment)
    }

    @Test("exec: the command gets PATH, LANG and the variables named with --sink-env, never the master key")
    func execEnvironment() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let plain = directory.path("plain.env")
        let named = directory.path("named.env")
        let environment = ["ASO_MASTER_KEY": Self.key, "SINK_TOKEN": "t-123", "OTHER_SECRET": "s-456"]
        // The log's key file lies beside it; the environment's key must not reach the command either way.
        let first = try Self.daemon(
            path, ["--sink", "exec:env > '\(plain)'"],
            environment: ["SINK_TOKEN": "t-123", "OTHER_SECRET": "s-456", "ASO_MASTER_KEY_FILE": path + ".master-key"])
        #expect(first.status == 0, "\(first.stderr)")
        let env = try String(contentsOfFile: plain, encoding: .utf8)
        #expect(env.contains("PATH="))
        #expect(!env.contains("SINK_TOKEN") && !env.contains("OTHER_SECRET") && !env.contains("ASO_MASTER_KEY"))

        let refused = try Self.daemon(path, ["--sink", "exec:true", "--sink-env", "ASO_MASTER_KEY"], environment: environment)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--sink-env ASO_MASTER_KEY is refused"))

        // A second case's reminder, delivered with one variable passed on.
        try await DaemonTests.makeCases(1, at: path, openedOn: LocalDate("2026-03-02")!, firstRelease: LocalDate("2026-09-02")!, offset: 1)
        let second = try Self.daemon(
            path, ["--sink", "exec:env > '\(named)'", "--sink-env", "SINK_TOKEN"],
            environment: ["SINK_TOKEN": "t-123", "OTHER_SECRET": "s-456", "ASO_MASTER_KEY_FILE": path + ".master-key"])
        #expect(second.status == 0, "\(second.stderr)")
        let passed = try String(contentsOfFile: named, encoding: .utf8)
        #expect(passed.contains("SINK_TOKEN=t-123"))
        #expect(!passed.contains("OTHER_SECRET") && !passed.contains("ASO_MASTER_KEY"))
    }

    @Test("exec: a command that exits without reading its input fails the delivery; the daemon lives on", arguments: 1...3)
    func execBrokenPipe(round: Int) async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(12, in: directory)
        let run = try Self.daemon(path, ["--sink", "exec:true"])
        // Not killed by SIGPIPE (141): every reminder was either delivered or failed and logged.
        #expect(run.status == 0, "round \(round): \(run.status) \(run.stderr)")
        // `true` reads nothing: not one delivery counts, however the pipe's buffer let the write through.
        let recorded = try await DaemonTests.recorded(path).count
        let failed = run.stderr.components(separatedBy: "a sink failed").count - 1
        #expect(recorded == 0 && failed == 12, "\(run.stderr)")
        #expect(run.stderr.contains("did not read its input to the end"))
    }

    @Test("exec: the log names the command's program, never its arguments (they may hold a token)")
    func execSecrets() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let run = try Self.daemon(path, ["--sink", "exec:cat > /dev/null; echo 'Authorization: Bearer tok-s3cret' > /dev/null; exit 3"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("the command exited with status 3"), "\(run.stderr)")
        #expect(run.stderr.contains("exec:cat …"), "\(run.stderr)")
        #expect(!run.stderr.contains("s3cret"), "\(run.stderr)")
    }

    @Test("exec: a command that never ends is killed with its process group at the deadline")
    func execTimeout() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let marker = directory.path("child-alive")
        // The shell starts a grandchild that would outlive it if only the shell were killed.
        let command = "exec:(while true; do echo . >> '\(marker)'; sleep 0.1; done) & sleep 30"
        let run = try Self.daemon(path, ["--sink", command, "--sink-timeout", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("did not finish within 1 s and was killed"))
        #expect(try await DaemonTests.recorded(path).isEmpty)
        // The whole group went: no process of it (each names the marker in its command line) is left.
        #expect(FileManager.default.fileExists(atPath: marker))
        func survivors() -> [String] {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
            return pids.filter { pid in
                let line = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
                return String(decoding: line, as: UTF8.self).contains(marker)
            }
        }
        for _ in 0..<500 where !survivors().isEmpty { usleep(10_000) }
        #expect(survivors() == [], "left running")
    }

    @Test("SIGTERM stops a daemon whose sink command hangs, at the delivery's deadline; no core dumps")
    func sigtermWhileHanging() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let marker = directory.path("started")
        let daemon = try DaemonTests.Daemon([
            "--db", path, "--max-interval", "1", "--no-retention", "--sink", "exec:touch '\(marker)'; sleep 300", "--sink-timeout", "2",
        ])
        // Wait until the delivery is under way (its command is running), then stop the daemon.
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: marker) { usleep(50_000) }
        #expect(FileManager.default.fileExists(atPath: marker))
        let limits = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/limits", encoding: .utf8)
        let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }
        #expect(core?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).first == "0", "\(core ?? "")")
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.wait() == 0)
    }

    @Test("webhook: a redirect is a failed delivery and is not followed, whatever its code", arguments: [301, 302, 303, 307, 308])
    func webhookRedirect(status: Int) async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let other = try LoopbackHTTPServer()
        defer { other.stop() }
        let server = try LoopbackHTTPServer { _, _ in .init(status: status, headers: ["Location": other.url("/elsewhere")]) }
        defer { server.stop() }
        let run = try Self.daemon(path, ["--sink", "webhook:\(server.url())"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try await DaemonTests.recorded(path).isEmpty)
        #expect(other.received.isEmpty)
        #expect(server.received.allSatisfy { $0.method == "POST" })
        #expect(run.stderr.contains("the server answered \(status), a redirect, which is not followed"))
    }

    @Test("webhook: a server that sends a 200 head and stalls the body fails at the deadline; the body counts")
    func webhookStall() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let server = try LoopbackHTTPServer { _, _ in .init(status: 200, stallsBody: true) }
        defer { server.stop() }
        let run = try Self.daemon(path, ["--sink", "webhook:\(server.url())", "--sink-timeout", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try await DaemonTests.recorded(path).isEmpty)
        #expect(run.stderr.contains("a sink failed"))
    }

    @Test("webhook: credentials and query tokens never reach the log; the failure's reason does")
    func webhookSecrets() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let server = try LoopbackHTTPServer { _, _ in 500 }
        defer { server.stop() }
        let url = "http://hook-user:pw-s3cret@127.0.0.1:\(server.port)/reminders?token=tok-s3cret"
        let run = try Self.daemon(path, ["--sink", "webhook:\(url)"])
        #expect(run.status == 0)
        #expect(!run.stderr.contains("s3cret"), "\(run.stderr)")
        #expect(run.stderr.contains("the server answered 500"))
        #expect(run.stderr.contains("webhook:http://127.0.0.1:\(server.port)/reminders?…"))
    }

    @Test("webhook: only http and https URLs with a host are sinks", arguments: ["webhook:httpfoo://x/y", "webhook:ftp://x/y", "webhook:http://"])
    func webhookScheme(spec: String) async throws {
        let directory = try TemporaryDirectory()
        let path = try await Self.makeCases(1, in: directory)
        let run = try Self.daemon(path, ["--sink", spec])
        #expect(run.status == 2)
        #expect(run.stderr.contains("needs an http:// or https:// URL with a host"))
    }
}
