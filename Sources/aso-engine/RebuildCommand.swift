import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine rebuild`: drops the projections and replays the log into them.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild", abstract: "Drop the cases and tasks projections and rebuild them from the event log.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let database = try await global.openStore(changesData: false)
        let count = try await database.rebuildProjections()
        if global.json {
            try printJSON(["eventsReplayed": count])
        } else {
            print("Rebuilt the projections from \(counted(count, "event")).")
        }
    }
}
