/// One recipient party's copy of a document (advance information, a memo): only the
/// clients whose consent names that party are in it.
public struct DisclosedDocument: Sendable, Hashable {
    /// One client's part of the document.
    public struct Client: Sendable, Hashable {
        public struct Field: Sendable, Hashable {
            public var id: String
            public var title: String
            /// The value as text; nil when the case has none.
            public var value: String?
        }

        public struct Task: Sendable, Hashable {
            public var id: String
            public var title: String
            public var role: String
            public var due: LocalDate?
            public var suspended: Bool
        }

        public var caseID: StreamID
        public var process: String
        public var responsibleWorker: String?
        public var fields: [Field]
        /// Empty unless the document lists open tasks.
        public var openTasks: [Task]
    }

    public var document: String
    public var title: String
    public var party: String
    public var partyTitle: String
    /// What the disclosure is for, as recorded in each ``InformationDisclosed``.
    public var purpose: String
    public var on: LocalDate
    public var clients: [Client]

    /// The document as Markdown, to send to the party.
    public var markdown: String {
        var lines = [
            "# \(title)", "",
            "To: \(partyTitle) (\(Identifier.printable(party)))  ", "Date: \(on)  ", "Purpose: \(purpose)", "",
            "Only clients whose written consent names \(partyTitle) are included. The information is confidential "
                + "(Act 703/2023 on the Processing of Client Data in Healthcare and Social Welfare, which replaced the "
                + "confidentiality chapter of Act 812/2000 in 2024); do not pass it on.",
        ]
        for client in clients {
            // Ids are escaped and a value's line breaks indented, so that no id or value can
            // add a line of its own (a forged heading or item) to the document.
            lines += ["", "## Case \(Identifier.printable(client.caseID.rawValue))", ""]
            if let worker = client.responsibleWorker { lines.append("- Responsible worker: \(Identifier.printable(worker))") }
            for field in client.fields {
                let value = (field.value ?? "not recorded").split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
                lines.append("- \(field.title): \(value)")
            }
            if !client.openTasks.isEmpty {
                lines += ["", "Who does what, by when:", ""]
                for task in client.openTasks {
                    let due = task.due.map { ", due \($0)" } ?? ""
                    let held = task.suspended ? " (on hold: consent)" : ""
                    lines.append("- \(task.title) — \(task.role)\(due)\(held)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The result of producing a document for a set of cases.
public struct DocumentDisclosure: Sendable, Hashable {
    /// A case left out of a party's copy, and why (never a value).
    public struct Withheld: Sendable, Hashable {
        public var caseID: StreamID
        /// The party, or nil when the case went to nobody.
        public var party: String?
        public var reason: String
    }

    /// One copy per recipient party that got at least one client, by party id.
    public var documents: [DisclosedDocument]
    public var withheld: [Withheld]
}

extension Engine {
    /// Produces the document `document` for `cases`, one copy per recipient party, and
    /// records each client's disclosure to each party as an ``InformationDisclosed``
    /// event — through the same consent rule as ``CaseCommand/disclose(party:purpose:)``,
    /// so that a client is in a party's copy only when their consent in force names it.
    /// A case without consent (never given, or withdrawn), or erased, goes to nobody.
    ///
    /// The events are appended before the documents are returned: a document that
    /// exists was recorded as disclosed. For each client in at least one copy, the read
    /// by `actor` is recorded too (a ``PersonalDataRead`` naming the document's fields).
    ///
    /// - Parameters:
    ///   - document: The id of the document, as the process defines it.
    ///   - cases: The cases whose clients the document covers.
    ///   - parties: Only these recipients (default: every party a client's consent names).
    ///   - purpose: Recorded with each disclosure (default: the document's title).
    ///   - current: The process definitions as the files state them now, by id; a
    ///     document is looked up there first, then in the version the case follows.
    ///   - actor: Who discloses; recorded with each disclosure and read.
    /// - Throws: ``CommandRefused`` (`.unknownCase`, or `.invalidValue` when no case's
    ///   process has the document) or ``UnknownCalendar`` (the engine's calendars lack a
    ///   process's, in which copies are dated) before anything is appended.
    public func disclose(
        document: String, cases: [StreamID], to parties: Set<String>? = nil, purpose: String? = nil,
        current: [String: ProcessDefinition] = [:], by actor: Acting
    ) async throws -> DocumentDisclosure {
        // Every case and its document first: an unknown case or document refuses the whole run.
        var planned: [(state: CaseState, definition: ProcessDefinition, document: DocumentDefinition, calendar: any BusinessCalendar)] = []
        var seen: Set<StreamID> = []
        // A case named twice is disclosed once.
        for id in cases where seen.insert(id).inserted {
            let (state, pinned) = try await load(id)
            let definition = current[state.process] ?? pinned
            guard let found = definition.document(document) ?? pinned.document(document) else {
                let known = (definition.documents ?? []).map(\.id)
                throw CommandRefused(
                    .invalidValue,
                    "Process '\(state.process)' (case '\(id)') has no document '\(document)'"
                        + (known.isEmpty ? "; its file states no 'documents'." : "; it has \(known.joined(separator: ", ")).")
                )
            }
            planned.append((state, definition, found, try calendar(for: definition)))
        }
        var copies: [String: DisclosedDocument] = [:]
        var withheld: [DocumentDisclosure.Withheld] = []
        for (state, definition, found, calendar) in planned {
            guard let consent = state.consent, state.erased == nil else {
                let reason = state.erased != nil ? "the case's personal data was erased" : "the case has no consent in force"
                withheld.append(.init(caseID: state.id, party: nil, reason: reason))
                continue
            }
            let recipients = consent.intersection(parties ?? consent).sorted()
            if recipients.isEmpty {
                withheld.append(.init(caseID: state.id, party: nil, reason: "the consent names none of the recipients"))
                continue
            }
            for party in (parties ?? []).subtracting(consent).sorted() {
                withheld.append(.init(caseID: state.id, party: party, reason: "the consent does not name this party"))
            }
            let purpose = purpose ?? found.title
            var latest = state
            var included = false
            for party in recipients {
                do {
                    let outcome = try await execute(.disclose(party: party, purpose: purpose), on: state.id, by: actor)
                    latest = outcome.state
                } catch let refused as CommandRefused {
                    // Consent withdrawn or the case erased since it was read: nothing goes out.
                    withheld.append(.init(caseID: state.id, party: party, reason: refused.message))
                    continue
                }
                var copy = copies[party] ?? DisclosedDocument(
                    document: found.id, title: found.title, party: party,
                    partyTitle: definition.parties.first { $0.id == party }?.title ?? party, purpose: purpose,
                    on: today(in: calendar), clients: [])
                copy.clients.append(Self.client(latest, definition: definition, document: found))
                copies[party] = copy
                included = true
            }
            if included {
                // Whoever produces the copies reads the client's data too: an access-log read.
                try await store.recordAccess(
                    case: state.id, purpose: "document '\(found.id)'", fields: found.fields.filter { latest.fields[$0] != nil },
                    by: actor)
            }
        }
        return DocumentDisclosure(documents: copies.values.sorted { $0.party < $1.party }, withheld: withheld)
    }

    static func client(_ state: CaseState, definition: ProcessDefinition, document: DocumentDefinition) -> DisclosedDocument.Client {
        let fields = document.fields.map { id in
            let field = definition.field(id)
            let value = state.fields[id].map { value -> String in
                if case .bool(let flag) = value { return flag ? "yes" : "no" }
                return value.description
            }
            return DisclosedDocument.Client.Field(id: id, title: field?.title ?? id, value: value)
        }
        let tasks: [DisclosedDocument.Client.Task] = !document.openTasks ? [] : state.openTasks.map { open in
                let task = definition.task(open.task)?.task
                let role = definition.roles.first { $0.id == open.role }?.title ?? open.role
                return DisclosedDocument.Client.Task(
                    id: open.task, title: task?.title ?? open.task, role: role, due: open.due, suspended: open.suspended)
            }
        return DisclosedDocument.Client(
            caseID: state.id, process: state.process, responsibleWorker: state.responsibleWorker, fields: fields, openTasks: tasks)
    }
}
