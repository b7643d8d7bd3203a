import Crypto
public import Foundation
public import Logging

/// Who is acting: recorded with every event a command causes.
public struct Acting: Sendable, Hashable {
    /// The actor's id, e.g. `"worker:anna"`: a valid ``Identifier``.
    public var id: String
    /// The organisation the actor acts for.
    public var organisation: String?
    /// The role the actor acts in, e.g. `"responsible-worker"`.
    public var role: String?

    /// Someone acting, with the organisation and role recorded beside their id.
    public init(_ id: String, organisation: String? = nil, role: String? = nil) {
        self.id = id
        self.organisation = organisation
        self.role = role
    }
}

/// What a command did.
public struct CaseOutcome: Sendable {
    /// The case after the command.
    public var state: CaseState
    /// The events the command appended (empty when a repeated command id was already applied).
    public var events: [CaseEvent]
    /// Where the events were stored; for a repeated command id, where they were stored the first time.
    public var append: AppendResult
}

/// Runs commands against cases: loads a case from its stream, decides, and appends
/// with the expected version, retrying when another writer got there first.
///
/// The rules live in ``CaseDecider`` (pure); the engine adds only I/O and time.
public actor Engine {
    /// Where the engine reads cases from and appends their events to.
    public nonisolated let store: any CaseStore
    private let calendars: CalendarRegistry
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private var definitions: [String: ProcessDefinition] = [:]

    /// An engine over `store`. Several engines, in one process or several, may work
    /// on one store: the expected version of each append keeps them consistent.
    ///
    /// - Parameters:
    ///   - store: Where the cases' events, definitions and projections are kept: a
    ///     ``WorkflowDatabase`` (SQLite), or the `WorkflowPostgres` product's store.
    ///   - calendars: The business calendars that processes name; a process whose
    ///     calendar is missing here cannot be opened or run.
    ///   - now: The current time in milliseconds since 1970 (inject a fixed or simulated clock in tests).
    ///   - logger: Receives debug lines for updated cases and retried conflicts.
    public init(
        store: any CaseStore, calendars: CalendarRegistry = .standard,
        now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
        logger: Logger = Logger(label: "workflowkit.engine")
    ) {
        self.store = store
        self.calendars = calendars
        self.now = now
        self.logger = logger
    }

    /// Opens a case of `definition`, pinned to its content hash; the definition is
    /// stored in the database so that the case can always read it back.
    ///
    /// The case's first events (`CaseOpened`, the fields, the first state and its tasks)
    /// are appended in one append that expects the stream not to exist. Personal field
    /// values are sealed with a new key for the case, stored in the same transaction.
    ///
    /// - Parameters:
    ///   - definition: The process the case follows, e.g. from ``ProcessLibrary/definition(id:)``.
    ///   - caseID: The new case's id, a valid ``Identifier``; a random UUID by default.
    ///   - fields: The case's first field values, by field name; they must fit the
    ///     process's field definitions (types, required fields).
    ///   - responsibleWorker: The worker responsible for the case, when the process names one.
    ///   - legalBasis: Overrides the process's legal basis for this case.
    ///   - actor: Who opens the case; recorded with every event.
    ///   - commandID: Makes the open idempotent: opening again with the same id returns
    ///     the first outcome (with no events) and writes nothing.
    /// - Returns: The opened case and the events its opening appended.
    /// - Throws: ``CommandRefused`` when an id is malformed (code `.invalidIdentifier`) or
    ///   the values do not fit the process (nothing is appended);
    ///   ``UnknownCalendar`` when the engine's calendars lack the process's;
    ///   ``VersionConflict`` when a case with `caseID` already exists;
    ///   ``EventStoreError`` when the log fails, or with code `.commandReused` when
    ///   `commandID` was used for another case; ``PrivacyError`` with code
    ///   `.sealingFailed` when the personal values or the case's key cannot be encrypted.
    @discardableResult
    public func open(
        _ definition: ProcessDefinition, caseID: StreamID = StreamID(UUID().uuidString.lowercased()),
        fields: [String: ExpressionValue], responsibleWorker: String? = nil, legalBasis: String? = nil, by actor: Acting,
        commandID: String? = nil
    ) async throws -> CaseOutcome {
        try Self.checkIdentifiers(case: caseID, actor: actor, command: .open(fields: [:], responsibleWorker: responsibleWorker))
        let calendar = try calendar(for: definition)
        let state = CaseState(id: caseID)
        let events = try CaseDecider.decide(
            .open(fields: fields, responsibleWorker: responsibleWorker, legalBasis: legalBasis), state: state, definition: definition,
            today: today(in: calendar), calendar: calendar)
        let hash = definition.contentHash
        if definitions[hash] == nil {
            // Stored once per engine: the database keeps the first copy of each version anyway.
            try await store.store(definition)
            definitions[hash] = definition
        }
        return try await append(
            events, to: state, personal: definition.personalFields, expected: .noStream, by: actor, commandID: commandID)
    }

    /// Runs `command` on the case `id`.
    ///
    /// An erasure (``CaseCommand/erase(reason:)``) is decided like any command, and its
    /// append deletes the case's key in the same transaction. It needs only the case's
    /// shape: a case whose key is already gone without a recorded erasure can still be
    /// erased (every other command on it fails with ``PrivacyError``).
    ///
    /// - Parameters:
    ///   - command: What to do, e.g. `.complete(task: "notify-chair")`.
    ///   - id: The case.
    ///   - actor: Who acts; recorded with every event.
    ///   - commandID: Makes the command idempotent: running it again with the same id
    ///     returns the case as it is now with no events, and writes nothing.
    ///   - ifRevision: When given, the command runs only on that revision of the
    ///     case (``CaseState/revision``, an HTTP `If-Match`); a repeated command id still
    ///     reports its first outcome.
    /// - Returns: The case after the command and the events it appended (none when the
    ///   command changes nothing or ran before).
    /// - Throws: ``CommandRefused`` (nothing appended), ``StaleCaseVersion``,
    ///   ``UnknownCalendar`` when the engine's calendars lack the process's, or a storage error.
    @discardableResult
    public func execute(
        _ command: CaseCommand, on id: StreamID, by actor: Acting, commandID: String? = nil, ifRevision: Int64? = nil
    ) async throws -> CaseOutcome {
        try Self.checkIdentifiers(case: nil, actor: actor, command: command)
        let erasing = if case .erase = command { true } else { false }
        // Commands on one case from this engine take turns: they would only conflict.
        await lock(id)
        defer { unlock(id) }
        var attempt = 0
        while true {
            attempt += 1
            // First on the case as this engine last wrote it, without reading: the append's
            // expected version catches any write since. A refusal is confirmed on a fresh read.
            let cached = attempt == 1 ? states[id] : nil
            let state: CaseState
            let definition: ProcessDefinition
            if let cached {
                state = cached
                definition = try await self.definition(hash: cached.definition)
            } else {
                do {
                    (state, definition) = try await load(id, erasing: erasing)
                } catch let refusal as CommandRefused {
                    // An id used before for another case is named as such, not as an unknown case.
                    if let commandID, let applied = try await applied(commandID, on: id) { return applied }
                    throw refusal
                }
            }
            if let ifRevision, state.revision != ifRevision {
                // The cached state may lag behind another writer: only a fresh read decides.
                if cached != nil { continue }
                throw StaleCaseVersion(case: id, expected: ifRevision, actual: state.revision)
            }
            let calendar = try calendar(for: definition)
            let otherVersions = erasing ? try await self.otherVersions(of: state) : []
            let events: [CaseEvent]
            do {
                events = try CaseDecider.decide(
                    command, state: state, definition: definition, today: today(in: calendar), calendar: calendar,
                    otherVersions: otherVersions, actor: actor.id)
            } catch is CommandRefused where cached != nil {
                continue
            } catch let refusal as CommandRefused {
                // A command that ran before may no longer be possible: it reports what it did.
                if let commandID, let applied = try await applied(commandID, on: id) { return applied }
                throw refusal
            }
            if events.isEmpty && cached != nil { continue }
            if events.isEmpty {
                if let commandID, let applied = try await applied(commandID, on: id) { return applied }
                return CaseOutcome(
                    state: state, events: [],
                    append: AppendResult(stream: id, firstPosition: 0, lastPosition: 0, version: state.version))
            }
            // Stored only once the migration is allowed, so that a refused one leaves no trace.
            var personal = definition.personalFields
            if case .migrate(let target) = command {
                try await store.store(target)
                personal.formUnion(target.personalFields)
            }
            do {
                return try await append(
                    events, to: state, personal: personal, expected: .exact(state.version), by: actor, commandID: commandID)
            } catch let conflict as VersionConflict where attempt < Self.maximumAttempts {
                // Another writer got there first: decide again on what it wrote.
                logger.debug("retrying after a concurrent write", metadata: ["case.id": "\(id)", "conflict": "\(conflict)"])
                if cached == nil { try await Task.sleep(for: .milliseconds(Int.random(in: 0...min(attempt, 10)))) }
            }
        }
    }

    /// What the command `commandID` did when it ran before on case `id`, with the case as
    /// it is now; nil when no command ran with that id. (A command that is still possible
    /// needs no such read first: its append finds the id in the same transaction and
    /// writes nothing.)
    ///
    /// - Throws: ``EventStoreError`` with code `.commandReused` when the id was used for another case.
    private func applied(_ commandID: String, on id: StreamID) async throws -> CaseOutcome? {
        guard let applied = try await store.appliedCommand(commandID) else { return nil }
        guard applied.stream == id else {
            throw EventStoreError(
                .commandReused,
                "Command id '\(commandID)' was already used for stream '\(applied.stream)' and cannot be reused for stream '\(id)'.")
        }
        return CaseOutcome(state: try await load(id).0, events: [], append: applied)
    }

    /// Refuses ids that break ``Identifier``'s rule: a new case's id, the actor's and
    /// organisation's, and the worker and party ids a command names. (Existing cases are
    /// looked up by whatever id they were stored under.)
    static func checkIdentifiers(case caseID: StreamID?, actor: Acting, command: CaseCommand) throws {
        if let caseID {
            try Identifier.check(caseID.rawValue, as: "case id")
        }
        try Identifier.check(actor.id, as: "actor id")
        if let organisation = actor.organisation { try Identifier.check(organisation, as: "organisation id") }
        switch command {
        case .open(_, let worker?, _), .handOver(let worker):
            // A blank worker is the decider's to refuse ("must name the worker").
            if !worker.trimmingCharacters(in: .whitespaces).isEmpty { try Identifier.check(worker, as: "worker id") }
        case .giveConsent(let parties):
            for party in parties { try Identifier.check(party, as: "party id") }
        case .disclose(let party, _):
            try Identifier.check(party, as: "party id")
        case .complete(let task, _), .claim(let task), .unclaim(let task):
            try Identifier.check(task, as: "task id")
        default:
            break
        }
    }

    /// How many times a command is decided again after losing to another writer.
    static let maximumAttempts = 50

    private var busyCases: Set<StreamID> = []
    private var waiting: [StreamID: [CheckedContinuation<Void, Never>]] = [:]

    private func lock(_ id: StreamID) async {
        if busyCases.insert(id).inserted { return }
        await withCheckedContinuation { waiting[id, default: []].append($0) }
    }

    private func unlock(_ id: StreamID) {
        if var queue = waiting[id], !queue.isEmpty {
            // Handed straight to the next command: the case stays busy.
            let next = queue.removeFirst()
            waiting[id] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busyCases.remove(id)
        }
    }

    /// The case `id` and the definition it follows.
    ///
    /// - Throws: ``CommandRefused`` with code `.unknownCase` when there is no such case.
    public func load(_ id: StreamID) async throws -> (CaseState, ProcessDefinition) {
        try await load(id, erasing: false)
    }

    /// The other stored versions of the process `state` follows (an erasure names the
    /// personal fields of each).
    private func otherVersions(of state: CaseState) async throws -> [ProcessDefinition] {
        var versions: [ProcessDefinition] = []
        for hash in try await store.definitionHashes(process: state.process) where hash != state.definition {
            versions.append(try await definition(hash: hash))
        }
        return versions
    }

    /// The case `id` and its definition; for an erasure (`erasing`), also when its key is
    /// gone without a recorded erasure: its sealed values then read as absent, and the
    /// state is not kept for other commands.
    private func load(_ id: StreamID, erasing: Bool) async throws -> (CaseState, ProcessDefinition) {
        // A system stream ($tokens, $security, $overrides, …) is never a case: it does not
        // exist, exactly as an unknown id, whatever events it holds.
        guard !id.isSystemStream else {
            throw CommandRefused(.unknownCase, "Case \(Identifier.escaped(id.rawValue)) does not exist.")
        }
        // The log is append-only: a state folded before stays true, and only the events
        // after it (written by this engine or any other writer) need reading.
        var state = states[id] ?? CaseState(id: id)
        // A case this engine folds for the first time most likely holds sealed values:
        // its key is read beside its events, not after them (a read of its own either way).
        let store = store
        let cold = state.version == 0
        // Only a cold load starts the read (a child task costs more than a warm load's work).
        let prefetch: Task<SymmetricKey?, any Error>? =
            cold ? Task.detached(priority: Task.currentPriority) { try await store.caseKey(for: id) } : nil
        defer { prefetch?.cancel() }
        var caseKey: SymmetricKey??
        var sealedWithoutKey = false
        let events = try await store.eventLog.events(of: id, fromVersion: state.version + 1)
        // By index: each event is read in place (a for-in loop copies every event out of the array).
        for index in events.indices {
            if var caseEvent = try CaseEvent(events[index]) {
                if PersonalDataSealer.isSealed(caseEvent) {
                    // Erased: no key, and the personal values read as absent.
                    if caseKey == nil {
                        if let prefetch { caseKey = .some(try await prefetch.value) } else { caseKey = .some(try await store.caseKey(for: id)) }
                    }
                    if case .some(.none) = caseKey { sealedWithoutKey = true }
                    caseEvent = try PersonalDataSealer.unseal(caseEvent, caseID: id, key: caseKey ?? nil)
                }
                state.apply(caseEvent)
            } else {
                state.version = events[index].version
            }
        }
        guard state.exists else {
            throw CommandRefused(.unknownCase, "Case \(Identifier.escaped(id.rawValue)) does not exist.")
        }
        // Without a recorded erasure, a missing key is damage, not shredding: going on
        // would recompute the case without its values and seal new ones under a new key.
        if sealedWithoutKey && state.erased == nil {
            guard erasing else { throw PrivacyError.missingCaseKey(id) }
        } else {
            remember(state)
        }
        return (state, try await definition(hash: state.definition))
    }

    /// The case `id` loaded for a person to see, `purpose` saying why: like ``load(_:)``,
    /// and the read is recorded in the case's stream as a ``PersonalDataRead`` naming the
    /// fields whose values it returned (see ``WorkflowDatabase/recordAccess(case:purpose:fields:by:)``).
    /// ``load(_:)`` itself records nothing: the engine processing a command is not a read.
    ///
    /// - Throws: ``CommandRefused`` with code `.unknownCase` when there is no such case.
    public func read(
        _ id: StreamID, purpose: String, by actor: Acting
    ) async throws -> (CaseState, ProcessDefinition) {
        let (state, definition) = try await load(id)
        try await store.recordAccess(case: id, purpose: purpose, fields: state.fields.keys, by: actor)
        return (state, definition)
    }

    /// Recently used cases, as folded so far.
    private var states: [StreamID: CaseState] = [:]
    /// How many folded cases the engine keeps before it starts again.
    static let cachedCases = 4096

    private func remember(_ state: CaseState) {
        if states[state.id] == nil && states.count >= Self.cachedCases { states.removeAll(keepingCapacity: true) }
        states[state.id] = state
    }

    /// Why `task` of case `id` is due when it is: each rule, anchor date and calendar.
    ///
    /// - Throws: ``CommandRefused`` for an unknown case or task; ``UnknownCalendar`` when
    ///   the engine's calendars lack the process's.
    public func explain(task: String, of id: StreamID) async throws -> TaskSchedule {
        let (state, definition) = try await load(id)
        guard let (taskDefinition, _) = definition.task(task) else {
            throw CommandRefused(.unknownTask, "Process '\(definition.id)' has no task '\(task)'.")
        }
        let calendar = try calendar(for: definition)
        var schedule = definition.schedule(of: taskDefinition, in: state.evaluationContext(today: today(in: calendar), calendar: calendar))
        if let open = state.openTask(task), open.occurrence > 1 {
            schedule.due = open.due
            schedule.explanation.append("due: occurrence \(open.occurrence) of a repeating task, \(open.due?.description ?? "none").")
        }
        schedule.explanation.append("calendar: \(calendar.id)")
        return schedule
    }

    /// The definition stored under `hash`.
    ///
    /// - Throws: ``CommandRefused`` with code `.unknownProcess` when no definition is
    ///   stored under `hash`.
    public func definition(hash: String) async throws -> ProcessDefinition {
        if let cached = definitions[hash] { return cached }
        guard let stored = try await store.definition(hash: hash) else {
            throw CommandRefused(.unknownProcess, "The definition '\(hash)' is not stored in this database.")
        }
        definitions[hash] = stored
        return stored
    }

    /// Today in `calendar`'s time zone, from the injected clock.
    public nonisolated func today(in calendar: any BusinessCalendar) -> LocalDate {
        calendar.localDate(at: Date(timeIntervalSince1970: Double(now()) / 1000))
    }

    /// The calendar of `definition`'s process, from the engine's registry.
    ///
    /// - Throws: ``UnknownCalendar`` when the registry does not hold it.
    nonisolated func calendar(for definition: ProcessDefinition) throws(UnknownCalendar) -> any BusinessCalendar {
        try definition.calendar(in: calendars)
    }

    /// Appends `events`, their `personal` field values sealed with the case's key.
    private func append(
        _ events: [CaseEvent], to state: CaseState, personal: Set<String>, expected: ExpectedVersion, by actor: Acting,
        commandID: String?
    ) async throws -> CaseOutcome {
        let metadata = EventMetadata(
            actor: actor.id, organisation: actor.organisation, role: actor.role, correlationID: commandID,
            commandID: commandID)
        let sealer = PersonalDataSealer(personal: personal)
        var stored = events
        var keyChange: CaseKeyChange?
        if events.contains(where: { if case .caseErased = $0 { true } else { false } }) {
            // Crypto-shredding: the key goes in the erasure's own transaction.
            keyChange = .shred
        } else if events.contains(where: sealer.needsKey) {
            // A case gets its key with its first personal value. The decider refuses an
            // erased case, and the expected version guards against an erasure since.
            let existing = try await store.caseKey(for: state.id)
            let key = existing ?? SymmetricKey(size: .bits256)
            stored = try events.map { try sealer.seal($0, caseID: state.id, key: key) }
            if existing == nil { keyChange = .create(key) }
        }
        let result = try await store.appendCaseEvents(
            stored, encoded: try stored.map { try $0.newEvent() }, to: state.id, expected: expected, metadata: metadata,
            key: keyChange)
        if result.wasAlreadyApplied {
            // The command ran before: report the case as it is, nothing new was written.
            return CaseOutcome(state: try await load(state.id).0, events: [], append: result)
        }
        var next = state
        for event in events { next.apply(event) }
        if next.version == result.version { remember(next) }
        // Debug: an embedder logging at info should not get a line for every command.
        logger.debug(
            "case updated",
            metadata: ["case.id": "\(state.id)", "events": "\(events.map(\.typeName).joined(separator: ","))", "version": "\(result.version)"])
        return CaseOutcome(state: next, events: events, append: result)
    }
}
