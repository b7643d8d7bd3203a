import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine access-log CASE`: what the client is entitled to know about the processing
/// of their data (Act 703/2023 §11): who read it, when and why, and to whom it was disclosed.
struct AccessLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-log",
        abstract: "Show who read a case's personal data, when and why, and to whom it was disclosed.",
        discussion: """
            Prints field ids, never values. Reads made under an override are marked with its reason and basis, \
            and the overrides granted on the case are listed. Reading the access log is not itself recorded.
            """)

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @OptionGroup var global: GlobalOptions

    static let noLegalBasis = "not recorded (the case opened before its process stated one)"

    /// An override as JSON.
    static func json(_ override: AccessOverride) -> [String: Any] {
        [
            "id": override.id, "who": override.actor, "case": override.caseID.rawValue, "reason": override.reason,
            "basis": override.basis, "from": SimulatedTime.iso(milliseconds: override.from),
            "until": SimulatedTime.iso(milliseconds: override.until),
        ]
    }

    func run() async throws {
        let database = try await global.openStore(changesData: false)
        _ = try await AccessGate.read(caseStream(caseID), for: "access-log", database: database, global: global)
        let log = try await refusingWithExit { try await database.accessLog(case: caseStream(caseID)) }
        if global.json {
            try printJSON(
                [
                    "case": log.caseID.rawValue,
                    "legalBasis": jsonOrNull(log.legalBasis),
                    "consent": log.consent.map { ["on": $0.on.description, "parties": $0.parties, "withdrawn": $0.parties.isEmpty] as [String: Any] },
                    "reads": log.reads.map { read -> [String: Any] in
                        [
                            "position": read.position, "when": SimulatedTime.iso(milliseconds: read.at),
                            "who": jsonOrNull(read.actor), "organisation": jsonOrNull(read.organisation),
                            "role": jsonOrNull(read.role), "purpose": read.purpose, "fields": read.fields,
                            "override": read.override.map { ["id": $0.id, "reason": $0.reason, "basis": $0.basis] as [String: Any] }
                                ?? NSNull(),
                        ]
                    },
                    "overrides": log.overrides.map(Self.json),
                    "disclosures": log.disclosures.map { disclosure -> [String: Any] in
                        [
                            "position": disclosure.position, "when": SimulatedTime.iso(milliseconds: disclosure.at),
                            "on": disclosure.on.description, "who": jsonOrNull(disclosure.actor), "party": disclosure.party,
                            "purpose": disclosure.purpose,
                        ]
                    },
                ] as [String: Any])
            return
        }
        print("Access log of case \(log.caseID)")
        print("legal basis  \(log.legalBasis ?? Self.noLegalBasis)")
        for change in log.consent {
            print(change.parties.isEmpty
                ? "consent      withdrawn on \(change.on): nothing more is disclosed"
                : "consent      given on \(change.on), naming \(change.parties.joined(separator: ", "))")
        }
        if log.consent.isEmpty { print("consent      none given: nothing may be disclosed") }
        print("")
        if log.reads.isEmpty {
            print("No recorded reads of personal data.")
        } else {
            print("Reads of personal data:")
            // Reads under an override carry its reason and basis; the column shows only when there are any.
            let underOverride = log.reads.contains { $0.override != nil }
            printTable(
                ["WHEN", "WHO", "PURPOSE", "FIELDS"] + (underOverride ? ["UNDER OVERRIDE"] : []),
                log.reads.map {
                    [
                        SimulatedTime.iso(milliseconds: $0.at), $0.actor ?? "-", $0.purpose,
                        $0.fields.isEmpty ? "-" : $0.fields.joined(separator: ", "),
                    ] + (underOverride ? [$0.override.map { "\($0.reason) (\($0.basis))" } ?? "-"] : [])
                })
        }
        if !log.overrides.isEmpty {
            print("")
            print("Overrides (read without consent under a statutory duty):")
            printTable(
                ["FROM", "UNTIL", "WHO", "BASIS", "REASON"],
                log.overrides.map {
                    [
                        SimulatedTime.iso(milliseconds: $0.from), SimulatedTime.iso(milliseconds: $0.until), $0.actor, $0.basis,
                        $0.reason,
                    ]
                })
        }
        print("")
        if log.disclosures.isEmpty {
            print("No disclosures.")
        } else {
            print("Disclosures:")
            printTable(
                ["WHEN", "ON", "WHO", "TO", "PURPOSE"],
                log.disclosures.map {
                    [SimulatedTime.iso(milliseconds: $0.at), $0.on.description, $0.actor ?? "-", $0.party, $0.purpose]
                })
        }
    }
}
