import ArgumentParser
import Foundation
import WorkflowKit
import WorkflowSQLite
import WorkflowPostgres

/// `aso-engine verify`: walks the log and checks its hash chain, its authentication and
/// its append-only triggers.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the event log is intact: positions, versions, the hash chain and its authentication.",
        discussion: """
            With the master key at hand (as every other command finds it), each event's authentication is checked \
            with the log's key, so that a chain rewritten and recomputed without the key is found. The head it \
            prints (POSITION:HASH) is worth keeping outside the database: 'verify --expect HEAD' later finds \
            events removed from the end, which no check inside the file can.
            """)

    @Flag(name: .long, help: "Also check that every case key unwraps with the master key, and that no case lost its key.")
    var keys = false

    @Option(
        name: .long,
        help: ArgumentHelp("A head printed by an earlier verify, which the log must still hold.", valueName: "position:hash"))
    var expect: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let expect, LogAnchor(expect) == nil {
            throw ValidationError(
                "--expect needs the head an earlier verify printed, POSITION:HASH with 64 hexadecimal digits, not \(Identifier.escaped(expect, limit: 80)).")
        }
    }

    func run() async throws {
        if PostgresLocation.isURL(global.db) {
            try await verifyPostgres()
            return
        }
        guard FileManager.default.fileExists(atPath: global.db) else {
            throw fail("There is no event log at '\(global.db)'.")
        }
        let anchor = expect.flatMap(LogAnchor.init)
        let report: VerificationReport
        var keyCheck: CaseKeyCheck?
        if keys || global.masterKeyAvailable {
            let database = try global.openDatabase(verifying: true, changesData: false)
            report = try await database.verify(expecting: anchor)
            if keys { keyCheck = try await database.verifyCaseKeys() }
        } else {
            var options = SQLiteEventStore.Options()
            options.refusesTamperedFile = false
            report = try await SQLiteEventStore(path: global.db, options: options).verify(expecting: anchor)
        }
        let keysIntact = keyCheck?.isIntact ?? true
        if global.json {
            try printJSON(json(report, keyCheck), compact: true)
        } else {
            print(report)
            if report.isIntact { printDetails(report) }
            if let keyCheck { printKeys(keyCheck) }
        }
        if !report.isIntact || !keysIntact { throw ExitCode(1) }
    }

    /// The log in PostgreSQL: positions, versions, the hash chain, the triggers and the
    /// head row (authentications are checked for presence: the chain key stays with the
    /// SQLite file's master key for now).
    private func verifyPostgres() async throws {
        if keys {
            throw fail("--keys checks the case keys, which are in the SQLite file: a PostgreSQL log holds none yet.")
        }
        var options = PostgresEventStore.Options()
        options.refusesTamperedLog = false
        let report: VerificationReport
        do {
            let store = try await PostgresEventStore.open(url: global.db, options: options)
            do {
                report = try await store.verify(expecting: expect.flatMap(LogAnchor.init))
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        } catch let error as EventStoreError {
            throw fail(error.message)
        }
        if global.json {
            try printJSON(json(report, nil), compact: true)
        } else {
            print(report)
            if report.isIntact { printDetails(report) }
        }
        if !report.isIntact { throw ExitCode(1) }
    }

    private func json(_ report: VerificationReport, _ keyCheck: CaseKeyCheck?) -> [String: Any] {
        var object: [String: Any] = [
            "intact": report.isIntact && (keyCheck?.isIntact ?? true), "eventsChecked": report.eventsChecked,
            "authenticationChecked": report.authenticationChecked,
        ]
        if let position = report.firstBrokenPosition { object["firstBrokenPosition"] = position }
        if let problem = report.problem { object["problem"] = problem }
        if let head = report.headAnchor { object["head"] = head.description }
        if let from = report.authenticatedFrom { object["authenticatedFrom"] = from }
        if let keyCheck {
            object["caseKeysChecked"] = keyCheck.checked
            object["unreadableCaseKeys"] = keyCheck.unreadable.map(\.rawValue)
            object["missingCaseKeys"] = keyCheck.missing.map(\.rawValue)
        }
        return object
    }

    private func printDetails(_ report: VerificationReport) {
        if let head = report.headAnchor {
            print("Head: \(head) — keep it outside the database; 'verify --expect \(head)' finds events removed since.")
        }
        guard report.eventsChecked > 0 else { return }
        switch (report.authenticatedFrom, report.authenticationChecked) {
        case (1?, true):
            print("Every event is authenticated with the log's key.")
        case (let from?, true):
            print("Events from position \(from) on are authenticated with the log's key; those before were written before the log authenticated its events.")
        case (_?, false):
            print("The events carry authentications, but they were not checked: no master key was found (give --master-key-file).")
        case (nil, _):
            print("No event is authenticated: the log was written without a master key, or before the log authenticated its events.")
        }
    }

    private func printKeys(_ keyCheck: CaseKeyCheck) {
        if keyCheck.unreadable.isEmpty {
            print("All \(counted(keyCheck.checked, "case key")) unwrap with the master key.")
        } else {
            print(
                "\(counted(keyCheck.unreadable.count, "case key")) of \(keyCheck.checked) do not unwrap with the master key "
                    + "(damaged, or wrapped with another key): \(keyCheck.unreadable.map { Identifier.printable($0.rawValue) }.joined(separator: ", ")).")
        }
        if !keyCheck.missing.isEmpty {
            print(
                "\(counted(keyCheck.missing.count, "case")) hold encrypted values whose key is gone with no erasure recorded "
                    + "(deleted outside the engine): \(keyCheck.missing.map { Identifier.printable($0.rawValue) }.joined(separator: ", ")).")
        }
    }
}
