extension ProcessReader {
    mutating func readStates(_ node: SourceNode?) -> [StateDefinition] {
        guard let node else { return [] }
        guard let pairs = mapping(node, "states", what: "'states'") else { return [] }
        var result: [StateDefinition] = []
        var reopenTargets: [(target: String, node: SourceNode)] = []
        for (key, value) in pairs {
            let path = "states.\(key.name)"
            checkID(key, kind: "state")
            var state = StateDefinition(id: key.name, title: key.name)
            guard mapping(value, path, allowed: ["title", "description", "initial", "final", "reopen", "tasks", "on"], what: "the state '\(key.name)'") != nil else { continue }
            let stateTitle = title(value["title"], what: "'title'")
            state.title = stateTitle.title ?? key.name
            state.titles = stateTitle.translations
            state.initial = bool(value["initial"], what: "'initial'") ?? false
            state.final = bool(value["final"], what: "'final'") ?? false
            if let reopenNode = value["reopen"], let target = string(reopenNode, what: "'reopen'") {
                state.reopen = target
                reopenTargets.append((target, reopenNode))
                if !state.final {
                    error("'reopen' of the state '\(key.name)' belongs to a final state: only a closed case is reopened.", at: reopenNode.location)
                }
            }
            if let tasks = value["tasks"], let taskPairs = mapping(tasks, "\(path).tasks", what: "'tasks' of the state '\(key.name)'") {
                for (taskKey, taskValue) in taskPairs {
                    checkID(taskKey, kind: "task")
                    if let task = readTask(taskKey.name, taskValue, "\(path).tasks.\(taskKey.name)") { state.tasks.append(task) }
                }
            }
            if let on = value["on"], let eventPairs = mapping(on, "\(path).on", what: "'on' of the state '\(key.name)'") {
                for (eventKey, target) in eventPairs {
                    state.transitions += readTransitions(eventKey.name, target, "\(path).on.\(eventKey.name)")
                }
            }
            result.append(state)
        }
        for (target, node) in reopenTargets where !result.contains(where: { $0.id == target && !$0.final }) {
            error("'reopen' names the state '\(target)', which is not a state of the process that a case can work in.", at: node.location)
        }
        return result
    }

    /// `event: state`, `event: { to: state, guard: … }` or a list of the latter.
    mutating func readTransitions(_ event: String, _ node: SourceNode, _ path: String) -> [Transition] {
        if let target = node.scalar { return [Transition(event: event, to: target)] }
        let items: [(SourceNode, String)] = node.items.map { $0.enumerated().map { ($1, "\(path).\($0)") } } ?? [(node, path)]
        var result: [Transition] = []
        for (item, itemPath) in items {
            guard mapping(item, itemPath, allowed: ["to", "guard"], what: "the transition on '\(event)'") != nil else { continue }
            guard let toNode = item["to"], let to = string(toNode, what: "'to'") else {
                error("The transition on '\(event)' needs 'to:' naming the next state.", at: item.location)
                continue
            }
            let guardExpression = expression(item["guard"], "\(itemPath).guard", what: "The guard of the transition on '\(event)'")
            result.append(Transition(event: event, to: to, guardExpression: guardExpression))
        }
        return result
    }

    static let taskKeys = [
        "title", "description", "role", "earliest", "due", "dueOnDayOff", "remind", "escalate", "involves", "outcomes", "repeat",
    ]

    mutating func readTask(_ id: String, _ node: SourceNode, _ path: String) -> TaskDefinition? {
        guard mapping(node, path, allowed: Self.taskKeys, what: "the task '\(id)'") != nil else { return nil }
        let taskTitle = title(node["title"], what: "'title'")
        var task = TaskDefinition(id: id, title: taskTitle.title ?? id, role: "")
        task.titles = taskTitle.translations
        if let roleNode = node["role"], let role = string(roleNode, what: "'role'") {
            task.role = role
        } else {
            error("The task '\(id)' needs a 'role' naming who owns it.", at: map.keyLocation(of: path) ?? node.location)
        }
        task.earliest = expression(node["earliest"], "\(path).earliest", what: "The earliest start of the task '\(id)'")
        task.due = expression(node["due"], "\(path).due", what: "The due date of the task '\(id)'")
        if let ruleNode = node["dueOnDayOff"], let text = string(ruleNode, what: "'dueOnDayOff'") {
            if let rule = TaskDefinition.DayOffRule(rawValue: text) {
                task.dueOnDayOff = rule
            } else {
                error("'dueOnDayOff' must be 'next-working-day' or 'keep', not '\(text)'.", at: ruleNode.location)
            }
        }
        for (index, item) in list(node["remind"], what: "'remind'").enumerated() {
            map.values["\(path).remind.\(index)"] = item
            guard let text = string(item, what: "Each reminder") else { continue }
            if let rule = parseReminder(text, at: item) { task.reminders.append(rule) }
        }
        if let escalate = node["escalate"] {
            let rungs: [(SourceNode, String)] = escalate.items.map { $0.enumerated().map { ($1, "\(path).escalate.\($0)") } } ?? [(escalate, "\(path).escalate")]
            for (rung, rungPath) in rungs {
                guard mapping(rung, rungPath, allowed: ["to", "after", "every", "times"], what: "'escalate' of the task '\(id)'") != nil, !rung.isNull else { continue }
                guard let to = string(rung["to"], what: "'to'") else {
                    error("'escalate' of the task '\(id)' needs 'to:' naming the role told.", at: rung.location)
                    continue
                }
                var after = DateDuration(0, .days)
                if let afterNode = rung["after"], var text = string(afterNode, what: "'after'") {
                    if text.hasSuffix(" overdue") { text.removeLast(" overdue".count) }
                    after = duration(text, at: afterNode, what: "'after'") ?? after
                }
                var every: DateDuration?
                if let everyNode = rung["every"], let text = string(everyNode, what: "'every'") {
                    every = duration(text, at: everyNode, what: "'every'")
                    if every?.amount == 0 { error("'every' must be more than zero.", at: everyNode.location) }
                }
                var times: Int?
                if let timesNode = rung["times"], let text = string(timesNode, what: "'times'") {
                    if let count = Int(text), count > 0 {
                        times = count
                    } else {
                        error("'times' of the task '\(id)' must be a whole number more than zero, not '\(text)'.", at: timesNode.location)
                    }
                    if every == nil, times.map({ $0 > 1 }) == true {
                        error("'times' of the task '\(id)' is more than 1 but the rung has no 'every': say how often to repeat.", at: timesNode.location)
                    }
                }
                task.escalation.append(EscalationRule(to: to, after: after, every: every, times: times))
            }
        }
        task.involves = stringList(node["involves"], "\(path).involves", what: "'involves'")
        task.outcomes = stringList(node["outcomes"], "\(path).outcomes", what: "'outcomes'")
        if let repeatNode = node["repeat"], mapping(repeatNode, "\(path).repeat", allowed: ["every", "until"], what: "'repeat' of the task '\(id)'") != nil, !repeatNode.isNull {
            if let everyNode = repeatNode["every"], let text = string(everyNode, what: "'every'") {
                if let every = duration(text, at: everyNode, what: "'every'") {
                    if every.amount == 0 {
                        error("'every' must be more than zero.", at: everyNode.location)
                    } else {
                        var until: ProcessExpression?
                        if let untilNode = repeatNode["until"], untilNode.scalar?.trimmedSpaces != "case closes" {
                            until = expression(untilNode, "\(path).repeat.until", what: "'until' of the task '\(id)'")
                        }
                        task.repeatRule = RepeatRule(every: every, until: until)
                    }
                }
            } else {
                error("'repeat' of the task '\(id)' needs 'every', e.g. 'every: 1 month'.", at: repeatNode.location)
            }
        }
        return task
    }

    /// "on due", "at window start", "5 working days before due", "2 days after window start".
    mutating func parseReminder(_ text: String, at node: SourceNode) -> ReminderRule? {
        let words = text.trimmedSpaces.lowercased()
        var anchor: ReminderRule.Anchor?
        var rest = words
        for (suffix, value) in [(" window start", ReminderRule.Anchor.windowStart), (" due", .due), (" due date", .due)] where rest.hasSuffix(suffix) {
            anchor = value
            rest.removeLast(suffix.count)
            break
        }
        if let anchor {
            if rest == "on" || rest == "at" { return ReminderRule(anchor: anchor, offset: DateDuration(0, .days)) }
            for (word, sign) in [(" before", -1), (" after", 1)] where rest.hasSuffix(word) {
                rest.removeLast(word.count)
                do {
                    if let size = try ProcessExpression(parsing: rest).durationLiteral, size.amount >= 0 {
                        return ReminderRule(anchor: anchor, offset: DateDuration(sign * size.amount, size.unit))
                    }
                } catch where error.message.hasPrefix("Unknown unit") {
                    self.error("The reminder '\(text)' is not understood: \(error.message)", at: node.location)
                    return nil
                } catch {}
            }
        }
        let hint = words.contains("overdue") ? " Repeated reminders after the due date belong in 'escalate', e.g. escalate: { to: chair, every: 2 working days }." : ""
        error("The reminder '\(text)' is not understood; write e.g. 'at window start', '5 working days before due' or 'on due'.\(hint)", at: node.location)
        return nil
    }
}
