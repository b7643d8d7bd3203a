import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine access-review [--since DATE]`: the overrides, what was read under them, and
/// the refused attempts, for the data-protection officer to review.
struct AccessReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-review",
        abstract: "List the overrides (who, which case, why, under which duty, when, what was read) and the refused attempts, for review.",
        discussion: """
            For holders of '\(AccessPolicy.coordinatorRole)' or '\(AccessPolicy.dataProtectionRole)'. The review is \
            itself recorded (who looked, when), and the earlier reviews are listed with it. With --since, the overrides \
            in force at any time since then and the refusals since then.
            """)

    @Option(name: .long, help: ArgumentHelp("Review from this date or date-time on (default: the whole log).", valueName: "date"))
    var since: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let since, Self.start(since) == nil {
            throw ValidationError("--since must be an ISO-8601 date or date-time, e.g. 2026-06-01 or 2026-06-01T09:30, not '\(since)'.")
        }
    }

    /// A date means the start of that day in Helsinki; a date-time is read as `--now` is.
    static func start(_ text: String) -> Int64? {
        let date = LocalDate(text).flatMap { SimulatedTime.components($0, hour: 0, minute: 0, second: 0, zone: helsinki) }
        return (date ?? SimulatedTime.parse(text)).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    func run() async throws {
        let database = try await global.openStore(changesData: false)
        let gate = try await AccessGate(database: database, global: global)
        try await gate.refusing("access-review", StreamID("-")) { try gate.policy.authorizeReview(by: gate.actor.id) }
        let since = since.flatMap(Self.start)
        // The review is recorded before anything is shown.
        try await database.recordReview(since: since, by: gate.actor)
        let review = try await database.accessReview(since: since)
        if global.json {
            try printJSON(Self.json(review))
            return
        }
        print(since.map { "Access review since \(SimulatedTime.iso(milliseconds: $0))" } ?? "Access review of the whole log")
        print("")
        if review.overrides.isEmpty {
            print("No overrides.")
        } else {
            print("Overrides (read without consent under a statutory duty):")
            printTable(
                ["ID", "FROM", "UNTIL", "WHO", "CASE", "BASIS", "REASON", "READS"],
                review.overrides.map {
                    [
                        String($0.override.id), SimulatedTime.iso(milliseconds: $0.override.from),
                        SimulatedTime.iso(milliseconds: $0.override.until), $0.override.actor, $0.override.caseID.rawValue,
                        $0.override.basis, $0.override.reason, String($0.reads.count),
                    ]
                })
            let reads = review.overrides.flatMap { entry in entry.reads.map { (entry.override, $0) } }
            if !reads.isEmpty {
                print("")
                print("Reads under overrides:")
                printTable(
                    ["OVERRIDE", "WHEN", "WHO", "CASE", "PURPOSE", "FIELDS"],
                    reads.map { override, read in
                        [
                            String(override.id), SimulatedTime.iso(milliseconds: read.at), read.actor ?? "-", override.caseID.rawValue,
                            read.purpose, read.fields.isEmpty ? "-" : read.fields.joined(separator: ", "),
                        ]
                    })
            }
        }
        print("")
        if review.refusals.isEmpty {
            print("No refused attempts.")
        } else {
            print("Refused attempts:")
            printTable(
                ["WHEN", "ACTOR", "ACTION", "CASE", "WHY"],
                review.refusals.map {
                    [SimulatedTime.iso(milliseconds: $0.at), $0.actor ?? "-", $0.refusal.action, $0.refusal.caseID, $0.refusal.code]
                })
        }
        print("")
        print("Reviews:")
        printTable(
            ["WHEN", "WHO", "SINCE"],
            review.reviews.map {
                [SimulatedTime.iso(milliseconds: $0.at), $0.actor ?? "-", $0.since.map { SimulatedTime.iso(milliseconds: $0) } ?? "-"]
            })
    }

    static func json(_ review: AccessReview) -> [String: Any] {
        [
            "since": review.since.map { SimulatedTime.iso(milliseconds: $0) as Any } ?? NSNull(),
            "overrides": review.overrides.map { entry -> [String: Any] in
                var object = AccessLogCommand.json(entry.override)
                object["reads"] = entry.reads.map { read -> [String: Any] in
                    [
                        "position": read.position, "when": SimulatedTime.iso(milliseconds: read.at), "who": jsonOrNull(read.actor),
                        "purpose": read.purpose, "fields": read.fields,
                    ]
                }
                return object
            },
            "refusals": review.refusals.map {
                [
                    "when": SimulatedTime.iso(milliseconds: $0.at), "who": jsonOrNull($0.actor), "action": $0.refusal.action,
                    "case": $0.refusal.caseID, "why": $0.refusal.code,
                ] as [String: Any]
            },
            "reviews": review.reviews.map {
                [
                    "when": SimulatedTime.iso(milliseconds: $0.at), "who": jsonOrNull($0.actor),
                    "since": $0.since.map { SimulatedTime.iso(milliseconds: $0) as Any } ?? NSNull(),
                ] as [String: Any]
            },
        ]
    }
}
