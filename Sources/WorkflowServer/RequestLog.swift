import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request, at `info`: the method, the route's pattern (never the path
/// as sent, which holds case ids), the status, the time taken and the request id, and
/// nothing else of the request: no query string, header, token or body.
///
/// The request id is the caller's `X-Request-Id` when it is short printable ASCII (a
/// proxy's or a client's id, so that their logs and ours meet), else one made here; the
/// answer carries it back in `X-Request-Id`, and every line logged while answering
/// carries it as `request_id`.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    static var requestIDField: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    /// The longest request id taken from a caller.
    static var maximumIDLength: Int { 64 }

    /// `header` when it is 1 to ``maximumIDLength`` characters of printable ASCII without
    /// spaces; nil otherwise.
    static func acceptedID(_ header: String?) -> String? {
        guard let header, !header.isEmpty, header.utf8.count <= maximumIDLength,
            header.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return header
    }

    /// A new request id: 128 random bits in hex.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let id = Self.acceptedID(request.headers[Self.requestIDField]) ?? Self.newID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, context)
            response.headers[Self.requestIDField] = id
            log(request, context: context, status: response.status, since: start, id: id)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            log(request, context: context, status: status, since: start, id: id)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant, id: String) {
        let elapsed = (ContinuousClock.now - start).components
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        // The pattern Hummingbird matched ("/v1/cases/{case}"); an unknown path is not repeated.
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        logger.info(
            "\(request.method.rawValue) \(route) \(status.code)",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(status.code),
                "duration_ms": .string(String(format: "%.3f", milliseconds)),
                "request_id": .string(id),
            ])
    }
}
