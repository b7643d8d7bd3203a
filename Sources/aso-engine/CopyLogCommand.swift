import ArgumentParser
import Foundation
import WorkflowKit
import WorkflowSQLite
import WorkflowPostgres

/// `aso-engine copy-log --from PATH --to URL`: the event log of a SQLite file, verbatim,
/// into an empty PostgreSQL log, with what the engine keeps beside it.
struct CopyLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-log",
        abstract: "Copy the event log of a SQLite file, verbatim, into an empty PostgreSQL log.",
        discussion: """
            Positions, versions, ids, payloads, metadata, times, hashes and authentications are copied as \
            they are, with the command ids and the consumers' checkpoints, so the copy verifies with the \
            same head and every consumer resumes where it was. The source must verify first. From a file \
            the engine wrote, the definitions, the case keys and the log's chain key are copied too, still \
            wrapped with the master key (which the copy needs: --master-key-file, ASO_MASTER_KEY_FILE, \
            ASO_MASTER_KEY or the key file beside the source), and the projections and the reminder schedule \
            are rebuilt there: the engine and the daemon can then run on the copy (see docs/deployment.md).
            """)

    @Option(name: .long, help: ArgumentHelp("The SQLite file whose log is copied.", valueName: "path"))
    var from: String

    @Option(
        name: .long,
        help: ArgumentHelp("The PostgreSQL log to copy into, which must be empty (else ASO_DATABASE_URL).", valueName: "postgres-url"))
    var to: String?

    @Option(
        name: .customLong("master-key-file"),
        help: ArgumentHelp("The master key the source's case keys are wrapped with (else as for every command).", valueName: "path"))
    var masterKeyFile: String?

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
            let location = try PostgresLocation(url: target)
            if try await source.holdsTable("case_keys") {
                try await copyEverything(to: location)
            } else {
                try await copyLog(source, before: before, to: location)
            }
        } catch let error as EventStoreError {
            throw fail(error.message)
        } catch let error as PrivacyError {
            throw fail(error.message)
        }
    }

    /// A file the engine wrote: the log, the definitions and keys; the projections rebuilt.
    private func copyEverything(to location: PostgresLocation) async throws {
        let database = try WorkflowDatabase(path: from, masterKey: masterKeyFile.map { .file($0) } ?? .automatic())
        let report = try await PostgresCaseStore.copy(from: database, to: location)
        let log = report.log
        if json {
            var object: [String: Any] = [
                "events": log.events, "commands": log.commands, "checkpoints": log.checkpoints, "definitions": report.definitions,
                "caseKeys": report.caseKeys, "projected": report.projected, "to": location.description,
            ]
            if let head = log.head { object["head"] = head.description }
            try printJSON(object)
        } else {
            print(
                "Copied \(log.events) events, \(log.commands) command ids, \(log.checkpoints) checkpoints, \(report.definitions) definitions and \(report.caseKeys) case keys from '\(from)' to '\(location)'."
            )
            if let head = log.head { print("Both logs verify with the head \(head); every event's authentication checks.") }
            print("The projections and the reminder schedule were rebuilt from \(report.projected) events.")
        }
    }

    /// A bare event log (no engine tables): the log alone.
    private func copyLog(_ source: SQLiteEventStore, before: VerificationReport, to location: PostgresLocation) async throws {
        let store = try await PostgresEventStore.open(at: location)
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
        }
    }
}
