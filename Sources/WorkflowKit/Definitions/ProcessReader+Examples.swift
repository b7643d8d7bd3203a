extension ProcessReader {
    mutating func readExamples(_ node: SourceNode?) -> [ProcessExample] {
        var result: [ProcessExample] = []
        for (index, item) in list(node, what: "'examples'").enumerated() {
            let path = "examples.\(index)"
            guard mapping(item, path, allowed: ["name", "given", "expect"], what: "an example") != nil, !item.isNull else { continue }
            let name = string(item["name"], what: "'name'") ?? "example \(index + 1)"
            if item["name"] == nil { error("Each example needs a 'name' saying what it shows.", at: item.location) }
            guard let given = item["given"], let expectNode = item["expect"] else {
                error("The example '\(name)' needs 'given:' (fields, openedOn) and 'expect:' (state, tasks).", at: item.location)
                continue
            }
            guard mapping(given, "\(path).given", allowed: ["fields", "openedOn", "events", "consent"], what: "'given' of the example '\(name)'") != nil,
                mapping(expectNode, "\(path).expect", allowed: ["state", "fastTrack", "tasks"], what: "'expect' of the example '\(name)'") != nil
            else { continue }
            guard let openedNode = given["openedOn"], let openedOn = date(openedNode, what: "'openedOn'") else {
                if given["openedOn"] == nil { error("The example '\(name)' needs 'openedOn:', the date the case was opened.", at: given.location) }
                continue
            }
            var example = ProcessExample(name: name, fields: [:], openedOn: openedOn, expect: .init())
            if let fields = given["fields"], let pairs = mapping(fields, "\(path).given.fields", what: "'fields' of the example '\(name)'") {
                for (key, value) in pairs {
                    guard let kind = fieldTypes[key.name] else {
                        let hint = Spelling.suggestion(for: key.name, among: fieldTypes.keys).map { " (did you mean '\($0)'?)" } ?? ""
                        error("Unknown field '\(key.name)' in the example '\(name)'\(hint).", at: key.location)
                        continue
                    }
                    if let typed = fieldValue(value, kind: kind, field: key.name) { example.fields[key.name] = typed }
                }
            }
            if let events = given["events"] {
                let entries: [(key: SourceNode.Key, value: SourceNode)]
                if let items = events.items {
                    entries = items.flatMap { item -> [(key: SourceNode.Key, value: SourceNode)] in
                        guard let pairs = item.pairs else {
                            error("Each event of an example is written 'event-id: YYYY-MM-DD'.", at: item.location)
                            return []
                        }
                        return pairs
                    }
                } else {
                    entries = mapping(events, "\(path).given.events", what: "'events' of the example '\(name)'") ?? []
                }
                for (key, value) in entries {
                    map.keys["\(path).given.events.\(key.name)"] = key.location
                    if let date = date(value, what: "The date of '\(key.name)'") {
                        example.events.append(.init(event: key.name, date: date))
                    }
                }
            }
            if let consent = given["consent"] {
                example.consent = stringList(consent, "\(path).given.consent", what: "'consent'")
            }
            example.expect.state = string(expectNode["state"], what: "'state'")
            example.expect.fastTrack = bool(expectNode["fastTrack"], what: "'fastTrack'")
            if let tasks = expectNode["tasks"], let pairs = mapping(tasks, "\(path).expect.tasks", what: "'tasks' of the example '\(name)'") {
                for (key, value) in pairs {
                    let taskPath = "\(path).expect.tasks.\(key.name)"
                    guard mapping(value, taskPath, allowed: ["earliest", "due", "reminders", "escalations"], what: "the expected task '\(key.name)'") != nil else { continue }
                    var expectation = ProcessExample.TaskExpectation()
                    expectation.earliest = value["earliest"].flatMap { date($0, what: "'earliest'") }
                    expectation.due = value["due"].flatMap { date($0, what: "'due'") }
                    if let reminders = value["reminders"] {
                        expectation.reminders = list(reminders, what: "'reminders'").compactMap { date($0, what: "Each reminder date") }
                    }
                    if let escalations = value["escalations"] {
                        expectation.escalations = readExpectedEscalations(escalations, "\(taskPath).escalations")
                    }
                    example.expect.tasks[key.name] = expectation
                }
            }
            result.append(example)
        }
        return result
    }

    /// `[ { to: chair, on: 2027-07-01 }, … ]`.
    mutating func readExpectedEscalations(_ node: SourceNode, _ path: String) -> [ProcessExample.Escalation] {
        var result: [ProcessExample.Escalation] = []
        for (index, item) in list(node, what: "'escalations'").enumerated() {
            guard mapping(item, "\(path).\(index)", allowed: ["to", "on"], what: "an expected escalation") != nil, !item.isNull else { continue }
            guard let roleNode = item["to"], let role = string(roleNode, what: "'to'"), let dayNode = item["on"], let day = date(dayNode, what: "'on'") else {
                if item["to"] == nil || item["on"] == nil {
                    error("An expected escalation is written '{ to: role, on: YYYY-MM-DD }'.", at: item.location)
                }
                continue
            }
            result.append(.init(role: role, date: day))
        }
        return result
    }

    mutating func date(_ node: SourceNode, what: String) -> LocalDate? {
        guard let text = string(node, what: what) else { return nil }
        guard let date = LocalDate(text) else {
            error("\(what) must be a date written YYYY-MM-DD, not '\(text)'.", at: node.location)
            return nil
        }
        return date
    }

    /// A field value of an example, typed by the field. Messages do not repeat
    /// the value: example values may be modelled on real personal data.
    mutating func fieldValue(_ node: SourceNode, kind: FieldDefinition.Kind, field: String) -> ExpressionValue? {
        guard let text = string(node, what: "The value of '\(field)'") else { return nil }
        switch kind {
        case .date:
            guard let date = LocalDate(text) else {
                error("The value of the date field '\(field)' must be written YYYY-MM-DD.", at: node.location)
                return nil
            }
            return .date(date)
        case .number:
            guard let number = Double(text) else {
                error("The value of the number field '\(field)' must be a number.", at: node.location)
                return nil
            }
            return .number(number)
        case .bool:
            switch text.lowercased() {
            case "true", "yes": return .bool(true)
            case "false", "no": return .bool(false)
            default:
                error("The value of the yes/no field '\(field)' must be true or false.", at: node.location)
                return nil
            }
        case .text, .choice:
            return .text(text)
        case .parties:
            error("The field '\(field)' is a list of parties; examples give parties under 'consent'.", at: node.location)
            return nil
        }
    }
}
