import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine resolve PROCESS`: the fully resolved definition, after `extends`.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Print a process fully resolved (after extends): as a process file, or JSON with --json.",
        aliases: ["show-definition"])

    @Argument(help: ArgumentHelp("A process id, or a process file.", valueName: "process"))
    var process: String

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let definition = try ProcessArgument.definition(process, options: processOptions, inspecting: true)
        if global.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(definition), as: UTF8.self))
        } else {
            print("# version \(definition.contentHash)")
            print(definition.resolvedYAML, terminator: "")
        }
    }
}
