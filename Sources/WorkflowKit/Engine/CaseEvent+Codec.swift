import Foundation

extension CaseEvent {
    /// The schema version of every case event type today.
    public static let schemaVersion = 1

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The event as the log stores it.
    public func newEvent() throws -> NewEvent {
        NewEvent(type: typeName, schemaVersion: Self.schemaVersion, payload: try fastPayload() ?? foundationPayload())
    }

    /// The payload as `JSONEncoder` writes it (``fastPayload()`` writes the same bytes
    /// for the shapes it takes).
    func foundationPayload() throws -> Data {
        let payload: Data
        switch self {
        case .opened(let body): payload = try Self.encoder.encode(body)
        case .fieldsRecorded(let body): payload = try Self.encoder.encode(body)
        case .stateEntered(let body): payload = try Self.encoder.encode(body)
        case .taskOpened(let body): payload = try Self.encoder.encode(body)
        case .taskRescheduled(let body): payload = try Self.encoder.encode(body)
        case .taskCompleted(let body): payload = try Self.encoder.encode(body)
        case .taskCancelled(let body): payload = try Self.encoder.encode(body)
        case .taskSuspended(let body): payload = try Self.encoder.encode(body)
        case .taskResumed(let body): payload = try Self.encoder.encode(body)
        case .taskClaimed(let body): payload = try Self.encoder.encode(body)
        case .taskUnclaimed(let body): payload = try Self.encoder.encode(body)
        case .eventOccurred(let body): payload = try Self.encoder.encode(body)
        case .consentGiven(let body): payload = try Self.encoder.encode(body)
        case .consentWithdrawn(let body): payload = try Self.encoder.encode(body)
        case .informationDisclosed(let body): payload = try Self.encoder.encode(body)
        case .responsibilityHandedOver(let body): payload = try Self.encoder.encode(body)
        case .caseClosed(let body): payload = try Self.encoder.encode(body)
        case .caseMigrated(let body): payload = try Self.encoder.encode(body)
        case .caseErased(let body): payload = try Self.encoder.encode(body)
        case .caseReopened(let body): payload = try Self.encoder.encode(body)
        }
        return payload
    }

    /// Reads a stored event back; nil for a type that is not a case event.
    ///
    /// - Throws: ``EventStoreError`` with code `.undecodable`, naming the event's stream,
    ///   version and position, when the payload does not fit its type.
    public init?(_ event: RecordedEvent) throws {
        do {
            guard let decoded = try Self.decoded(event) else { return nil }
            self = decoded
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw event.undecodable(error)
        }
    }

    private static func decoded(_ event: RecordedEvent) throws -> CaseEvent? {
        // Other events (a reminder's record, the access log's) are not parsed at all.
        guard typeNames.contains(event.type) else { return nil }
        if let fast = fastDecoded(type: event.type, payload: event.payload) { return fast }
        return try foundationDecoded(type: event.type, payload: event.payload)
    }

    /// The stored types of case events: those ``foundationDecoded(type:payload:)`` reads.
    static let typeNames: Set<String> = [
        "CaseOpened", "FieldsRecorded", "StateEntered", "TaskOpened", "TaskRescheduled", "TaskCompleted", "TaskCancelled",
        "TaskSuspended", "TaskResumed", "TaskClaimed", "TaskUnclaimed", "EventOccurred", "ConsentGiven", "ConsentWithdrawn",
        "InformationDisclosed", "ResponsibilityHandedOver", "CaseClosed", "CaseMigrated", "CaseErased", "CaseReopened",
    ]

    /// The event `JSONDecoder` reads from `data` (``fastDecoded(type:payload:)`` reads the
    /// same for the shapes it takes); nil for a type that is not a case event.
    static func foundationDecoded(type: String, payload data: Data) throws -> CaseEvent? {
        let decoder = JSONDecoder()
        switch type {
        case "CaseOpened": return .opened(try decoder.decode(CaseOpened.self, from: data))
        case "FieldsRecorded": return .fieldsRecorded(try decoder.decode(FieldsRecorded.self, from: data))
        case "StateEntered": return .stateEntered(try decoder.decode(StateEntered.self, from: data))
        case "TaskOpened": return .taskOpened(try decoder.decode(TaskOpened.self, from: data))
        case "TaskRescheduled": return .taskRescheduled(try decoder.decode(TaskRescheduled.self, from: data))
        case "TaskCompleted": return .taskCompleted(try decoder.decode(TaskCompleted.self, from: data))
        case "TaskCancelled": return .taskCancelled(try decoder.decode(TaskCancelled.self, from: data))
        case "TaskSuspended": return .taskSuspended(try decoder.decode(TaskSuspended.self, from: data))
        case "TaskResumed": return .taskResumed(try decoder.decode(TaskResumed.self, from: data))
        case "TaskClaimed": return .taskClaimed(try decoder.decode(TaskClaimed.self, from: data))
        case "TaskUnclaimed": return .taskUnclaimed(try decoder.decode(TaskUnclaimed.self, from: data))
        case "EventOccurred": return .eventOccurred(try decoder.decode(EventOccurred.self, from: data))
        case "ConsentGiven": return .consentGiven(try decoder.decode(ConsentGiven.self, from: data))
        case "ConsentWithdrawn": return .consentWithdrawn(try decoder.decode(ConsentWithdrawn.self, from: data))
        case "InformationDisclosed": return .informationDisclosed(try decoder.decode(InformationDisclosed.self, from: data))
        case "ResponsibilityHandedOver":
            return .responsibilityHandedOver(try decoder.decode(ResponsibilityHandedOver.self, from: data))
        case "CaseClosed": return .caseClosed(try decoder.decode(CaseClosed.self, from: data))
        case "CaseMigrated": return .caseMigrated(try decoder.decode(CaseMigrated.self, from: data))
        case "CaseErased": return .caseErased(try decoder.decode(CaseErased.self, from: data))
        case "CaseReopened": return .caseReopened(try decoder.decode(CaseReopened.self, from: data))
        default: return nil
        }
    }
}
