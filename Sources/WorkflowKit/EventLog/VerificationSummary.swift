/// What a check of the log reports, as a surface shows it (`aso-engine verify --json`): the
/// walk of the chain and, when they were checked, the case keys. Missing members were not
/// found or not checked.
public struct VerificationSummary: Codable, Sendable, Hashable {
    /// Whether the log, and the case keys when checked, are intact.
    public var intact: Bool
    public var eventsChecked: Int64
    /// Whether the authentications were checked with the log's key (not only their presence).
    public var authenticationChecked: Bool
    public var firstBrokenPosition: Int64?
    public var problem: String?
    /// The head as `POSITION:HASH`, the form `verify --expect` takes.
    public var head: String?
    public var authenticatedFrom: Int64?
    public var authenticationRequiredFrom: Int64?
    /// How many case keys were unwrapped with the master key (0 without it).
    public var caseKeysChecked: Int?
    public var unreadableCaseKeys: [String]?
    public var missingCaseKeys: [String]?

    /// The summary of `report`; `intact` overrides the report's own verdict when more than
    /// the chain was checked.
    public init(report: VerificationReport, intact: Bool? = nil) {
        self.intact = intact ?? report.isIntact
        eventsChecked = report.eventsChecked
        authenticationChecked = report.authenticationChecked
        firstBrokenPosition = report.firstBrokenPosition
        problem = report.problem
        head = report.headAnchor?.description
        authenticatedFrom = report.authenticatedFrom
        authenticationRequiredFrom = report.authenticationRequiredFrom
    }

    /// Adds the check of the case keys: how many were unwrapped, and the cases whose key
    /// does not unwrap or is gone without an erasure.
    public mutating func addCaseKeys(checked: Int, unreadable: [StreamID], missing: [StreamID]) {
        caseKeysChecked = checked
        unreadableCaseKeys = unreadable.map(\.rawValue)
        missingCaseKeys = missing.map(\.rawValue)
    }
}
