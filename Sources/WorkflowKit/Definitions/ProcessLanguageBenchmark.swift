/// Inputs for measuring the process language (not used by the engine).
public enum ProcessLanguageBenchmark {
    /// The YAML text of a valid process with `states` states in a chain (the
    /// last one final) and `tasks` tasks spread evenly over the others, each
    /// with a window, reminders and an escalation, plus a guard per transition.
    ///
    /// Load it with ``ProcessLoader/load(sources:)`` to time loading and validation.
    public static func generateLargeDefinition(states: Int, tasks: Int) -> String {
        let stateCount = max(states, 2)
        var lines = [
            "process: large",
            "title: A large generated process",
            "calendar: fi",
            "fields:",
            "  releaseDate: { type: date, required: true, personal: true }",
            "  urgent: { type: bool }",
            "parties: { prison: Prison, kela: Kela }",
            "roles: { worker: Worker, chair: Chair }",
            "events:",
            "  next: Next step",
            "  skip: Skip a step",
            "states:",
        ]
        let working = stateCount - 1
        for index in 0..<stateCount {
            lines.append("  s\(index):")
            lines.append("    title: State \(index)")
            if index == 0 { lines.append("    initial: true") }
            if index == stateCount - 1 {
                lines.append("    final: true")
                continue
            }
            let first = index * tasks / working
            let end = (index + 1) * tasks / working
            if end > first { lines.append("    tasks:") }
            for task in first..<end {
                lines.append("      t\(task):")
                lines.append("        title: Task \(task)")
                lines.append("        role: worker")
                lines.append("        earliest: releaseDate - \(2 + task % 5) months")
                lines.append("        due: releaseDate - \(task % 30) working days")
                lines.append("        remind: [at window start, 5 working days before due, on due]")
                lines.append("        escalate: { to: chair, after: 0 working days, every: 2 working days }")
                lines.append("        involves: [prison]")
            }
            lines.append("    on:")
            lines.append("      next: { to: s\(index + 1), guard: \"consent.given and not urgent\" }")
            lines.append("      skip: { to: s\(min(index + 2, stateCount - 1)), guard: \"openedOn > releaseDate - 2 months\" }")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
