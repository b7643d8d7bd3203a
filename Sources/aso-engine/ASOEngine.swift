import ArgumentParser

/// The `aso-engine` command line: definitions, cases, the log and operations.
@main
struct ASOEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aso-engine",
        abstract: "An event-sourced workflow engine for multi-agency social-services processes.",
        subcommands: [
            VerifyCommand.self,
            CopyLogCommand.self,
            DemoCommand.self,
            AgendaCommand.self,
            ReportCommand.self,
            DaemonCommand.self,
            ValidateCommand.self,
            TestCommand.self,
            GraphCommand.self,
            EvalCommand.self,
            ResolveCommand.self,
            ProcessesCommand.self,
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
            EraseCommand.self,
            RetentionCommand.self,
            DocumentCommand.self,
            MigrateCommand.self,
            ExplainCommand.self,
            CasesCommand.self,
            TasksCommand.self,
            HistoryCommand.self,
            AccessLogCommand.self,
            PrincipalsCommand.self,
            TokenCommand.self,
            ServeCommand.self,
            OverrideCommand.self,
            AccessReviewCommand.self,
            RebuildCommand.self,
            RotateMasterKeyCommand.self,
            DiffCommand.self,
        ]
    )
}
