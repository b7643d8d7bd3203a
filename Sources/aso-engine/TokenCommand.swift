import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine token create|list|revoke`: API tokens for the HTTP API (`aso-engine serve`).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage API tokens: how host systems and people sign in to 'aso-engine serve'.",
        discussion: """
            A token signs in as one actor of the directory of principals; the actor's organisation and roles \
            are read from the directory at each request, so removing the principal stops the token too. The \
            token is printed once, when it is made: the log keeps only its SHA-256 hash. Tokens expire (90 days \
            unless --days says otherwise, at most 730) and can be revoked. Once the directory names anyone, \
            only a holder of 'coordinator' manages tokens.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token for an actor and print it once.")

        @Option(name: .customLong("for"), help: ArgumentHelp("The actor the token signs in as.", valueName: "actor"))
        var principal: String

        @Option(name: .long, help: ArgumentHelp("How many days the token is valid (1–730).", valueName: "days"))
        var days: Int = 90

        @Option(name: .long, help: ArgumentHelp("What the token is for, e.g. \"prison case system\".", valueName: "text"))
        var label: String = ""

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            guard (1...730).contains(days) else { throw fail("--days must be from 1 to 730; \(days) was given.") }
            let database = try await global.openStore(create: true)
            let directory = try await database.principals()
            try await TokenCommand.requireCoordinator(directory, database, global)
            let actor = Identifier.normalized(principal)
            if directory.isEnforced && directory.principal(actor) == nil {
                throw fail("'\(actor)' is not in the directory of principals: add them first ('aso-engine principals add').")
            }
            let issued = try await refusingWithExit {
                try await database.issueToken(
                    actor: actor, label: label, validFor: Int64(days) * 86_400, now: try global.nowMilliseconds(), by: global.acting)
            }
            if global.json {
                try printJSON([
                    "id": issued.token.id, "actor": issued.token.actor, "token": issued.text,
                    "expiresAt": SimulatedTime.iso(milliseconds: issued.token.expiresAt),
                ] as [String: Any])
                return
            }
            print(issued.text)
            printError(
                "Token \(issued.token.id) for \(actor), valid until \(SimulatedTime.iso(milliseconds: issued.token.expiresAt)). "
                    + "It is shown only now: keep it where the host system keeps its secrets.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their text).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let database = try await global.openStore(changesData: false)
            try await TokenCommand.requireCoordinator(try await database.principals(), database, global)
            let now = try global.nowMilliseconds()
            let tokens = try await database.apiTokens().tokens.values.sorted { ($0.issuedAt, $0.id) < ($1.issuedAt, $1.id) }
            func status(_ token: APIToken) -> String {
                token.revokedAt != nil ? "revoked" : token.isValid(at: now) ? "valid" : "expired"
            }
            if global.json {
                try printJSON(tokens.map {
                    ["id": $0.id, "actor": $0.actor, "label": $0.label, "issuedAt": SimulatedTime.iso(milliseconds: $0.issuedAt),
                     "expiresAt": SimulatedTime.iso(milliseconds: $0.expiresAt), "status": status($0)] as [String: Any]
                })
                return
            }
            if tokens.isEmpty { print("No tokens.") }
            printTable(
                ["ID", "ACTOR", "STATUS", "EXPIRES", "LABEL"],
                tokens.map { [$0.id, $0.actor, status($0), SimulatedTime.iso(milliseconds: $0.expiresAt), $0.label] })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: it signs in no more.")

        @Argument(help: ArgumentHelp("The token's id (the 12 hex digits after 'aso_').", valueName: "id"))
        var id: String

        @Option(name: .long, help: ArgumentHelp("Why (recorded).", valueName: "text"))
        var reason: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let database = try await global.openStore()
            try await TokenCommand.requireCoordinator(try await database.principals(), database, global)
            try await refusingWithExit { try await database.revokeToken(id, reason: reason, by: global.acting) }
            print("Revoked token \(Identifier.escaped(id)).")
        }
    }

    /// Ends the command unless the directory is empty or the actor holds `coordinator`.
    static func requireCoordinator(_ directory: PrincipalDirectory, _ database: any CaseStore, _ global: GlobalOptions) async throws {
        try await PrincipalsCommand.requireCoordinator(directory, database, global, action: "token", doing: "Managing API tokens")
    }
}
