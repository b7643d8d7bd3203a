import Foundation

extension ProcessReader {
    // MARK: Legal basis, retention, documents

    /// `retention: 10 years after closing`, or a mapping with `class`, `keep` and `basis`.
    mutating func readRetention(_ node: SourceNode?, processID: String) -> RetentionRule? {
        guard let node, !node.isNull else { return nil }
        let keepNode: SourceNode
        var retentionClass = processID
        var basis: String?
        if node.scalar != nil {
            map.values["retention"] = node
            map.values["retention.keep"] = node
            keepNode = node
        } else {
            guard mapping(node, "retention", allowed: ["class", "keep", "basis"], what: "'retention'") != nil else { return nil }
            guard let keep = node["keep"] else {
                error("'retention' needs 'keep', e.g. 'keep: 10 years after closing'.", at: node.location)
                return nil
            }
            keepNode = keep
            if let classNode = node["class"], let text = string(classNode, what: "'class'") {
                checkID(SourceNode.Key(name: text, location: classNode.location), kind: "retention class")
                retentionClass = text
            }
            basis = string(node["basis"], what: "'basis'")
        }
        guard let text = string(keepNode, what: "'keep'") else { return nil }
        let example = "e.g. '10 years after closing' or '120 years after birthDate'"
        let parts = text.trimmedSpaces.components(separatedBy: " after ")
        guard parts.count == 2 else {
            error("The retention period must say how long after what, \(example); not '\(text)'.", at: keepNode.location)
            return nil
        }
        guard let keep = duration(parts[0], at: keepNode, what: "The retention period") else { return nil }
        if keep.unit == .workingDays {
            error("The retention period is counted in calendar time (days, weeks, months, years), not working days.", at: keepNode.location)
            return nil
        }
        if keep.amount <= 0 {
            error("The retention period must be longer than zero, \(example).", at: keepNode.location)
            return nil
        }
        let anchorText = parts[1].trimmedSpaces
        // Errors about the anchor point at it, not at the start of the line.
        let anchorOffset = text.range(of: " after ").map { text.distance(from: text.startIndex, to: $0.upperBound) } ?? 0
        let anchorLocation = keepNode.location(ofOffset: anchorOffset)
        let after: RetentionRule.Anchor
        if anchorText == "closing" {
            after = .closing
        } else if let kind = fieldTypes[anchorText] {
            guard kind == .date else {
                error("The retention period can be counted from 'closing' or a date field; '\(anchorText)' is a \(kind.rawValue) field.", at: anchorLocation)
                return nil
            }
            after = .field(anchorText)
        } else {
            let hint = Spelling.suggestion(for: anchorText, among: ["closing"] + fieldTypes.filter { $0.value == .date }.keys.sorted())
                .map { " (did you mean '\($0)'?)" } ?? ""
            error("The retention period is counted from 'closing' or a date field, not '\(anchorText)'\(hint).", at: anchorLocation)
            return nil
        }
        return RetentionRule(retentionClass: retentionClass, keep: keep, after: after, basis: basis)
    }

    /// `documents: { advance-information: { title, fields: [...], tasks: open } }`.
    mutating func readDocuments(_ node: SourceNode?) -> [DocumentDefinition]? {
        guard let node, !node.isNull, let pairs = mapping(node, "documents", what: "'documents'") else { return nil }
        var result: [DocumentDefinition] = []
        for (key, value) in pairs {
            let path = "documents.\(key.name)"
            checkID(key, kind: "document")
            guard mapping(value, path, allowed: ["title", "fields", "tasks", "description"], what: "the document '\(key.name)'") != nil else {
                continue
            }
            var document = DocumentDefinition(id: key.name, title: string(value["title"], what: "'title'") ?? key.name)
            document.fields = stringList(value["fields"], "\(path).fields", what: "'fields'")
            if let tasksNode = value["tasks"], let tasks = string(tasksNode, what: "'tasks'") {
                switch tasks {
                case "open": document.openTasks = true
                case "none": document.openTasks = false
                default:
                    error("'tasks' of a document is 'open' (list the case's open tasks: who does what by when) or 'none', not '\(tasks)'.", at: tasksNode.location)
                }
            }
            result.append(document)
        }
        return result
    }
}
