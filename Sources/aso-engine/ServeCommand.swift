import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import WorkflowKit
import WorkflowServer
import WorkflowPostgres

/// `aso-engine serve`: the HTTP API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (JSON under /v1) and the web page (/), signed in with API tokens ('aso-engine token create').",
        discussion: """
            The API applies the same access rules as the command line: a case is seen by its responsible \
            worker, its lead organisation and the organisations its consent in force names; anyone else is \
            told it does not exist. Commands need an Idempotency-Key header and If-Match with the case's \
            version. /healthz, /readyz, /metrics (Prometheus) and /openapi.yaml need no token. SIGTERM or \
            SIGINT stop taking connections and finish the requests in flight. Each request is logged on one \
            line to standard error (method, route pattern, status, duration, request id from X-Request-Id or \
            made, and echoed); docs/deployment.md describes the log. docs/api.md has a worked session.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var logOptions: LogOptions

    @Option(name: .long, help: ArgumentHelp("The address to listen on.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("The port to listen on (0: any free port, printed at start).", valueName: "port"))
    var port = 8080

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("A PEM certificate chain: serve HTTPS.", valueName: "path"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "path"))
    var tlsKey: String?

    @Option(
        name: .customLong("oidc"),
        help: ArgumentHelp("An OpenID Connect configuration (JSON: issuer, audience, jwksFile, claims): also accept the identity provider's JWT access tokens.", valueName: "path"))
    var oidcConfiguration: String?

    @Flag(name: .customLong("secure-cookies"), help: "Mark the web page's cookies Secure behind a reverse proxy that terminates TLS.")
    var secureCookies = false

    @Option(
        name: .customLong("accessibility-contact"),
        help: ArgumentHelp("Where people send feedback on the web page's accessibility (shown on its statement).", valueName: "contact"))
    var accessibilityContact: String?

    @Option(
        name: .customLong("idle-timeout"),
        help: ArgumentHelp(
            "Close a connection that takes longer than this to send a request head (or the next part of a body), or that stays idle between requests.",
            valueName: "seconds"))
    var idleTimeout = 30.0

    @Option(
        name: .customLong("connections-per-address"),
        help: ArgumentHelp(
            "The most connections one client address may hold open (0: no cap; behind a reverse proxy, every connection is the proxy's).",
            valueName: "count"))
    var connectionsPerAddress = 128

    @Flag(name: .long, help: "Also run the reminder daemon in this process (its sinks with --sink).")
    var daemon = false

    @Option(name: .long, help: ArgumentHelp("Where the daemon's reminders go (repeatable; see 'aso-engine daemon --help').", valueName: "sink"))
    var sink: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535.") }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together.") }
        for path in [tlsCertificate, tlsKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("Cannot read '\(path)'.")
        }
        guard idleTimeout > 0, idleTimeout <= 3600 else { throw ValidationError("--idle-timeout must be more than 0 and at most 3600 seconds.") }
        guard connectionsPerAddress >= 0 else { throw ValidationError("--connections-per-address must be 0 or more.") }
        if !sink.isEmpty && !daemon { throw ValidationError("--sink is for the daemon: add --daemon.") }
        _ = try DaemonCommand.sinks(sink, environment: [], timeout: 30)
    }

    func run() async throws {
        ProcessHardening.apply()
        logOptions.bootstrap()
        let logger = Logger(label: "aso-engine.serve")
        let catalog = try processOptions.loadCatalog()
        let (engine, database) = try await global.openCaseEngine(create: true)
        let clock = try global.clock()
        var configuration = APIServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.tlsCertificate = tlsCertificate
        configuration.tlsKey = tlsKey
        configuration.secureCookies = secureCookies
        configuration.accessibilityContact = accessibilityContact
        configuration.idleTimeout = .milliseconds(Int64((idleTimeout * 1000).rounded()))
        configuration.maximumConnectionsPerAddress = connectionsPerAddress == 0 ? nil : connectionsPerAddress
        if let oidcConfiguration {
            do {
                configuration.oidc = try await OIDCVerifier(configurationFile: oidcConfiguration)
            } catch let error as OIDCVerifier.SetupError {
                throw fail(error.description)
            }
        }
        if daemon {
            let name = "serve-\(ProcessInfo.processInfo.processIdentifier)"
            let reminders = ReminderDaemon(
                store: database, sinks: try DaemonCommand.sinks(sink, environment: [], timeout: 30), id: name, now: clock,
                logger: Logger(label: "aso-engine.daemon"))
            configuration.services.append(ReminderService(daemon: reminders))
        }
        let server = APIServer(database: database, engine: engine, catalog: catalog, configuration: configuration, now: clock, logger: logger)
        let scheme = tlsCertificate == nil ? "http" : "https"
        try await server.run { port in
            // The first line of standard output: scripts and tests read the port from it.
            FileHandle.standardOutput.write(Data("Listening on \(scheme)://\(host):\(port)\n".utf8))
        }
        // After the server and its daemon have stopped: closing earlier would cancel their queries.
        if let postgres = database as? PostgresCaseStore { await postgres.close() }
    }
}
