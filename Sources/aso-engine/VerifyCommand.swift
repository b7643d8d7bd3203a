import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine verify`: walks the log and checks its hash chain.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the event log is intact: positions, versions and the hash chain.")

    @Flag(name: .long, help: "Also check that every case key unwraps with the master key (needs the key).")
    var keys = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: global.db) else {
            throw fail("There is no event log at '\(global.db)'.")
        }
        let store = try SQLiteEventStore(path: global.db)
        let report = try await store.verify()
        var keyCheck: (checked: Int, unreadable: [StreamID])?
        if keys { keyCheck = try await global.openDatabase().verifyCaseKeys() }
        let keysIntact = keyCheck?.unreadable.isEmpty ?? true
        if global.json {
            var object: [String: Any] = ["intact": report.isIntact && keysIntact, "eventsChecked": report.eventsChecked]
            if let position = report.firstBrokenPosition { object["firstBrokenPosition"] = position }
            if let problem = report.problem { object["problem"] = problem }
            if let keyCheck {
                object["caseKeysChecked"] = keyCheck.checked
                object["unreadableCaseKeys"] = keyCheck.unreadable.map(\.rawValue)
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report)
            if let keyCheck {
                if keyCheck.unreadable.isEmpty {
                    print("All \(counted(keyCheck.checked, "case key")) unwrap with the master key.")
                } else {
                    print(
                        "\(counted(keyCheck.unreadable.count, "case key")) of \(keyCheck.checked) do not unwrap with the master key "
                            + "(damaged, or wrapped with another key): \(keyCheck.unreadable.map(\.rawValue).joined(separator: ", ")).")
                }
            }
        }
        if !report.isIntact || !keysIntact { throw ExitCode(1) }
    }
}
