/// What a worker asks of a case.
public enum CaseCommand: Sendable, Hashable {
    /// Open the case with its first field values. `legalBasis` overrides the process's
    /// (the statutory duty the case's data is processed under; not the client's consent).
    case open(fields: [String: ExpressionValue], responsibleWorker: String?, legalBasis: String? = nil)
    /// Record or correct field values; `cleared` removes values.
    case record(values: [String: ExpressionValue], cleared: [String] = [])
    /// Mark an open task done, with the outcome values it records.
    case complete(task: String, outcomes: [String: ExpressionValue] = [:])
    /// Take an open task on: the acting worker claims it, so that the other holders of
    /// its role see who is doing it. Refused while someone else holds the claim.
    case claim(task: String)
    /// Give a claimed task back to its role; only its claimer may.
    case unclaim(task: String)
    /// Say that a named event of the process happened.
    case fire(event: String)
    /// Record the client's written consent naming the parties that may be involved.
    case giveConsent(parties: [String])
    /// Record that the client withdrew consent.
    case withdrawConsent
    /// Disclose case information to a party (invitation, advance information, memo).
    case disclose(party: String, purpose: String)
    /// Pass responsibility to another worker.
    case handOver(to: String)
    /// Close the case.
    case close(reason: String)
    /// Reopen a closed case (e.g. the client came back): it goes back to the state its
    /// final state names in `reopen:`, with its history, fields and consent as they were.
    case reopen(reason: String)
    /// Move the case to another version of its definition.
    case migrate(to: ProcessDefinition)
    /// Destroy the case's personal data for good (crypto-shredding): ``CaseErased``
    /// names the fields marked personal, and the engine deletes the case's key in the
    /// same transaction. Allowed on an open or a closed case; refused once it was erased.
    /// `reason` (e.g. the retention period ended) is recorded, so never personal data.
    case erase(reason: String)

    /// The command's name, as the command line spells it.
    public var name: String {
        switch self {
        case .open: "open"
        case .record: "record"
        case .complete: "complete"
        case .claim: "claim"
        case .unclaim: "unclaim"
        case .fire: "fire"
        case .giveConsent: "consent"
        case .withdrawConsent: "withdraw consent"
        case .disclose: "disclose"
        case .handOver: "handover"
        case .close: "close"
        case .reopen: "reopen"
        case .migrate: "migrate"
        case .erase: "erase"
        }
    }
}

/// A command the case's process or state does not allow. Nothing was appended.
public struct CommandRefused: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal, to match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case notAllowedInState, unknownCase, alreadyOpen, closed, invalidValue, unknownTask, noConsent,
                migrationImpossible, unknownProcess, erased, invalidIdentifier, effectiveTimeTooEarly, claimed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let notAllowedInState = Code(.notAllowedInState)
        public static let unknownCase = Code(.unknownCase)
        public static let alreadyOpen = Code(.alreadyOpen)
        public static let closed = Code(.closed)
        public static let invalidValue = Code(.invalidValue)
        public static let unknownTask = Code(.unknownTask)
        public static let noConsent = Code(.noConsent)
        public static let migrationImpossible = Code(.migrationImpossible)
        public static let unknownProcess = Code(.unknownProcess)
        /// The case's personal data was erased: it takes no more commands.
        public static let erased = Code(.erased)
        /// An id (case, task, party, actor) breaks ``Identifier``'s rule.
        public static let invalidIdentifier = Code(.invalidIdentifier)
        /// The command's time is earlier than the case's last event.
        public static let effectiveTimeTooEarly = Code(.effectiveTimeTooEarly)
        /// The task is claimed by another worker (or, to unclaim, not by the one asking).
        public static let claimed = Code(.claimed)
        public var description: String { value.rawValue }
    }

    public var code: Code
    /// A full sentence: what was refused, in which state, and what is allowed there.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
