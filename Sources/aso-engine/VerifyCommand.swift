import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine verify`: walks the log and checks its hash chain.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the event log is intact: positions, versions and the hash chain.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: global.db) else {
            throw fail("There is no event log at '\(global.db)'.")
        }
        let store = try SQLiteEventStore(path: global.db)
        let report = try await store.verify()
        if global.json {
            var object: [String: Any] = ["intact": report.isIntact, "eventsChecked": report.eventsChecked]
            if let position = report.firstBrokenPosition { object["firstBrokenPosition"] = position }
            if let problem = report.problem { object["problem"] = problem }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report)
        }
        if !report.isIntact { throw ExitCode(1) }
    }
}
