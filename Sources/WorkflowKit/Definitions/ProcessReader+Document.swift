extension ProcessReader {
    static let topLevelKeys = [
        "process", "title", "description", "extends", "calendar", "closedDays", "fields", "parties", "roles",
        "events", "states", "fastTrack", "report", "legalBasis", "retention", "documents", "examples",
    ]

    /// Reads the whole document. Returns nil only when the root is not a mapping
    /// or has no process id.
    mutating func read(_ root: SourceNode) -> ProcessDefinition? {
        map.keys[""] = root.location
        // A misspelt 'extends' makes the file a process of its own, missing most
        // of what it needs: say only that, not the many errors that follow from it.
        if root["extends"] == nil, let slip = root.pairs?.first(where: {
            !Self.topLevelKeys.contains($0.key.name) && Spelling.suggestion(for: $0.key.name, among: ["extends"]) != nil
        }) {
            error("Unknown key '\(slip.key.name)' in a process file (did you mean 'extends'?); without 'extends' the file is read as a process of its own, so it is not checked further.", at: slip.key.location)
            return nil
        }
        guard mapping(root, "", allowed: Self.topLevelKeys, what: "a process file") != nil else { return nil }
        guard let idNode = root["process"], let id = string(idNode, what: "'process'") else {
            error("The file has no 'process:' line giving the process id, e.g. 'process: vat-generic'.", at: root.location)
            return nil
        }
        checkID(SourceNode.Key(name: id, location: idNode.location), kind: "process")
        let processTitle = title(root["title"], what: "'title'")
        var definition = ProcessDefinition(id: id, title: processTitle.title ?? id)
        definition.titles = processTitle.translations
        definition.calendar = string(root["calendar"], what: "'calendar'") ?? "fi"
        definition.closedDays = readClosedDays(root["closedDays"])
        definition.fields = readFields(root["fields"])
        definition.parties = readNamed(root["parties"], "parties", kind: "party").map { PartyDefinition(id: $0.id, title: $0.title) }
        definition.roles = readRoles(root["roles"])
        definition.events = readNamed(root["events"], "events", kind: "event").map { EventDefinition(id: $0.id, title: $0.title) }
        definition.states = readStates(root["states"])
        definition.fastTrack = readFastTrack(root["fastTrack"])
        definition.report = stringList(root["report"], "report", what: "'report'")
        definition.legalBasis = string(root["legalBasis"], what: "'legalBasis'")
        definition.retention = readRetention(root["retention"], processID: id)
        definition.documents = readDocuments(root["documents"])
        definition.examples = readExamples(root["examples"])
        return definition
    }

    // MARK: Calendar

    mutating func readClosedDays(_ node: SourceNode?) -> [RegionalCalendar.ClosedDays] {
        var result: [RegionalCalendar.ClosedDays] = []
        for (index, item) in list(node, what: "'closedDays'").enumerated() {
            let path = "closedDays.\(index)"
            guard mapping(item, path, allowed: ["name", "date", "from", "through"], what: "a closed day") != nil else { continue }
            let name = string(item["name"], what: "'name'") ?? "Closed"
            if item["name"] == nil { error("A closed day needs a 'name', e.g. 'name: Christmas closure'.", at: item.location) }
            if let dateNode = item["date"], let text = string(dateNode, what: "'date'") {
                guard let date = LocalDate(text) else {
                    error("'\(text)' is not a date; write it as YYYY-MM-DD.", at: dateNode.location)
                    continue
                }
                result.append(.date(date, name: name))
            } else if let fromNode = item["from"], let throughNode = item["through"],
                let from = string(fromNode, what: "'from'"), let through = string(throughNode, what: "'through'")
            {
                if let a = LocalDate(from), let b = LocalDate(through) {
                    if b < a {
                        error("The closed days '\(name)' end (\(b)) before they start (\(a)).", at: throughNode.location)
                        continue
                    }
                    result.append(.range(from: a, through: b, name: name))
                } else if let a = RegionalCalendar.MonthDay(from), let b = RegionalCalendar.MonthDay(through) {
                    result.append(.yearly(from: a, through: b, name: name))
                } else {
                    error("'from' and 'through' must both be dates (YYYY-MM-DD) or both month-days repeating every year (MM-DD).", at: fromNode.location)
                }
            } else if item.pairs != nil {
                error("A closed day needs either 'date:' or both 'from:' and 'through:'.", at: item.location)
            }
        }
        return result
    }

    // MARK: Fields, parties, roles, events

    mutating func readFields(_ node: SourceNode?) -> [FieldDefinition] {
        guard let node, let pairs = mapping(node, "fields", what: "'fields'") else { return [] }
        var result: [FieldDefinition] = []
        for (key, value) in pairs {
            let path = "fields.\(key.name)"
            checkID(key, kind: "field", allowHyphen: false)
            var typeNode: SourceNode? = value
            var field = FieldDefinition(id: key.name, title: key.name, type: .text)
            if value.pairs != nil {
                _ = mapping(value, path, allowed: ["type", "title", "values", "personal", "required", "description"], what: "the field '\(key.name)'")
                typeNode = value["type"]
                let fieldTitle = title(value["title"], what: "'title'")
                field.title = fieldTitle.title ?? key.name
                field.titles = fieldTitle.translations
                field.values = stringList(value["values"], "\(path).values", what: "'values'")
                field.personal = bool(value["personal"], what: "'personal'") ?? false
                field.required = bool(value["required"], what: "'required'") ?? false
            }
            guard let typeNode, let typeName = string(typeNode, what: "'type'") else {
                error("The field '\(key.name)' needs a 'type' (one of \(Self.typeNames)).", at: key.location)
                continue
            }
            let aliases: [String: FieldDefinition.Kind] = ["yes/no": .bool, "yesno": .bool, "boolean": .bool, "list of parties": .parties]
            guard let kind = FieldDefinition.Kind(rawValue: typeName) ?? aliases[typeName] else {
                let hint = Spelling.suggestion(for: typeName, among: FieldDefinition.Kind.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
                error("Unknown type '\(typeName)' for the field '\(key.name)'\(hint); use one of \(Self.typeNames).", at: typeNode.location)
                continue
            }
            field.type = kind
            if kind == .choice, field.values.isEmpty {
                error("The choice field '\(key.name)' needs 'values', e.g. values: [independent, supported].", at: key.location)
            }
            if kind != .choice, !field.values.isEmpty, let valuesKey = map.keyLocation(of: "\(path).values") {
                error("Only a choice field has 'values'; '\(key.name)' is of type '\(kind.rawValue)'.", at: valuesKey)
            }
            fieldTypes[key.name] = kind
            result.append(field)
        }
        return result
    }

    static let typeNames = "date, text, number, bool, choice, parties"

    /// Reads a mapping of id to a title (or `{ title: … }`), or a list of ids.
    mutating func readNamed(_ node: SourceNode?, _ path: String, kind: String) -> [(id: String, title: String)] {
        guard let node else { return [] }
        if let items = node.items {
            var result: [(String, String)] = []
            for (index, item) in items.enumerated() {
                map.values["\(path).\(index)"] = item
                guard let id = string(item, what: "Each \(kind)") else { continue }
                if result.contains(where: { $0.0 == id }) {
                    error("The \(kind) '\(id)' is listed more than once; each id must be unique.", at: item.location)
                    continue
                }
                let key = SourceNode.Key(name: id, location: item.location)
                map.keys["\(path).\(id)"] = item.location
                checkID(key, kind: kind)
                result.append((id, id))
            }
            return result
        }
        guard let pairs = mapping(node, path, what: "'\(path)'") else { return [] }
        return pairs.map { key, value in
            checkID(key, kind: kind)
            if value.pairs != nil {
                _ = mapping(value, "\(path).\(key.name)", allowed: ["title", "description"], what: "the \(kind) '\(key.name)'")
                return (key.name, string(value["title"], what: "'title'") ?? key.name)
            }
            return (key.name, string(value, what: "The \(kind) '\(key.name)'") ?? key.name)
        }
    }

    mutating func readRoles(_ node: SourceNode?) -> [RoleDefinition] {
        guard let node, let pairs = mapping(node, "roles", what: "'roles'") else { return [] }
        return pairs.map { key, value in
            checkID(key, kind: "role")
            if value.pairs != nil {
                _ = mapping(value, "roles.\(key.name)", allowed: ["title", "party", "description"], what: "the role '\(key.name)'")
                return RoleDefinition(id: key.name, title: string(value["title"], what: "'title'") ?? key.name, party: string(value["party"], what: "'party'"))
            }
            return RoleDefinition(id: key.name, title: string(value, what: "The role '\(key.name)'") ?? key.name)
        }
    }

    // MARK: Fast track

    mutating func readFastTrack(_ node: SourceNode?) -> FastTrack? {
        guard let node, mapping(node, "fastTrack", allowed: ["when", "state", "reason"], what: "'fastTrack'") != nil, !node.isNull else { return nil }
        guard let whenNode = node["when"], let stateNode = node["state"] else {
            error("'fastTrack' needs 'when' (a yes/no condition) and 'state' (where such a case starts).", at: node.location)
            return nil
        }
        guard let when = expression(whenNode, "fastTrack.when", what: "The fast-track condition"),
            let state = string(stateNode, what: "'state'")
        else { return nil }
        return FastTrack(when: when, state: state, reason: string(node["reason"], what: "'reason'") ?? "The case was opened too late for the normal timeline.")
    }
}
