import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import WorkflowKit
import WorkflowPostgres

/// `aso-engine daemon`: delivers every reminder when it is due.
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Deliver due-task reminders and escalations to sinks, and record each delivery.",
        discussion: """
            Sinks (repeatable --sink): 'stdout' (a readable line per reminder), 'jsonl:PATH' (one JSON \
            object per line), 'webhook:URL' (HTTP POST with an Idempotency-Key header, retried with \
            backoff), 'exec:COMMAND' (the JSON on the command's standard input), 'digest:DIR' (one \
            file per role and day, DIR/YYYY-MM-DD-ROLE.txt, listing everything due). SIGTERM or SIGINT \
            finish the delivery in flight, then exit 0. When --db does not exist yet, an empty event \
            log is created there (as 'open' would), so that the daemon can start before the first case. Once a day (and at start) it also erases the \
            personal data of closed cases whose retention period has ended, as 'aso-engine retention' does. \
            --db also takes a postgres:// URL: several daemons, on several machines, then share one queue \
            (the master key comes from --master-key-file, ASO_MASTER_KEY_FILE or ASO_MASTER_KEY; --now is for SQLite simulations only).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var logOptions: LogOptions

    @Flag(name: .long, help: "Do not run the daily retention sweep.")
    var noRetention = false

    @Option(name: .long, help: ArgumentHelp("Where reminders go (repeatable).", valueName: "sink"))
    var sink: [String] = []

    @Option(
        name: .customLong("sink-env"),
        help: ArgumentHelp(
            "An environment variable passed to exec: sink commands (repeatable); they get only PATH, LANG and these, never the master key.",
            valueName: "name"))
    var sinkEnvironment: [String] = []

    @Option(name: .long, help: ArgumentHelp("How long one delivery to a sink may take, in seconds.", valueName: "seconds"))
    var sinkTimeout: Int = 30

    @Flag(name: .long, help: "Deliver what is due now, then exit.")
    var once = false

    @Option(name: .long, help: ArgumentHelp("This daemon's name in claims and in the log.", valueName: "name"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("The longest sleep between ticks, in seconds.", valueName: "seconds"))
    var maxInterval: Int = 60

    @Option(name: .long, help: ArgumentHelp("How long a claim holds, in seconds.", valueName: "seconds"))
    var lease: Int = 300

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How many delivered reminders may wait for their record while the next go out (1–64): more share flushes, and a killed daemon may deliver that many again.",
            valueName: "n"))
    var recordsInFlight: Int = 1

    func validate() throws {
        if maxInterval < 1 { throw ValidationError("--max-interval must be at least 1 second.") }
        if !(1...64).contains(recordsInFlight) { throw ValidationError("--records-in-flight must be from 1 to 64.") }
        if sinkTimeout < 1 { throw ValidationError("--sink-timeout must be at least 1 second.") }
        for name in sinkEnvironment where CommandSink.withheldVariables.contains(name) {
            throw ValidationError("--sink-env \(name) is refused: sink commands never get the master key.")
        }
        _ = try sinks()
    }

    func sinks() throws -> [any ReminderSink] {
        try Self.sinks(sink, environment: sinkEnvironment, timeout: sinkTimeout)
    }

    /// The sinks `specs` name (stdout when none), or a validation error naming the bad one.
    static func sinks(_ sink: [String], environment sinkEnvironment: [String], timeout sinkTimeout: Int) throws -> [any ReminderSink] {
        let specs = sink.isEmpty ? ["stdout"] : sink
        return try specs.map { spec in
            if spec == "stdout" { return StandardOutputSink() }
            if spec.hasPrefix("jsonl:"), spec.count > 6 { return JSONLinesSink(path: String(spec.dropFirst(6))) }
            if spec.hasPrefix("webhook:") {
                let text = String(spec.dropFirst(8))
                guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                    url.host?.isEmpty == false
                else {
                    throw ValidationError(
                        "The webhook sink '\(SinkNames.redacting(text))' needs an http:// or https:// URL with a host.")
                }
                return WebhookSink(url: url.absoluteString, timeout: .seconds(sinkTimeout))
            }
            if spec.hasPrefix("exec:"), spec.count > 5 {
                return CommandSink(command: String(spec.dropFirst(5)), passing: sinkEnvironment, timeout: .seconds(sinkTimeout))
            }
            if spec.hasPrefix("digest:"), spec.count > 7 { return DigestSink(directory: String(spec.dropFirst(7))) }
            throw ValidationError(
                "Unknown sink '\(SinkNames.redacting(spec))': use stdout, jsonl:PATH, webhook:https://HOST/PATH, exec:COMMAND or digest:DIR.")
        }
    }

    func run() async throws {
        ProcessHardening.apply()
        logOptions.bootstrap()
        let logger = Logger(label: "aso-engine.daemon")
        // A service manager starts the daemon when the system is installed, before any
        // case exists: it creates the event log then, as `open` would.
        let existed = PostgresLocation.isURL(global.db) || FileManager.default.fileExists(atPath: global.db)
        let store = try await global.openStore(create: true, clockRunsOn: !once)
        if !existed { logger.notice("created an empty event log", metadata: ["db": "\(global.db)"]) }
        // Closed after the daemon has stopped: closing earlier would cancel its queries.
        let postgres = store as? PostgresCaseStore
        do {
            try await run(on: store, logger: logger)
        } catch {
            await postgres?.close()
            throw error
        }
        await postgres?.close()
    }

    /// Runs the daemon (and the retention sweep) on `store` until shutdown, or once.
    private func run(on store: any ReminderQueue, logger: Logger) async throws {
        // A simulated time stands at --now for one tick; a running daemon's runs on from it.
        let clock = try once ? global.clock() : global.runningClock()
        var daemon = ReminderDaemon(
            store: store, sinks: try sinks(), id: id ?? "daemon-\(ProcessInfo.processInfo.processIdentifier)",
            now: clock, logger: logger)
        daemon.maximumSleep = .seconds(maxInterval)
        daemon.lease = Int64(lease) * 1000
        daemon.recordsInFlight = recordsInFlight
        var retention: RetentionService?
        if !noRetention {
            let catalog = try processOptions.loadCatalog()
            var engineLogger = Logger(label: "aso-engine.retention")
            engineLogger.logLevel = max(engineLogger.logLevel, .warning)
            let engine = Engine(store: store, now: clock, logger: engineLogger)
            retention = RetentionService(
                sweep: RetentionSweep(engine: engine, currentRules: catalog.retentionRules),
                actor: Acting(id ?? "daemon-\(ProcessInfo.processInfo.processIdentifier)", role: "retention"), logger: logger)
        }
        if once {
            let delivered = try await daemon.tick()
            logger.info("delivered \(delivered.count) reminders")
            try await retention?.sweepOnce()
            return
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ReminderService(daemon: daemon))]
        if let retention { services.append(.init(service: retention)) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
