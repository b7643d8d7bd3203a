import Foundation
import Logging
public import HTTPTypes
public import Hummingbird
import NIOCore
import WorkflowKit

/// An error answered as RFC 9457 `application/problem+json`: a stable `type` URI, a
/// title, and the same sentence the command line prints as `detail`. A problem never
/// holds a personal value: the sentences name fields, tasks and cases, not their values.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// The last part of the type URI, e.g. `command-refused`.
    public var kind: String
    public var title: String
    public var detail: String
    /// The request field, header or query parameter at fault.
    public var field: String?
    /// Extra members, e.g. the case's current version.
    public var extra: [String: String] = [:]
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ kind: String, title: String, detail: String, field: String? = nil) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.field = field
    }

    /// The type URI of problems of `kind`; docs/api.md lists them.
    public static func typeURI(_ kind: String) -> String { "urn:aso-engine:problem:\(kind)" }

    public var body: [String: Any] {
        var body: [String: Any] = ["type": Self.typeURI(kind), "title": title, "status": Int(status.code), "detail": detail]
        if let field { body["field"] = field }
        for (key, value) in extra { body[key] = value }
        return body
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: The problems the API answers with

    static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, "bad-request", title: "The request is malformed", detail: detail, field: field)
    }

    static func invalid(_ detail: String, field: String? = nil) -> Problem {
        Problem(.unprocessableContent, "invalid-value", title: "A value is not valid", detail: detail, field: field)
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(.unauthorized, "unauthorized", title: "Sign-in needed", detail: detail)
        problem.headers[.wwwAuthenticate] = "Bearer realm=\"aso-engine\""
        return problem
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, "not-found", title: "Not found", detail: detail)
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, "forbidden", title: "Not allowed", detail: detail)
    }

    static func refused(_ refusal: CommandRefused) -> Problem {
        if refusal.code == .unknownCase { return .notFound(refusal.message) }
        var problem = Problem(.conflict, "command-refused", title: "The command was refused", detail: refusal.message)
        problem.extra["code"] = refusal.code.description
        return problem
    }

    static func unknownCalendar(_ unknown: UnknownCalendar) -> Problem {
        Problem(.conflict, "unknown-calendar", title: "The process's calendar is not available", detail: unknown.description + ".")
    }

    static func denied(_ denied: AccessDenied) -> Problem {
        denied.code == .notFound ? .notFound(denied.message) : .forbidden(denied.message)
    }
}

/// Turns every error into a problem document: the engine's refusals, access refusals,
/// Hummingbird's own errors (unknown route, body too large) and, for anything else, a
/// 500 whose detail says nothing of the cause (which is logged, by type only).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let refused as CommandRefused {
            return try Problem.refused(refused).response(from: request, context: context)
        } catch let denied as AccessDenied {
            return try Problem.denied(denied).response(from: request, context: context)
        } catch let stale as StaleCaseVersion {
            var problem = Problem(.preconditionFailed, "stale-version", title: "The case changed", detail: stale.description, field: "If-Match")
            problem.extra["version"] = String(stale.actual)
            problem.headers[.eTag] = APIServer.etag(stale.actual)
            return try problem.response(from: request, context: context)
        } catch let unknown as UnknownCalendar {
            // The server's configuration, not the request, is at fault: say which calendar is missing.
            return try Problem.unknownCalendar(unknown).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Problem(
                .contentTooLarge, "too-large", title: "The request body is too large",
                detail: "The request body is larger than \(APIServer.maximumBodySize / 1024) KiB.", field: "body"
            ).response(from: request, context: context)
        } catch let error as HTTPError {
            let problem: Problem =
                switch error.status {
                case .notFound:
                    if let allowed = APIServer.allowedMethods(on: request.uri.path), !allowed.contains(request.method.rawValue) {
                        {
                            var problem = Problem(
                                .methodNotAllowed, "method-not-allowed", title: "Method not allowed",
                                detail: "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or ")).")
                            problem.headers[.allow] = allowed.joined(separator: ", ")
                            return problem
                        }()
                    } else {
                        .notFound("There is no such resource: \(request.method) \(request.uri.path).")
                    }
                case .contentTooLarge:
                    Problem(.contentTooLarge, "too-large", title: "The request body is too large", detail: "The request body is larger than \(APIServer.maximumBodySize / 1024) KiB.")
                case .methodNotAllowed:
                    Problem(.methodNotAllowed, "method-not-allowed", title: "Method not allowed", detail: "\(request.method) is not allowed on \(request.uri.path).")
                default:
                    Problem(error.status, "http-error", title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
                }
            return try problem.response(from: request, context: context)
        } catch let error as PrivacyError {
            context.logger.error("privacy error", metadata: ["error.type": "\(type(of: error))"])
            return try Problem(.serviceUnavailable, "privacy-error", title: "Personal data cannot be opened", detail: error.message)
                .response(from: request, context: context)
        } catch let error as EventStoreError where error.code == .tampered {
            return try Problem(.serviceUnavailable, "tampered", title: "The event log failed its integrity check", detail: error.message)
                .response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))"])
            return try Problem(.internalServerError, "internal", title: "Internal error", detail: "The server could not complete the request; it is logged.")
                .response(from: request, context: context)
        }
    }
}
