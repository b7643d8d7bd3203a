import Crypto
public import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import Processes
public import ServiceLifecycle
public import WorkflowKit

/// The HTTP API: JSON over HTTP, versioned under `/v1`, on Hummingbird 2.
///
/// Every route but the operational ones (`/healthz`, `/readyz`, `/metrics`,
/// `/openapi.yaml`) signs the caller in with a bearer token and applies WorkflowKit's
/// access rules (``AccessGuard``), the same the command line applies. docs/api.md and
/// docs/openapi.yaml describe the routes.
public struct APIServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String = "127.0.0.1"
        /// 0 picks a free port; ``APIServer/run(onListening:)`` reports the one bound.
        public var port: Int = 8080
        /// PEM files for HTTPS; without them the server speaks plain HTTP (run it behind a
        /// reverse proxy that terminates TLS, see docs/api.md).
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// Signing in with a county's identity provider, besides API tokens.
        public var oidc: OIDCVerifier?
        /// Other services to run in the same service group (e.g. the reminder daemon).
        public var services: [any Service] = []
        /// Marks the web page's cookies `Secure` although this server speaks plain HTTP:
        /// for a server behind a reverse proxy that terminates TLS (with TLS here they are
        /// always `Secure`).
        public var secureCookies = false
        /// Where people send feedback on the web page's accessibility (an e-mail address
        /// or a web form), shown on its accessibility statement.
        public var accessibilityContact: String?
        /// How long a connection may take to send a whole request head (or the next part
        /// of a request body), and stay idle between requests, before it is closed. A
        /// request being answered (a long poll) is not idle.
        public var idleTimeout: Duration = .seconds(30)
        /// The most connections one client address holds open at once (nil: no cap).
        /// Behind a reverse proxy every connection comes from the proxy's address: raise
        /// it to what the proxy opens, or cap connections at the proxy.
        public var maximumConnectionsPerAddress: Int? = 128

        public init() {}
    }

    /// Every route and its methods, as docs/openapi.yaml lists them (a test checks that
    /// they agree): an unknown method on a known path is `405` with `Allow`, not `404`.
    public static let routes: [String: [String]] = [
        "/healthz": ["GET"], "/readyz": ["GET"], "/metrics": ["GET"], "/openapi.yaml": ["GET"], "/v1/me": ["GET"],
        "/v1/cases": ["GET", "POST"], "/v1/cases/{case}": ["GET"], "/v1/cases/{case}/history": ["GET"],
        "/v1/cases/{case}/access-log": ["GET"], "/v1/cases/{case}/tasks/{task}/explanation": ["GET"],
        "/v1/cases/{case}/tasks/{task}/completion": ["POST"], "/v1/cases/{case}/tasks/{task}/claim": ["POST"],
        "/v1/cases/{case}/tasks/{task}/unclaim": ["POST"], "/v1/cases/{case}/fields": ["POST"],
        "/v1/cases/{case}/events": ["POST"], "/v1/cases/{case}/consent": ["POST"],
        "/v1/cases/{case}/consent-withdrawal": ["POST"], "/v1/cases/{case}/disclosures": ["POST"],
        "/v1/cases/{case}/handover": ["POST"], "/v1/cases/{case}/closure": ["POST"], "/v1/cases/{case}/reopening": ["POST"],
        "/v1/cases/{case}/migration": ["POST"], "/v1/cases/{case}/erasure": ["POST"], "/v1/tasks": ["GET"],
        "/v1/tasks/changes": ["GET"], "/v1/processes": ["GET"], "/v1/processes/{process}": ["GET"],
        "/v1/processes/validation": ["POST"], "/v1/meetings/agenda": ["GET"],
    ]

    /// The methods allowed on `path`, or nil when no route has that shape.
    static func allowedMethods(on path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var allowed: Set<String> = []
        var exact: Set<String> = []
        for (template, methods) in routes.merging(webRoutes, uniquingKeysWith: { api, _ in api }) {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == segments.count else { continue }
            let matches = zip(parts, segments).allSatisfy { part, segment in part.hasPrefix("{") ? !segment.isEmpty : part == segment }
            guard matches else { continue }
            // A literal route (tasks/changes) wins over a parameter (tasks/{…}) of the same shape.
            if !template.contains("{") { exact.formUnion(methods) } else { allowed.formUnion(methods) }
        }
        let result = exact.isEmpty ? allowed : exact
        return result.isEmpty ? nil : result.sorted()
    }

    /// The largest request body accepted (process files are the largest bodies).
    public static let maximumBodySize = 512 * 1024

    let database: any ReminderQueue
    let engine: Engine
    let catalog: ProcessCatalog
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Int64
    let metrics: APIMetrics
    let idempotency = IdempotencyGate()
    let access: AccessCache
    let sessions = WebSessions()
    let outcomeReports = OutcomeReportCache()

    public init(
        database: any ReminderQueue, engine: Engine, catalog: ProcessCatalog, configuration: Configuration,
        now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
        logger: Logger = Logger(label: "aso-engine.api")
    ) {
        self.database = database
        self.engine = engine
        self.catalog = catalog
        self.configuration = configuration
        self.now = now
        self.logger = logger
        self.metrics = APIMetrics(database: database)
        self.access = AccessCache(database: database)
    }

    /// Runs the server until SIGTERM or SIGINT, which drain the requests in flight;
    /// `onListening` is called with the port once it accepts connections.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: APIContext.self)
        // The first added is the outermost: the request log and metrics see the status of
        // every answer, problems included.
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: metrics.middleware)
        router.add(middleware: ProblemMiddleware())
        addRoutes(to: router)
        addWebRoutes(to: router)
        // Slow and idle connections are closed after the idle timeout; one address holds
        // at most so many at once (ConnectionCount).
        let count = configuration.maximumConnectionsPerAddress.map(ConnectionCount.init(maximum:))
        let timeout = configuration.idleTimeout.components
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: count.map { [$0.handler()] } ?? [],
            idleTimeout: .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000))
        let server: HTTPServerBuilder
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(configuration: http), tlsConfiguration: tls)
        } else {
            server = .http1(configuration: http)
        }
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "aso-engine"),
            services: configuration.services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }

    // MARK: Helpers shared by the routes

    /// The `ETag` of a case at `version`.
    static func etag(_ version: Int64) -> String { "\"\(version)\"" }

    /// A strong `ETag` for a response body.
    static func etag(ofBody data: Data) -> String {
        "\"" + SHA256.hash(data: data).prefix(12).lowercaseHex + "\""
    }

    /// A JSON response.
    static func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON list response with an `ETag`, or `304 Not Modified` when `If-None-Match` names it.
    static func cachedJSON(_ object: Any, request: Request) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let tag = etag(ofBody: data)
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag }) {
            return Response(status: .notModified, headers: [.eTag: tag])
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json", .eTag: tag], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Signs the request's caller in: a valid bearer token, whose actor, while the directory
    /// names anyone, is in it.
    func signIn(_ request: Request) async throws -> AccessGuard {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized("Sign in with an API token: 'Authorization: Bearer <token>' ('aso-engine token create').")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("The Authorization header must be 'Bearer <token>'.")
        }
        return try await signIn(presented: String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    /// Signs in the holder of a token's text (an API token, or an identity provider's
    /// token when one is configured), as a bearer header or a web session presents it.
    func signIn(presented: String) async throws -> AccessGuard {
        let time = now()
        let (registry, directory, overrides) = try await access.current()
        if !presented.hasPrefix("aso_"), let oidc = configuration.oidc, OIDCVerifier.looksLikeJWT(presented) {
            switch await oidc.principal(of: presented, now: time) {
            case .failure(let refused):
                throw Problem.unauthorized(refused.message)
            case .success(let principal):
                // The identity provider speaks for this principal: its entry replaces the directory's.
                var principals = Array(directory.principals.values.filter { $0.actor != principal.actor })
                principals.append(principal)
                return AccessGuard(
                    database: database,
                    policy: AccessPolicy(directory: PrincipalDirectory(principals: principals), overrides: overrides, now: time),
                    actor: Acting(principal.actor))
            }
        }
        guard let token = registry.signIn(presented, at: time), token.scope == nil else {
            throw Problem.unauthorized("The token is not valid: unknown, expired or revoked.")
        }
        let guardian = AccessGuard(
            database: database, policy: AccessPolicy(directory: directory, overrides: overrides, now: time), actor: Acting(token.actor))
        if guardian.policy.directory.isEnforced && guardian.principal == nil {
            throw Problem.unauthorized("The token's actor '\(token.actor)' is no longer in the directory of principals.")
        }
        return guardian
    }

    /// The case `id` if the caller may see it; else "does not exist" (recorded as a refusal).
    func visibleCase(_ id: String, for action: String, by guardian: AccessGuard) async throws -> (CaseState, ProcessDefinition) {
        let caseID = StreamID(rawValue: id)
        let loaded = try await engine.load(caseID)
        try await guardian.requireSight(of: loaded.0, for: action)
        return loaded
    }
}

/// The request context: Hummingbird's, with the body limit of the API.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { APIServer.maximumBodySize }

    /// The path parameter `name` as the id it names: percent-decoded once (the router
    /// matches the path as sent, so a case `käsi-1` arrives as `k%C3%A4si-1`) and in
    /// Unicode normal form C, the form ``Identifier`` stores ids in. Every route reads its
    /// path parameters through this, so that the API and the web page find the same case.
    ///
    /// - Throws: ``Problem`` `400` naming the parameter when its escapes are not UTF-8.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw Problem.badRequest("The path segment '\(name)' is not percent-encoded UTF-8.", field: name)
        }
        return Identifier.normalized(decoded)
    }
}
