import Yams

extension ProcessDefinition {
    /// The definition written back in the process language, with `extends`
    /// resolved: a complete process file that loads to the same definition
    /// (same ``contentHash``). What `aso-engine resolve` prints.
    public var resolvedYAML: String {
        let body = (try? Yams.serialize(node: yamlNode, width: -1, allowUnicode: true, sortKeys: false)) ?? ""
        return "# The process '\(id)' with everything it extends resolved.\n" + body
    }

    private func scalar(_ text: String) -> Node { Node(text) }
    private func map(_ pairs: [(String, Node?)]) -> Node {
        Node(pairs.compactMap { key, value in value.map { (Node(key), $0) } })
    }
    private func list(_ items: [String]) -> Node { Node(items.map { Node($0) }, Tag(.seq), .flow) }

    var yamlNode: Node {
        map([
            ("process", scalar(id)),
            ("title", scalar(title)),
            ("calendar", scalar(calendar)),
            ("closedDays", closedDays.isEmpty ? nil : Node(closedDays.map(closedDayNode))),
            ("fields", fields.isEmpty ? nil : map(fields.map { field in
                (field.id, map([
                    ("type", scalar(field.type.rawValue)),
                    ("title", scalar(field.title)),
                    ("values", field.values.isEmpty ? nil : list(field.values)),
                    ("personal", field.personal ? scalar("true") : nil),
                    ("required", field.required ? scalar("true") : nil),
                ]))
            })),
            ("parties", parties.isEmpty ? nil : map(parties.map { ($0.id, scalar($0.title)) })),
            ("roles", roles.isEmpty ? nil : map(roles.map { role in
                (role.id, map([("title", scalar(role.title)), ("party", role.party.map(scalar))]))
            })),
            ("events", events.isEmpty ? nil : map(events.map { ($0.id, scalar($0.title)) })),
            ("fastTrack", fastTrack.map { map([("when", scalar($0.when.text)), ("state", scalar($0.state)), ("reason", scalar($0.reason))]) }),
            ("states", map(states.map { ($0.id, stateNode($0)) })),
            ("report", report.isEmpty ? nil : list(report)),
            ("legalBasis", legalBasis.map(scalar)),
            ("retention", retention.map { rule in
                map([("class", scalar(rule.retentionClass)), ("keep", scalar(rule.description)), ("basis", rule.basis.map(scalar))])
            }),
            ("documents", documents.map { documents in
                map(documents.map { document in
                    (document.id, map([
                        ("title", scalar(document.title)),
                        ("fields", list(document.fields)),
                        ("tasks", document.openTasks ? scalar("open") : nil),
                    ]))
                })
            }),
        ])
    }

    private func closedDayNode(_ closed: RegionalCalendar.ClosedDays) -> Node {
        switch closed.span {
        case .date(let date): map([("name", scalar(closed.name)), ("date", scalar(date.description))])
        case .range(let from, let through):
            map([("name", scalar(closed.name)), ("from", scalar(from.description)), ("through", scalar(through.description))])
        case .yearly(let from, let through):
            map([("name", scalar(closed.name)), ("from", scalar(from.description)), ("through", scalar(through.description))])
        }
    }

    private func stateNode(_ state: StateDefinition) -> Node {
        var transitions: [(String, Node)] = []
        for event in Array(uniqued(state.transitions.map(\.event))) {
            let moves = state.transitions.filter { $0.event == event }.map { t in
                map([("to", scalar(t.to)), ("guard", t.guardExpression.map { scalar($0.text) })])
            }
            transitions.append((event, moves.count == 1 ? moves[0] : Node(moves)))
        }
        return map([
            ("title", scalar(state.title)),
            ("initial", state.initial ? scalar("true") : nil),
            ("final", state.final ? scalar("true") : nil),
            ("reopen", state.reopen.map { scalar($0) }),
            ("tasks", state.tasks.isEmpty ? nil : map(state.tasks.map { ($0.id, taskNode($0)) })),
            ("on", transitions.isEmpty ? nil : map(transitions)),
        ])
    }

    private func taskNode(_ task: TaskDefinition) -> Node {
        map([
            ("title", scalar(task.title)),
            ("role", scalar(task.role)),
            ("earliest", task.earliest.map { scalar($0.text) }),
            ("due", task.due.map { scalar($0.text) }),
            ("dueOnDayOff", task.dueOnDayOff == .nextWorkingDay ? nil : scalar(task.dueOnDayOff.rawValue)),
            ("remind", task.reminders.isEmpty ? nil : list(task.reminders.map(\.description))),
            ("escalate", task.escalation.isEmpty ? nil : Node(task.escalation.map { rung in
                map([("to", scalar(rung.to)), ("after", scalar("\(rung.after) overdue")), ("every", rung.every.map { scalar($0.description) }),
                    ("times", rung.times.map { scalar(String($0)) })])
            })),
            ("involves", task.involves.isEmpty ? nil : list(task.involves)),
            ("outcomes", task.outcomes.isEmpty ? nil : list(task.outcomes)),
            ("repeat", task.repeatRule.map { rule in
                map([("every", scalar(rule.every.description)), ("until", scalar(rule.until?.text ?? "case closes"))])
            }),
        ])
    }
}

/// The elements of `items` without repeats, in first-seen order.
private func uniqued(_ items: [String]) -> [String] {
    var seen: Set<String> = []
    return items.filter { seen.insert($0).inserted }
}
