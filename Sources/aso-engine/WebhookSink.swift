import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WorkflowKit

/// POSTs each reminder's JSON to a URL, with the reminder id as `Idempotency-Key`, so
/// that a receiver can drop a redelivery. Retries with exponential backoff; a delivery
/// counts on a 2xx answer whose body arrived within the deadline.
///
/// Redirects are never followed (a 3xx is a failed delivery: following one would turn
/// the POST into a bodiless GET, or send the body and its key to another origin), and
/// each attempt has one deadline for the whole exchange, the response body included.
struct WebhookSink: ReminderSink {
    let url: String
    var attempts = 5
    var firstBackoff: Duration = .milliseconds(200)
    /// The deadline of one attempt: connecting, sending, and reading the whole answer.
    var timeout: Duration = .seconds(10)

    /// One client for every webhook of this process, which never follows redirects.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The URL without its credentials: user-info and query string are replaced, since
    /// they often carry tokens.
    var name: String { "webhook:\(SinkNames.redacting(url))" }

    func deliver(_ delivery: Delivery) async throws {
        var backoff = firstBackoff
        var lastProblem = ""
        for attempt in 1...attempts {
            do {
                try await post(delivery)
                return
            } catch let problem as AttemptFailure {
                lastProblem = problem.reason
            } catch {
                lastProblem = Self.describe(error)
            }
            if attempt < attempts {
                try await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
        throw ReminderSinkError(sink: name, message: "\(attempts) attempts failed; the last: \(lastProblem)")
    }

    private struct AttemptFailure: Error {
        var reason: String
    }

    /// One attempt, under one deadline for the request, the answer's head and its body.
    private func post(_ delivery: Delivery) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: delivery.reminder.id)
        request.body = .bytes(ByteBuffer(bytes: delivery.json))
        let prepared = request
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let deadline = NIODeadline.now() + .milliseconds(milliseconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let response = try await Self.client.execute(prepared, deadline: deadline)
                let status = response.status.code
                do {
                    _ = try await response.body.collect(upTo: 64 * 1024)
                } catch {
                    throw AttemptFailure(reason: "the answer's body could not be read (\(Self.describe(error)))")
                }
                if (300..<400).contains(status) {
                    throw AttemptFailure(reason: "the server answered \(status), a redirect, which is not followed")
                }
                guard (200..<300).contains(status) else {
                    throw AttemptFailure(reason: "the server answered \(status)")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw AttemptFailure(reason: "no complete answer within \(timeout)")
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// A transport error in a few words, without the URL (which may hold a token).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            return "\(error)".replacingOccurrences(of: "HTTPClientError.", with: "")
        }
        return String(describing: type(of: error))
    }
}
