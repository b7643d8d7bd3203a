import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Processes
import WorkflowKit

extension APIServer {
    func addRoutes(to router: Router<APIContext>) {
        // Operations: no sign-in, no case data.
        router.get("/healthz") { _, _ in try Self.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do {
                _ = try await database.eventLog.lastPosition()
                return try Self.json(["status": "ready"])
            } catch {
                return try Self.json(["status": "unavailable", "detail": "The event log cannot be read."], status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, _ in
            let text = try await metrics.exposition(now: now())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let data = FileManager.default.contents(atPath: url.path) else {
                throw Problem.notFound("The OpenAPI document is not installed with this build.")
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }

        let v1 = router.group("v1")
        v1.get("me") { request, _ in
            let guardian = try await signIn(request)
            let principal = guardian.principal
            return try Self.json([
                "actor": guardian.actor.id, "organisation": principal?.organisation ?? NSNull(),
                "roles": (principal?.roles.sorted() ?? []) as Any, "processes": principal?.processes.map { $0.sorted() as Any } ?? NSNull(),
                "accessControl": guardian.policy.directory.isEnforced,
            ])
        }
        addCaseRoutes(to: v1)
        addCommandRoutes(to: v1)
        addTaskRoutes(to: v1)
        addProcessRoutes(to: v1)
        addMeetingRoutes(to: v1)
    }

    // MARK: Cases

    func addCaseRoutes(to v1: RouterGroup<APIContext>) {
        v1.get("cases") { request, _ in
            let guardian = try await signIn(request)
            let query = try ListQuery(request)
            let process = try query.text("process")
            let includeClosed = try query.flag("closed") ?? true
            let all = try await database.cases(process: process, includeClosed: includeClosed)
            var visible: [CaseSummary] = []
            if guardian.policy.directory.isEnforced {
                for summary in all where try await guardian.canSee(engine.load(summary.id).0) { visible.append(summary) }
            } else {
                visible = all
            }
            if let state = try query.text("state") { visible.removeAll { $0.state != state } }
            let page = try query.page(visible.sorted { $0.id.rawValue < $1.id.rawValue }, key: { $0.id.rawValue })
            return try Self.cachedJSON(
                ["cases": page.items.map(Self.caseSummaryJSON), "next": page.next ?? NSNull()] as [String: Any], request: request)
        }

        v1.get("cases/:case") { request, context in
            let guardian = try await signIn(request)
            let id = try context.pathParameter("case")
            let purpose = try Self.purpose(try ListQuery(request), default: "api: read")
            let (state, _) = try await visibleCase(id, for: "show", by: guardian)
            if let match = request.headers[.ifNoneMatch], match == Self.etag(state.revision) {
                // Nothing new to read: no personal value leaves, so no read is recorded.
                return Response(status: .notModified, headers: [.eTag: Self.etag(state.revision)])
            }
            let (read, _) = try await engine.read(
                StreamID(rawValue: id), purpose: purpose, by: guardian.actor, underOverride: guardian.override(for: state))
            return try Self.json(Self.caseJSON(read), headers: [.eTag: Self.etag(read.revision)])
        }

        v1.get("cases/:case/history") { request, context in
            let guardian = try await signIn(request)
            let id = try context.pathParameter("case")
            _ = try await visibleCase(id, for: "history", by: guardian)
            var rows: [[String: Any]] = []
            for try await event in database.eventLog.read(stream: StreamID(rawValue: id)) {
                rows.append([
                    "position": event.position, "version": event.version, "type": event.type,
                    "recordedAt": Self.iso(event.recordedAt), "actor": event.metadata.actor ?? NSNull(),
                    "organisation": event.metadata.organisation ?? NSNull(),
                ])
            }
            return try Self.json(["case": id, "events": rows] as [String: Any])
        }

        v1.get("cases/:case/access-log") { request, context in
            let guardian = try await signIn(request)
            let id = try context.pathParameter("case")
            _ = try await visibleCase(id, for: "access-log", by: guardian)
            let log = try await database.accessLog(case: StreamID(rawValue: id))
            return try Self.json([
                "case": id, "legalBasis": log.legalBasis ?? NSNull(),
                "consent": log.consent.map { ["on": $0.on.description, "parties": $0.parties] as [String: Any] },
                "reads": log.reads.map {
                    [
                        "position": $0.position, "at": Self.iso($0.at), "actor": $0.actor ?? NSNull(),
                        "organisation": $0.organisation ?? NSNull(), "purpose": $0.purpose, "fields": $0.fields,
                    ] as [String: Any]
                },
                "disclosures": log.disclosures.map {
                    ["position": $0.position, "at": Self.iso($0.at), "actor": $0.actor ?? NSNull(), "party": $0.party, "purpose": $0.purpose, "on": $0.on.description]
                        as [String: Any]
                },
            ] as [String: Any])
        }

        v1.get("cases/:case/tasks/:task/explanation") { request, context in
            let guardian = try await signIn(request)
            let id = try context.pathParameter("case")
            let task = try context.pathParameter("task")
            let purpose = try Self.purpose(try ListQuery(request), default: "api: explain")
            let (state, _) = try await visibleCase(id, for: "explain", by: guardian)
            let schedule = try await engine.explain(
                task: task, of: state.id, purpose: purpose, by: guardian.actor, underOverride: guardian.override(for: state))
            return try Self.json([
                "case": id, "task": schedule.taskID, "earliest": schedule.earliest?.description ?? NSNull(),
                "due": schedule.due?.description ?? NSNull(), "reminders": schedule.reminders.map(\.description),
                "escalations": schedule.escalations.map { ["role": $0.role, "on": $0.date.description] },
                "explanation": schedule.explanation,
            ] as [String: Any])
        }
    }

    /// The longest `purpose` of a read or a disclosure, in characters: a purpose is a
    /// short reason, kept whole in the case's access log.
    static let maximumPurposeLength = 200

    /// The `purpose` query parameter, checked: at most ``maximumPurposeLength`` characters.
    static func purpose(_ query: ListQuery, default fallback: String) throws -> String {
        guard let purpose = try query.text("purpose") else { return fallback }
        return try checkedPurpose(purpose, field: "purpose")
    }

    /// A purpose as given, or `422` naming `field` when it is too long.
    static func checkedPurpose(_ purpose: String, field: String) throws -> String {
        guard purpose.count <= maximumPurposeLength else {
            throw Problem.invalid(
                "'\(field)' must be at most \(maximumPurposeLength) characters long (it has \(purpose.count)): say why in a short sentence.",
                field: field)
        }
        return purpose
    }

    // MARK: Tasks

    func addTaskRoutes(to v1: RouterGroup<APIContext>) {
        v1.get("tasks") { request, _ in
            let guardian = try await signIn(request)
            let query = try ListQuery(request)
            var taskQuery = TaskQuery()
            taskQuery.role = try query.text("role")
            taskQuery.process = try query.text("process")
            taskQuery.dueBefore = try query.date("dueBefore")
            if try query.flag("overdue") == true {
                taskQuery.overdueOn = Self.today(now())
            }
            let mine = try query.flag("mine") ?? false
            let tasks = try await visibleTasks(try await database.tasks(taskQuery), guardian: guardian, mine: mine)
            let page = try query.page(tasks, key: Self.taskKey)
            let position = try await database.eventLog.lastPosition()
            return try Self.cachedJSON(
                ["tasks": page.items.map(Self.taskJSON), "next": page.next ?? NSNull(), "position": position] as [String: Any],
                request: request)
        }

        // Long poll: answers as soon as a case the caller may see changed after `after` (a
        // log position), or after `wait` seconds (at most 60) with no changes.
        v1.get("tasks/changes") { request, _ in
            let guardian = try await signIn(request)
            let query = try ListQuery(request)
            guard let after = try query.integer("after").map(Int64.init) else {
                throw Problem.invalid("'after' is needed: the 'position' of the last task list or change you read.", field: "after")
            }
            let wait = min(try query.integer("wait") ?? 30, 60)
            let changes = try await firstVisibleChange(after: after, within: .seconds(wait), guardian: guardian)
            return try Self.json(
                ["position": changes.position, "changedCases": changes.cases, "tasks": changes.tasks.map(Self.taskJSON)] as [String: Any])
        }
    }

    /// What changed after `after` that `guardian` may see: the cases, their tasks, and the
    /// log position read up to.
    struct VisibleChanges: Sendable {
        var position: Int64
        var cases: [String] = []
        var tasks: [OpenTaskSummary] = []
    }

    /// Waits, at most `limit`, for the first change after `after` that `guardian` may see,
    /// and answers every such change up to the log's end then.
    ///
    /// It follows the log (``EventStore/follow(after:)``): an append of this process wakes
    /// it at once (PostgreSQL's `LISTEN`/`NOTIFY` wakes it for other processes too; on
    /// SQLite another process's append is found at the store's poll interval), and each
    /// wake-up reads only the events after the last one read, never the log from the start.
    func firstVisibleChange(after: Int64, within limit: Duration, guardian: AccessGuard) async throws -> VisibleChanges {
        let log = database.eventLog
        let changed: Bool = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for try await event in log.follow(after: after) where Self.isCaseChange(event) {
                    if try await self.visibleChange(of: event.stream, guardian: guardian) != nil { return true }
                }
                return false
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        let head = try await log.lastPosition()
        guard changed, head > after else { return VisibleChanges(position: max(head, after)) }
        var streams: Set<StreamID> = []
        for try await event in log.readAll(after: after) where Self.isCaseChange(event) {
            if event.position > head { break }
            streams.insert(event.stream)
        }
        var changes = VisibleChanges(position: head)
        for id in streams.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let tasks = try await visibleChange(of: id, guardian: guardian) else { continue }
            changes.cases.append(id.rawValue)
            changes.tasks.append(contentsOf: tasks)
        }
        return changes
    }

    /// Whether `event` changed a case (a read recorded in its access log did not).
    static func isCaseChange(_ event: RecordedEvent) -> Bool {
        !event.stream.isSystemStream && event.type != PersonalDataRead.typeName
    }

    /// The tasks of case `id` the caller may see, when the caller sees the case or one of
    /// its tasks; else nil.
    func visibleChange(of id: StreamID, guardian: AccessGuard) async throws -> [OpenTaskSummary]? {
        let tasks = try await visibleTasks(try await database.tasks(TaskQuery(caseID: id)), guardian: guardian, mine: false)
        let seen = (try? await engine.load(id)).map { guardian.canSee($0.0) } ?? false
        return seen || !tasks.isEmpty ? tasks : nil
    }

    /// The tasks the caller may see: of cases they see, and of roles they hold.
    func visibleTasks(_ tasks: [OpenTaskSummary], guardian: AccessGuard, mine: Bool) async throws -> [OpenTaskSummary] {
        if !guardian.policy.directory.isEnforced && !mine { return tasks.sorted(by: Self.taskOrder) }
        var result: [OpenTaskSummary] = []
        var sight: [StreamID: (seen: Bool, worker: String?)] = [:]
        for task in tasks {
            if sight[task.caseID] == nil {
                let state = try await engine.load(task.caseID).0
                sight[task.caseID] = (guardian.canSee(state), state.responsibleWorker)
            }
            let (seen, worker) = sight[task.caseID]!
            let holds = guardian.principal?.holds(task.role, in: task.process) ?? !guardian.policy.directory.isEnforced
            guard seen || guardian.maySeeTask(role: task.role, process: task.process) else { continue }
            if mine {
                let isMine = task.role == AccessPolicy.responsibleRole ? worker == guardian.actor.id : holds
                guard isMine else { continue }
            }
            result.append(task)
        }
        return result.sorted(by: Self.taskOrder)
    }

    /// The order of ``taskKey(_:)``, without building the keys: a list of a thousand
    /// tasks is sorted with some ten thousand comparisons.
    static func taskOrder(_ a: OpenTaskSummary, _ b: OpenTaskSummary) -> Bool {
        switch (a.due, b.due) {
        case (let x?, let y?) where x != y: return x < y
        case (nil, _?): return LocalDate(year: 9999, month: 12, day: 31)! < b.due!
        case (_?, nil): return a.due! < LocalDate(year: 9999, month: 12, day: 31)!
        default: break
        }
        if a.caseID.rawValue != b.caseID.rawValue { return a.caseID.rawValue < b.caseID.rawValue }
        if a.task != b.task { return a.task < b.task }
        return String(a.occurrence) < String(b.occurrence)
    }

    static func taskKey(_ task: OpenTaskSummary) -> String {
        "\(task.due?.description ?? "9999-12-31")|\(task.caseID.rawValue)|\(task.task)|\(task.occurrence)"
    }

    // MARK: Processes

    func addProcessRoutes(to v1: RouterGroup<APIContext>) {
        v1.get("processes") { request, _ in
            _ = try await signIn(request)
            return try Self.cachedJSON(
                ["processes": catalog.processes.map { loaded -> [String: Any] in
                    [
                        "id": loaded.definition.id, "title": loaded.definition.title, "version": loaded.definition.contentHash,
                        "calendar": loaded.definition.calendar,
                    ]
                }] as [String: Any], request: request)
        }

        v1.get("processes/:process") { request, context in
            _ = try await signIn(request)
            let id = try context.pathParameter("process")
            guard let loaded = catalog.process(id: id) else { throw Problem.notFound("There is no process '\(id)'.") }
            let definition = loaded.definition
            return try Self.cachedJSON([
                "id": definition.id, "title": definition.title, "version": definition.contentHash, "calendar": definition.calendar,
                "states": definition.states.map(\.id),
                "tasks": definition.states.flatMap(\.tasks).map { ["id": $0.id, "title": $0.title, "role": $0.role] },
                "fields": definition.fields.map { ["id": $0.id, "type": $0.type.rawValue, "personal": $0.personal] as [String: Any] },
            ] as [String: Any], request: request)
        }

        // Validates a process file sent as the body (YAML): diagnostics with line and column.
        v1.post("processes/validation") { request, context in
            let guardian = try await signIn(request)
            var request = request
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) else {
                throw Problem.badRequest("The process file must be UTF-8 text.", field: "body")
            }
            let name = (try ListQuery(request).text("name")) ?? "process.yaml"
            let check = try await checkProcessFile(text, name: name, guardian: guardian)
            let library = check.library
            let diagnostics = library.diagnostics.map { diagnostic -> [String: Any] in
                [
                    "severity": diagnostic.severity.rawValue, "message": diagnostic.message, "file": diagnostic.file,
                    "line": diagnostic.line, "column": diagnostic.column, "text": diagnostic.description,
                ]
            }
            let loaded = check.loaded
            var impact: Any = NSNull()
            if let found = check.impact {
                impact = [
                    "newVersion": found.newVersion,
                    "versions": found.versions.map { diff -> [String: Any] in
                        ["oldVersion": diff.oldVersion, "changes": diff.changes.map(\.description)]
                    },
                    "cases": found.cases.map { effect -> [String: Any] in
                        [
                            "case": effect.caseID.rawValue, "state": effect.state, "fromVersion": effect.fromVersion,
                            "canMigrate": effect.canMigrate, "refusal": effect.refusal ?? NSNull(), "affected": effect.isAffected,
                            "tasksNotOpened": effect.tasksNotOpened, "taskChanges": effect.taskChanges.map(\.description),
                            "cadenceChanges": effect.cadenceChanges.map(\.description),
                        ]
                    },
                ] as [String: Any]
            }
            return try Self.json([
                "valid": library.isValid && !library.processes.isEmpty, "process": loaded?.definition.id ?? NSNull(),
                "diagnostics": diagnostics, "impact": impact,
                "examples": library.exampleResults.map {
                    ["name": $0.name, "passed": $0.passed, "failures": $0.failures, "line": $0.location.line, "column": $0.location.column]
                        as [String: Any]
                },
            ] as [String: Any])
        }
    }

    /// A process file checked without saving anything: its diagnostics, its examples, and
    /// its impact on the open cases of its process that `guardian` may see.
    struct ProcessFileCheck: Sendable {
        struct Impact: Sendable {
            var newVersion: String
            /// What changed from each version open cases follow now.
            var versions: [ProcessDiff]
            var cases: [MigrationImpact]
        }
        var library: ProcessLibrary
        var loaded: LoadedProcess?
        var impact: Impact?
    }

    func checkProcessFile(_ text: String, name: String, guardian: AccessGuard) async throws -> ProcessFileCheck {
        let library = ProcessLoader().load(sources: [ProcessLoader.Source(file: name, text: text)])
        let loaded = library.processes.first ?? library.processesFailingOnlyExamples.first
        var impact: ProcessFileCheck.Impact?
        if let target = loaded?.definition, let calendar = target.makeCalendar() {
            let today = engine.today(in: calendar)
            var cases: [MigrationImpact] = []
            var running: [String: ProcessDefinition] = [:]
            for summary in try await database.cases(process: target.id, includeClosed: false) {
                let (state, current) = try await engine.load(summary.id)
                guard guardian.canSee(state) else { continue }
                running[current.contentHash] = current
                cases.append(MigrationImpact(of: state, following: current, to: target, today: today, calendar: calendar))
            }
            let versions = running.values.filter { $0.contentHash != target.contentHash }.sorted { $0.contentHash < $1.contentHash }
                .map { ProcessDiff(from: $0, to: target) }
            impact = .init(newVersion: target.contentHash, versions: versions, cases: cases)
        }
        return ProcessFileCheck(library: library, loaded: loaded, impact: impact)
    }

    // MARK: Shapes

    static func caseSummaryJSON(_ summary: CaseSummary) -> [String: Any] {
        [
            "case": summary.id.rawValue, "process": summary.process, "definition": summary.definition, "state": summary.state,
            "responsibleWorker": summary.responsibleWorker ?? NSNull(), "openedOn": summary.openedOn.description,
            "fastTrack": summary.fastTrack ?? NSNull(), "closedOn": summary.closedOn?.description ?? NSNull(),
            "erasedOn": summary.erasedOn?.description ?? NSNull(), "version": summary.version,
            "nextDue": summary.nextDue?.description ?? NSNull(), "openTasks": summary.openTasks,
        ]
    }

    static func caseJSON(_ state: CaseState) -> [String: Any] {
        var object: [String: Any] = [
            "case": state.id.rawValue, "process": state.process, "definition": state.definition, "state": state.state,
            "version": state.revision, "responsibleWorker": state.responsibleWorker ?? NSNull(),
            "fastTrack": state.fastTrack ?? NSNull(), "openedOn": state.openedOn?.description ?? NSNull(),
            "legalBasis": state.legalBasis ?? NSNull(), "consent": state.consent.map { $0.sorted() as Any } ?? NSNull(),
            "tasks": state.openTasks.map { task -> [String: Any] in
                [
                    "task": task.task, "role": task.role, "earliest": task.earliest?.description ?? NSNull(),
                    "due": task.due?.description ?? NSNull(), "occurrence": task.occurrence, "suspended": task.suspended,
                    "claimedBy": task.claimedBy ?? NSNull(),
                ]
            },
            "fields": state.fields.mapValues(Self.jsonValue), "closed": NSNull(), "erased": NSNull(),
        ]
        if let closed = state.closed { object["closed"] = ["reason": closed.reason, "on": closed.on.description] }
        if let erased = state.erased { object["erased"] = ["reason": erased.reason, "on": erased.on.description] }
        return object
    }

    static func taskJSON(_ task: OpenTaskSummary) -> [String: Any] {
        [
            "case": task.caseID.rawValue, "task": task.task, "process": task.process, "role": task.role,
            "earliest": task.earliest?.description ?? NSNull(), "due": task.due?.description ?? NSNull(),
            "occurrence": task.occurrence, "suspended": task.suspended, "claimedBy": task.claimedBy ?? NSNull(),
        ]
    }

    static func jsonValue(_ value: ExpressionValue) -> Any {
        switch value {
        case .number(let number): number
        case .bool(let bool): bool
        default: value.description
        }
    }

    static func iso(_ milliseconds: Int64) -> String { TimeText.iso(milliseconds) }

    /// Today in Finland (the processes' time zone), from the server's clock.
    static func today(_ milliseconds: Int64) -> LocalDate {
        FinnishCalendar().localDate(at: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
