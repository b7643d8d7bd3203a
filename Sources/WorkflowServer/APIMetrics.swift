import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import WorkflowKit

/// The server's metrics in Prometheus's text format (`GET /metrics`): requests and
/// their latency by route (the route's pattern, never a case id), commands appended and
/// refused, and the reminder queue (pending, and the age of the oldest due one that no
/// daemon has delivered). Labels hold routes, methods, statuses and refusal codes only:
/// never a personal value.
final class APIMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let database: any ReminderQueue
    private let appends: Counter
    private let pending: Gauge
    private let oldestDue: Gauge

    init(database: any ReminderQueue) {
        self.database = database
        appends = registry.makeCounter(
            descriptor: Self.name("commands_appended", unit: "total", help: "Commands that appended events to a case."))
        pending = registry.makeGauge(descriptor: Self.name("reminders_pending", unit: "", help: "Reminders waiting in the queue."))
        oldestDue = registry.makeGauge(
            descriptor: Self.name(
                "reminder_oldest_due", unit: "seconds", help: "How long the oldest due, unclaimed reminder has waited (0 when none is due)."))
    }

    var middleware: MetricsRecorder<APIContext> { MetricsRecorder(metrics: self) }

    static func name(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "aso", metricName: name, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor { name("http_requests", unit: "total", help: "HTTP requests answered.") }
    static var duration: MetricNameDescriptor { name("http_request_duration", unit: "seconds", help: "Time to answer an HTTP request.") }
    static var refused: MetricNameDescriptor { name("commands_refused", unit: "total", help: "Commands refused (nothing appended).") }

    func requestFinished(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, seconds: Double) {
        let labels = [("route", route), ("method", method.rawValue), ("status", String(status.code))]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeValueHistogram(
            descriptor: Self.duration, labels: [("route", route), ("method", method.rawValue)],
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
        ).record(seconds)
    }

    func commandAppended() { appends.increment() }

    func commandRefused(_ code: String) {
        registry.makeCounter(descriptor: Self.refused, labels: [("code", code)]).increment()
    }

    /// The text of `GET /metrics`, with the reminder queue read now.
    func exposition(now: Int64) async throws -> String {
        let reminders = try await database.pendingReminders()
        pending.set(to: Double(reminders.count))
        if let next = try await database.nextReminderTime(now: now), next <= now {
            oldestDue.set(to: Double(now - next) / 1000)
        } else {
            oldestDue.set(to: 0)
        }
        return registry.emitToString()
    }
}

/// Times every request and counts it by route pattern, method and status.
struct MetricsRecorder<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.requestFinished(route: context.endpointPath ?? "unmatched", method: request.method, status: response.status, seconds: seconds)
        return response
    }
}
