import ArgumentParser
import Foundation
import WorkflowKit

/// Runs one command on a case and prints what it did; a refusal exits 1.
func execute(_ command: CaseCommand, on caseID: String, global: GlobalOptions) async throws {
    let (engine, database) = try await global.openCaseEngine()
    let id = caseStream(caseID)
    let gate = try await AccessGate(database: database, global: global)
    if gate.policy.directory.isEnforced {
        let (state, _) = try await refusingWithExit { try await engine.load(id) }
        try await gate.authorize(command, on: state)
    }
    let outcome = try await refusingWithExit {
        try await engine.execute(command, on: id, by: gate.actor)
    }
    try report(outcome, json: global.json)
}

/// `aso-engine record CASE --set name=value`: records or corrects field values.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record or correct a case's field values; tasks whose dates depend on them are rescheduled.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A field value, e.g. releaseDate=2027-01-15 (repeatable).", valueName: "field=value"))
    var values: [String] = []

    @OptionGroup var valueFile: ValueFileOption

    @Option(name: .long, help: ArgumentHelp("A field whose value is removed (repeatable).", valueName: "field"))
    var clear: [String] = []

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if values.isEmpty && clear.isEmpty && valueFile.path == nil {
            throw ValidationError("Give at least one --set field=value, --values-from PATH or --clear field.")
        }
    }

    func run() async throws {
        let values = try parseAssignments(values + valueFile.assignments())
        try await execute(.record(values: values, cleared: clear), on: caseID, global: global)
    }
}

/// `aso-engine complete CASE TASK`: marks an open task done.
struct CompleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete", abstract: "Mark an open task done, with the outcomes it records.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Argument(help: ArgumentHelp("The task id.", valueName: "task"))
    var task: String

    @Option(name: .customLong("set"), help: ArgumentHelp("An outcome, e.g. housingForm=supported (repeatable).", valueName: "outcome=value"))
    var values: [String] = []

    @OptionGroup var valueFile: ValueFileOption

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let outcomes = try parseAssignments(values + valueFile.assignments())
        try await execute(.complete(task: task, outcomes: outcomes), on: caseID, global: global)
    }
}

/// `aso-engine fire CASE EVENT`: says that a named event happened.
struct FireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fire", abstract: "Say that a named event of the process happened, e.g. meeting-held.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Argument(help: ArgumentHelp("The event id.", valueName: "event"))
    var event: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.fire(event: event), on: caseID, global: global)
    }
}

/// `aso-engine claim CASE TASK`: takes an open task of a role on, as the acting worker.
struct ClaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claim an open task of a role, so that the role's other holders see who took it on.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Argument(help: ArgumentHelp("The task id.", valueName: "task"))
    var task: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.claim(task: task), on: caseID, global: global)
    }
}

/// `aso-engine unclaim CASE TASK`: gives a claimed task back to its role.
struct UnclaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unclaim", abstract: "Give a task one claimed back to its role; only its claimer may.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Argument(help: ArgumentHelp("The task id.", valueName: "task"))
    var task: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.unclaim(task: task), on: caseID, global: global)
    }
}

/// `aso-engine consent CASE --parties a,b` or `--withdraw`.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Record the client's written consent naming the parties, or its withdrawal.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("The parties the consent names, comma-separated.", valueName: "a,b"))
    var parties: String?

    @Flag(name: .long, help: "The client withdrew consent.")
    var withdraw = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if (parties == nil) == !withdraw { throw ValidationError("Give either --parties a,b or --withdraw.") }
    }

    func run() async throws {
        if withdraw {
            try await execute(.withdrawConsent, on: caseID, global: global)
        } else {
            let list = (parties ?? "").split(separator: ",").map { Identifier.normalized($0.trimmingCharacters(in: .whitespaces)) }
                .filter { !$0.isEmpty }
            try await execute(.giveConsent(parties: list), on: caseID, global: global)
        }
    }
}

/// `aso-engine disclose CASE PARTY --purpose TEXT`: records a disclosure the consent allows.
struct DiscloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclose",
        abstract: "Record that case information is disclosed to a party; refused unless the consent names it.",
        aliases: ["share"])

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Argument(help: ArgumentHelp("The party, e.g. adult-social-work.", valueName: "party"))
    var party: String

    @Option(name: .long, help: ArgumentHelp("Why, e.g. 'advance information for the network meeting'.", valueName: "text"))
    var purpose: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.disclose(party: Identifier.normalized(party), purpose: purpose), on: caseID, global: global)
    }
}

/// `aso-engine handover CASE --to WORKER`: passes responsibility on.
struct HandoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handover", abstract: "Pass responsibility for a case to another worker, in one step.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("The worker who takes over.", valueName: "worker"))
    var to: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.handOver(to: Identifier.normalized(to)), on: caseID, global: global)
    }
}

/// `aso-engine close CASE --reason TEXT`.
struct CloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Close a case; its open tasks are cancelled.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("Why the case closes.", valueName: "text"))
    var reason: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.close(reason: reason), on: caseID, global: global)
    }
}

/// `aso-engine reopen CASE --reason TEXT`.
struct ReopenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Reopen a closed case (e.g. the client came back after contact was lost); its history stays.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("Why the case reopens (no personal data).", valueName: "text"))
    var reason: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await execute(.reopen(reason: reason), on: caseID, global: global)
    }
}
