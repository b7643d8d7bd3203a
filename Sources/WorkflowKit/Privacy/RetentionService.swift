public import Foundation
public import Logging
public import ServiceLifecycle

/// The daily retention sweep as a service for an application's `ServiceGroup`: a sweep
/// at start, then one shortly after each midnight in Helsinki, until the group shuts
/// down. A failed sweep is logged and tried again the next day; nothing else stops.
public struct RetentionService: Service {
    public let sweep: RetentionSweep
    /// Who the sweep's erasures are recorded as.
    public let actor: Acting
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - sweep: The sweep, with its engine and the processes' current rules.
    ///   - actor: Recorded with each erasure, e.g. the daemon's name in the role `retention`.
    ///   - now: The time the next sweep is counted from (inject a simulated clock in tests).
    ///   - logger: Receives a line per erased case, a summary per sweep, and failures.
    public init(sweep: RetentionSweep, actor: Acting, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.sweep = sweep
        self.actor = actor
        self.now = now
        self.logger = logger
    }

    /// One sweep: erases what is due and logs what it did.
    public func sweepOnce() async throws {
        let decisions = try await sweep.run(by: actor)
        let erased = decisions.filter { $0.outcome == .erased }
        for decision in erased {
            logger.info(
                "retention period ended: personal data erased",
                metadata: ["case.id": "\(decision.caseID)", "process": "\(decision.process)", "class": "\(decision.rule?.retentionClass ?? "-")"])
        }
        logger.info("retention sweep: \(erased.count) erased, \(decisions.filter { $0.outcome == .kept }.count) kept")
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await sweepOnce()
            } catch {
                logger.error("retention sweep failed; it runs again tomorrow", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(Self.secondsUntilNextSweep(now: now()))) }
        }
    }

    /// Seconds from `now` to five past the next midnight in Helsinki (at least a minute).
    public static func secondsUntilNextSweep(now: Date) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Helsinki") ?? TimeZone(secondsFromGMT: 2 * 3600)!
        let startOfToday = calendar.startOfDay(for: now)
        let next = calendar.date(byAdding: DateComponents(day: 1, minute: 5), to: startOfToday) ?? now.addingTimeInterval(86_400)
        return max(60, next.timeIntervalSince(now))
    }
}
