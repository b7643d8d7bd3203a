import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WorkflowKit

/// POSTs each reminder's JSON to a URL, with the reminder id as `Idempotency-Key`, so
/// that a receiver can drop a redelivery. Retries with exponential backoff; a delivery
/// counts on a 2xx answer.
struct WebhookSink: ReminderSink {
    let url: String
    var attempts = 5
    var firstBackoff: Duration = .milliseconds(200)
    var timeout: TimeAmount = .seconds(10)

    var name: String { "webhook:\(url)" }

    func deliver(_ delivery: Delivery) async throws {
        var backoff = firstBackoff
        var lastProblem = ""
        for attempt in 1...attempts {
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Idempotency-Key", value: delivery.reminder.id)
                request.body = .bytes(ByteBuffer(bytes: delivery.json))
                let response = try await HTTPClient.shared.execute(request, timeout: timeout)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) { return }
                lastProblem = "the server answered \(response.status.code)"
            } catch {
                lastProblem = "\(error)"
            }
            if attempt < attempts {
                try await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
        throw ReminderSinkError(sink: name, message: "\(attempts) attempts failed; the last: \(lastProblem)")
    }
}
