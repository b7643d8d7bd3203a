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
            Every event from the position where the log began authenticating must carry an authentication, and \
            no case may have lost its key without a recorded erasure. With the master key at hand (as every other \
            command finds it), each event's authentication is checked with the log's key, so that a chain rewritten \
            and recomputed without the key is found, and every case key must unwrap. Nothing is written. The head it \
            prints (POSITION:HASH) is worth keeping outside the database: 'verify --expect HEAD' later finds \
            events removed from the end, which no check inside the file can.
            """)

    @Flag(
        name: .long,
        help: "Require the master key, so that every authentication and every case key is checked with it (it is used whenever it is at hand).")
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
        // Read only: nothing is migrated, created or recorded, not even a master key file.
        let source: MasterKeySource? =
            keys || global.masterKeyAvailable ? global.masterKeyFile.map { .file($0) } ?? .automatic() : nil
        let check: DatabaseCheck
        do {
            check = try WorkflowDatabase.verifyFile(at: global.db, masterKey: source, expecting: expect.flatMap(LogAnchor.init))
        } catch let error as PrivacyError {
            throw fail(error.message)
        } catch let error as EventStoreError {
            throw fail(error.description)
        }
        let report = check.log
        if global.json {
            try printJSON(encoding: summary(report, check), compact: true)
        } else {
            print(report)
            if report.isIntact { printDetails(report) }
            printKeys(check)
        }
        if !check.isIntact { throw ExitCode(1) }
    }

    /// The log in PostgreSQL, checked as the SQLite file is (see
    /// ``PostgresCaseStore/verify(at:masterKey:expecting:checksTimes:)``): read only,
    /// through one connection that migrates nothing and creates no key.
    private func verifyPostgres() async throws {
        let source: MasterKeySource? =
            keys || global.masterKeyAvailable ? global.masterKeyFile.map { .file($0) } ?? .automatic() : nil
        let check: DatabaseCheck
        do {
            check = try await PostgresCaseStore.verify(
                at: PostgresLocation(url: global.db), masterKey: source, expecting: expect.flatMap(LogAnchor.init), checksTimes: true)
        } catch let error as PrivacyError {
            throw fail(error.message)
        } catch let error as EventStoreError {
            throw fail(error.message)
        }
        let report = check.log
        if global.json {
            try printJSON(encoding: summary(report, check), compact: true)
        } else {
            print(report)
            if report.isIntact { printDetails(report) }
            printKeys(check)
        }
        if !check.isIntact { throw ExitCode(1) }
    }

    private func summary(_ report: VerificationReport, _ check: DatabaseCheck?) -> VerificationSummary {
        var summary = VerificationSummary(report: report, intact: check?.isIntact)
        if let check {
            summary.addCaseKeys(
                checked: check.masterKeyUsed ? check.caseKeys.checked : 0, unreadable: check.caseKeys.unreadable,
                missing: check.caseKeys.missing)
        }
        return summary
    }

    private func printDetails(_ report: VerificationReport) {
        if let head = report.headAnchor {
            print("Head: \(head) — keep it outside the database; 'verify --expect \(head)' finds events removed since.")
        }
        guard report.eventsChecked > 0 else { return }
        let from = report.authenticationRequiredFrom ?? report.authenticatedFrom
        switch (from, report.authenticationChecked) {
        case (1?, true):
            print("Every event is authenticated with the log's key.")
        case (let from?, true) where from > report.eventsChecked:
            print(
                "No event is authenticated yet: they were written before the log authenticated its events; every event from position \(from) on will be.")
        case (let from?, true):
            print("Events from position \(from) on are authenticated with the log's key; those before were written before the log authenticated its events.")
        case (let from?, false):
            print(
                "Every event from position \(from) on must carry an authentication, and does; they were not checked with the log's key: no master key was found (give --master-key-file).")
        case (nil, _):
            print("No event is authenticated: the log was written without a master key, or before the log authenticated its events.")
        }
    }

    private func printKeys(_ check: DatabaseCheck) {
        let keys = check.caseKeys
        if check.masterKeyUsed {
            if keys.unreadable.isEmpty {
                print("All \(counted(keys.checked, "case key")) unwrap with the master key.")
            } else {
                print(
                    "\(counted(keys.unreadable.count, "case key")) of \(keys.checked) do not unwrap with the master key "
                        + "(damaged, or wrapped with another key): \(keys.unreadable.map { Identifier.printable($0.rawValue) }.joined(separator: ", ")).")
            }
        }
        if !keys.missing.isEmpty {
            print(
                "\(counted(keys.missing.count, "case")) hold encrypted values whose key is gone with no erasure recorded "
                    + "(deleted outside the engine): \(keys.missing.map { Identifier.printable($0.rawValue) }.joined(separator: ", ")).")
        }
    }
}
