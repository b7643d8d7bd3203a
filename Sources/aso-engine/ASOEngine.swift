import ArgumentParser

/// The `aso-engine` command line: definitions, cases, the log and operations.
@main
struct ASOEngine: AsyncParsableCommand {
    /// This release's version, printed by `aso-engine --version`: the one place a release
    /// changes it, together with CHANGELOG.md's newest heading (a test checks they agree).
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "aso-engine",
        abstract: "An event-sourced workflow engine for multi-agency social-services processes.",
        discussion: """
            Shell completion: 'aso-engine --generate-completion-script bash' (or zsh, fish) prints a \
            completion script; docs/cli.md says where to put it.
            """,
        version: version,
        groupedSubcommands: [
            CommandGroup(
                name: "Casework",
                subcommands: [
                    OpenCommand.self,
                    ShowCommand.self,
                    RecordCommand.self,
                    CompleteCommand.self,
                    ClaimCommand.self,
                    UnclaimCommand.self,
                    FireCommand.self,
                    ConsentCommand.self,
                    DiscloseCommand.self,
                    HandoverCommand.self,
                    CloseCommand.self,
                    ReopenCommand.self,
                    MigrateCommand.self,
                    ExplainCommand.self,
                    CasesCommand.self,
                    TasksCommand.self,
                    HistoryCommand.self,
                    AgendaCommand.self,
                    ReportCommand.self,
                ]),
            CommandGroup(
                name: "Processes",
                subcommands: [
                    ValidateCommand.self,
                    TestCommand.self,
                    GraphCommand.self,
                    EvalCommand.self,
                    ResolveCommand.self,
                    ProcessesCommand.self,
                    DiffCommand.self,
                ]),
            CommandGroup(
                name: "People and access",
                subcommands: [
                    PrincipalsCommand.self,
                    TokenCommand.self,
                    OverrideCommand.self,
                    AccessReviewCommand.self,
                ]),
            CommandGroup(
                name: "Operations",
                subcommands: [
                    ServeCommand.self,
                    DaemonCommand.self,
                    VerifyCommand.self,
                    CopyLogCommand.self,
                    RebuildCommand.self,
                    RotateMasterKeyCommand.self,
                    DemoCommand.self,
                ]),
            CommandGroup(
                name: "Data protection",
                subcommands: [
                    AccessLogCommand.self,
                    DocumentCommand.self,
                    RetentionCommand.self,
                    EraseCommand.self,
                ]),
        ]
    )
}
