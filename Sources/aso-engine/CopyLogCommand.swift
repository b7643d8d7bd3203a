import ArgumentParser
import Foundation
import WorkflowKit
import WorkflowPostgres

/// `aso-engine copy-log --from PATH --to URL`: the event log of a SQLite file, verbatim,
/// into an empty PostgreSQL log.
struct CopyLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-log",
        abstract: "Copy the event log of a SQLite file, verbatim, into an empty PostgreSQL log.",
        discussion: """
            Positions, versions, ids, payloads, metadata, times, hashes and authentications are copied as \
            they are, with the command ids and the consumers' checkpoints, so the copy verifies with the \
            same head and every consumer resumes where it was. The source must verify first. The engine's \
            other tables (projections, reminders, case keys, the directory) are not copied: the engine still \
            runs on the SQLite file (see docs/deployment.md).
            """)

    @Option(name: .long, help: ArgumentHelp("The SQLite file whose log is copied.", valueName: "path"))
    var from: String

    @Option(
        name: .long,
        help: ArgumentHelp("The PostgreSQL log to copy into, which must be empty (else ASO_DATABASE_URL).", valueName: "postgres-url"))
    var to: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        guard let target = to ?? ProcessInfo.processInfo.environment["ASO_DATABASE_URL"], !target.isEmpty else {
            throw fail("copy-log needs --to postgres://… (or ASO_DATABASE_URL).")
        }
        guard PostgresLocation.isURL(target) else {
            throw fail("--to takes a PostgreSQL URL (postgres://USER@HOST/DATABASE), not '\(PostgresLocation.redacted(target))'.")
        }
        guard FileManager.default.fileExists(atPath: from) else {
            throw fail("There is no event log at '\(from)'.")
        }
        do {
            // No upcasters: the stored bytes are what the hashes cover.
            let source = try SQLiteEventStore(path: from)
            let before = try await source.verify()
            guard before.isIntact else {
                throw fail("The log at '\(from)' does not verify, so it was not copied: \(before)")
            }
            let store = try await PostgresEventStore.open(url: target)
            let report: PostgresEventStore.CopyReport
            let after: VerificationReport
            do {
                report = try await store.copy(from: source)
                after = try await store.verify(expecting: before.headAnchor)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            guard after.isIntact else {
                throw fail("The copy at '\(store.location)' does not verify: \(after)")
            }
            if json {
                var object: [String: Any] = [
                    "events": report.events, "commands": report.commands, "checkpoints": report.checkpoints,
                    "to": store.location.description,
                ]
                if let head = report.head { object["head"] = head.description }
                try printJSON(object)
            } else {
                print(
                    "Copied \(report.events) events, \(report.commands) command ids and \(report.checkpoints) checkpoints from '\(from)' to '\(store.location)'."
                )
                if let head = report.head { print("Both logs verify with the head \(head).") }
                print("Not copied: projections, reminders, case keys and the directory; the engine still runs on '\(from)'.")
            }
        } catch let error as EventStoreError {
            throw fail(error.message)
        }
    }
}
