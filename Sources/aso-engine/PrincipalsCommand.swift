import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine principals add|remove|list|refusals`: the directory of who may do what.
struct PrincipalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "principals",
        abstract: "Manage the directory of principals: who acts for which organisation, in which roles.",
        discussion: """
            While the directory is empty, every actor may do everything. Once it names anyone, each command \
            checks the acting principal (--actor) against the access rules: a case is seen by its responsible \
            worker, by its lead organisation and by the organisations its consent in force names; tasks are \
            completed by holders of their role; migrate and erase need the 'coordinator' role, and so does \
            changing the directory. The first principal must hold 'coordinator'.
            """,
        subcommands: [Add.self, Remove.self, List.self, Refusals.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a principal, or replace their entry.")

        @Argument(help: ArgumentHelp("The principal's actor id.", valueName: "actor"))
        var principal: String

        @Option(name: .long, help: ArgumentHelp("The organisation (a party id of the process files).", valueName: "party"))
        var organisation: String

        @Option(name: .long, help: ArgumentHelp("A role held (repeatable).", valueName: "role"))
        var role: [String] = []

        @Option(name: .long, help: ArgumentHelp("Hold the roles only in this process (repeatable; default: every process).", valueName: "process"))
        var process: [String] = []

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let database = try await global.openStore(create: true)
            let directory = try await database.principals()
            let entry = Principal(
                actor: Identifier.normalized(principal), organisation: Identifier.normalized(organisation),
                roles: Set(role.map(Identifier.normalized)), processes: process.isEmpty ? nil : Set(process))
            if !directory.isEnforced && !entry.roles.contains(AccessPolicy.coordinatorRole) {
                throw fail("The first principal must hold the '\(AccessPolicy.coordinatorRole)' role, so that someone can manage the directory.")
            }
            try await requireCoordinator(directory, database)
            _ = try await refusingWithExit { try await database.addPrincipal(entry, by: global.acting) }
            print("Added \(Identifier.escaped(entry.actor)) of \(entry.organisation): \(entry.roles.sorted().joined(separator: ", ")).")
        }

        func requireCoordinator(_ directory: PrincipalDirectory, _ database: any CaseStore) async throws {
            try await PrincipalsCommand.requireCoordinator(directory, database, global)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a principal.")

        @Argument(help: ArgumentHelp("The principal's actor id.", valueName: "actor"))
        var principal: String

        @Option(name: .long, help: ArgumentHelp("Why (recorded).", valueName: "text"))
        var reason: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let database = try await global.openStore()
            try await PrincipalsCommand.requireCoordinator(try await database.principals(), database, global)
            _ = try await refusingWithExit {
                try await database.removePrincipal(Identifier.normalized(principal), reason: reason, by: global.acting)
            }
            print("Removed \(Identifier.escaped(principal)).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the principals.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let directory = try await global.openStore(changesData: false).principals()
            let principals = directory.principals.values.sorted { $0.actor < $1.actor }
            if global.json {
                try printJSON(principals.map {
                    ["actor": $0.actor, "organisation": $0.organisation, "roles": $0.roles.sorted(),
                     "processes": $0.processes.map { $0.sorted() as Any } ?? NSNull()] as [String: Any]
                })
                return
            }
            if principals.isEmpty { print("The directory is empty: access control is off.") }
            printTable(
                ["ACTOR", "ORGANISATION", "ROLES", "PROCESSES"],
                principals.map { [$0.actor, $0.organisation, $0.roles.sorted().joined(separator: ","), $0.processes?.sorted().joined(separator: ",") ?? "all"] })
        }
    }

    struct Refusals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List refused attempts (security events): who tried what, on which case, when.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let database = try await global.openStore(changesData: false)
            // Refusals name cases and people: a coordinator's to review.
            try await PrincipalsCommand.requireCoordinator(try await database.principals(), database, global)
            let refusals = try await database.refusals()
            printTable(
                ["WHEN", "ACTOR", "ACTION", "CASE", "WHY"],
                refusals.map { [SimulatedTime.iso(milliseconds: $0.at), $0.actor ?? "-", $0.refusal.action, $0.refusal.caseID, $0.refusal.code] })
        }
    }

    /// Ends the command unless the directory is empty or the actor holds `coordinator`;
    /// a refusal is recorded as a security event of `action`.
    static func requireCoordinator(
        _ directory: PrincipalDirectory, _ database: any CaseStore, _ global: GlobalOptions, action: String = "principals",
        doing what: String = "Changing the directory of principals, or reviewing refusals,"
    ) async throws {
        guard directory.isEnforced else { return }
        let actor = global.acting
        if directory.principal(actor.id)?.roles.contains(AccessPolicy.coordinatorRole) == true { return }
        try await database.recordRefusal(AccessRefused(action: action, caseID: "-", code: AccessDenied.Code.forbidden.description), by: actor)
        printError("\(what) needs the role '\(AccessPolicy.coordinatorRole)'; '\(actor.id)' does not hold it.")
        throw ExitCode(1)
    }
}
