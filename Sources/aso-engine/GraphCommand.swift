import Foundation
import ArgumentParser
import Processes
import WorkflowKit

/// `aso-engine graph PROCESS`: a diagram of states, transitions and tasks.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a diagram of a process (states, transitions, tasks) to paste into a page.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case mermaid, dot
    }

    @Argument(help: ArgumentHelp("A process id, or a process file.", valueName: "process"))
    var process: String

    @Option(name: .long, help: "mermaid (default) or dot.")
    var format: Format = .mermaid

    @OptionGroup var processOptions: ProcessOptions

    func run() throws {
        let definition = try ProcessArgument.definition(process, options: processOptions, inspecting: true)
        print(format == .mermaid ? ProcessDiagram.mermaid(definition) : ProcessDiagram.dot(definition), terminator: "")
    }
}

/// Resolves a PROCESS argument: a file path, or an id in the catalog.
enum ProcessArgument {
    /// The definition `argument` names. With `inspecting`, a process whose only
    /// errors are failing examples is returned too, after its errors and a
    /// warning on standard error: the inspection tools help to write the examples
    /// that make it valid. Without it (`open`, `migrate`) such a process is refused.
    static func definition(_ argument: String, options: ProcessOptions, inspecting: Bool = false) throws -> ProcessDefinition {
        if argument.hasSuffix(".yaml") || argument.hasSuffix(".yml") {
            let library = fileLoader().load(paths: [argument])
            for diagnostic in library.diagnostics where diagnostic.severity == .error { printError(diagnostic.description) }
            if let loaded = library.processes.first(where: { $0.file == argument }) ?? library.processes.first {
                return loaded.definition
            }
            let failing = library.processesFailingOnlyExamples
            if inspecting, let loaded = failing.first(where: { $0.file == argument }) ?? failing.first {
                warnExamplesFail(loaded.definition.id)
                return loaded.definition
            }
            printError("The file '\(argument)' has errors; fix them first (see above).")
            throw ExitCode(1)
        }
        let catalog = ProcessCatalog(directory: options.processes)
        if let definition = catalog.definition(id: argument) { return definition }
        if inspecting, let loaded = catalog.library.inspectableProcess(id: argument)?.process {
            for diagnostic in catalog.library.diagnostics where diagnostic.severity == .error && diagnostic.file == loaded.file {
                printError(diagnostic.description)
            }
            warnExamplesFail(argument)
            return loaded.definition
        }
        for diagnostic in catalog.library.diagnostics where diagnostic.severity == .error { printError(diagnostic.description) }
        let known = catalog.processes.map(\.definition.id)
        printError("There is no valid process '\(argument)' in \(options.source)\(known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))").")
        throw ExitCode(1)
    }

    /// The warning printed when a process is shown although its examples fail.
    static func warnExamplesFail(_ id: String) {
        printError("warning: The process '\(id)' is shown although some of its examples fail (see above); no case can be opened or migrated with it until they pass.")
    }
}

/// Draws process definitions as Mermaid state diagrams or Graphviz dot.
enum ProcessDiagram {
    static func node(_ id: String) -> String { id.replacingOccurrences(of: "-", with: "_") }
    static func quoted(_ text: String) -> String { text.replacingOccurrences(of: "\"", with: "'") }

    static func taskLine(_ task: TaskDefinition) -> String {
        var line = "\(task.id) (\(task.role)"
        if let due = task.due { line += ", due \(due.text)" }
        if task.repeatRule != nil { line += ", repeats" }
        return line + ")"
    }

    /// The lines for a state's tasks. Tasks that differ only in the one party they
    /// involve (one invitation per party: same id prefix, role, due date and
    /// repetition) are drawn as one line when there are three or more of them.
    static func taskLines(_ state: StateDefinition) -> [String] {
        func key(_ task: TaskDefinition) -> String? {
            guard task.involves.count == 1, let dash = task.id.firstIndex(of: "-") else { return nil }
            return [String(task.id[..<dash]), task.role, task.due?.text ?? "", task.repeatRule == nil ? "" : "repeats"]
                .joined(separator: "\u{1F}")
        }
        var groups: [String: [TaskDefinition]] = [:]
        for task in state.tasks { if let key = key(task) { groups[key, default: []].append(task) } }
        var lines: [String] = []
        var drawn: Set<String> = []
        for task in state.tasks {
            guard let key = key(task), let group = groups[key], group.count >= 3 else {
                lines.append(taskLine(task))
                continue
            }
            guard drawn.insert(key).inserted, let dash = task.id.firstIndex(of: "-") else { continue }
            var line = "\(task.id[..<dash])-PARTY (\(task.role)"
            if let due = task.due { line += ", due \(due.text)" }
            if task.repeatRule != nil { line += ", repeats" }
            lines.append(line + "), one for each of \(group.count) parties; only those the consent names are open")
        }
        return lines
    }

    static func mermaid(_ definition: ProcessDefinition) -> String {
        var lines = ["---", "title: \(quoted(definition.title))", "---", "stateDiagram-v2"]
        for state in definition.states {
            lines.append("    state \"\(quoted(state.title))\" as \(node(state.id))")
            for line in taskLines(state) { lines.append("    \(node(state.id)) : \(quoted(line).replacingOccurrences(of: ":", with: "·"))") }
        }
        if let initial = definition.initialState { lines.append("    [*] --> \(node(initial.id))") }
        if let fast = definition.fastTrack {
            lines.append("    [*] --> \(node(fast.state)) : fast track when \(quoted(fast.when.text))")
        }
        for state in definition.states {
            for transition in state.transitions {
                var label = transition.event
                if let guardExpression = transition.guardExpression { label += " [\(guardExpression.text)]" }
                lines.append("    \(node(state.id)) --> \(node(transition.to)) : \(quoted(label).replacingOccurrences(of: ":", with: "·"))")
            }
            if state.final { lines.append("    \(node(state.id)) --> [*]") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func dot(_ definition: ProcessDefinition) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        var lines = ["digraph \"\(escape(definition.id))\" {", "  label=\"\(escape(definition.title))\";", "  rankdir=TB;", "  node [shape=box, style=rounded];"]
        lines.append("  \"__start\" [shape=point];")
        for state in definition.states {
            let tasks = taskLines(state).map { "\\l• " + escape($0) }.joined()
            let shape = state.final ? ", peripheries=2" : ""
            lines.append("  \"\(escape(state.id))\" [label=\"\(escape(state.title))\(tasks)\(tasks.isEmpty ? "" : "\\l")\"\(shape)];")
        }
        if let initial = definition.initialState { lines.append("  \"__start\" -> \"\(escape(initial.id))\";") }
        if let fast = definition.fastTrack {
            lines.append("  \"__start\" -> \"\(escape(fast.state))\" [style=dashed, label=\"fast track when \(escape(fast.when.text))\"];")
        }
        for state in definition.states {
            for transition in state.transitions {
                var label = transition.event
                if let guardExpression = transition.guardExpression { label += " [\(guardExpression.text)]" }
                lines.append("  \"\(escape(state.id))\" -> \"\(escape(transition.to))\" [label=\"\(escape(label))\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
