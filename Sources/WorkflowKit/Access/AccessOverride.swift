/// A lawful override: a principal reading a case they do not otherwise see (no consent
/// names their organisation) under a statutory duty, for a stated reason and a limited
/// time. It lets them read the case, not act on it; every read under it is marked in the
/// case's access log, and `aso-engine access-review` lists it for review.
///
/// Its id is the position of its ``AccessOverrideGranted`` event in the log.
public struct AccessOverride: Sendable, Hashable {
    /// The position of the grant in the log: the override's id.
    public var id: Int64
    /// Who may read the case under it (who asked for it).
    public var actor: String
    public var caseID: StreamID
    /// Why the case must be read, as given; never personal data.
    public var reason: String
    /// The statutory duty it is read under, e.g. a section of an act.
    public var basis: String
    /// When it starts and ends, in milliseconds since 1970 (the end is not included).
    public var from: Int64
    public var until: Int64

    public init(id: Int64, actor: String, caseID: StreamID, reason: String, basis: String, from: Int64, until: Int64) {
        self.id = id
        self.actor = actor
        self.caseID = caseID
        self.reason = reason
        self.basis = basis
        self.from = from
        self.until = until
    }

    /// How long an override lasts unless asked otherwise, in hours.
    public static let defaultHours = 24
    /// The longest an override may last, in hours: a longer need is a new override, with
    /// its own reason, reviewed on its own.
    public static let maximumHours = 72
    /// The longest reason or basis accepted, in characters.
    public static let maximumTextLength = 500

    /// Whether it is in force at `time` (milliseconds since 1970).
    public func isActive(at time: Int64) -> Bool {
        from <= time && time < until
    }
}

/// The overrides granted so far, folded from the `AccessOverrideGranted` events of the
/// log's `$overrides` stream.
public struct AccessOverrides: Sendable, Hashable {
    /// The stream overrides are kept in (no case id can start with `$`).
    public static let stream = StreamID(rawValue: "$overrides")

    /// Every override granted, oldest first.
    public private(set) var all: [AccessOverride]

    public init(_ overrides: [AccessOverride] = []) {
        self.all = overrides
    }

    /// The override in force at `time` under which `actor` may read case `caseID`: the
    /// one that lasts longest, when several are.
    public func active(for actor: String, on caseID: StreamID, at time: Int64) -> AccessOverride? {
        all.filter { $0.actor == actor && $0.caseID == caseID && $0.isActive(at: time) }.max { $0.until < $1.until }
    }

    mutating func append(_ override: AccessOverride) {
        all.append(override)
    }
}

/// An override granted: `actor` may read case `caseID` from `from` until `until`
/// (milliseconds since 1970), for `reason`, under `basis`.
public struct AccessOverrideGranted: Sendable, Hashable, Codable {
    public static let typeName = "AccessOverrideGranted"

    public var actor: String
    public var caseID: String
    public var reason: String
    public var basis: String
    public var from: Int64
    public var until: Int64

    public init(actor: String, caseID: String, reason: String, basis: String, from: Int64, until: Int64) {
        self.actor = actor
        self.caseID = caseID
        self.reason = reason
        self.basis = basis
        self.from = from
        self.until = until
    }

    /// The override this grant makes, given the position it was recorded at.
    public func override(id: Int64) -> AccessOverride {
        AccessOverride(id: id, actor: actor, caseID: StreamID(caseID), reason: reason, basis: basis, from: from, until: until)
    }
}

/// A review of the overrides and refused attempts (`aso-engine access-review`), recorded
/// in the `$security` stream: who looked, and when, is itself reviewable.
public struct AccessReviewed: Sendable, Hashable, Codable {
    public static let typeName = "AccessReviewed"

    /// The start of the period reviewed, in milliseconds since 1970; nil for the whole log.
    public var since: Int64?

    public init(since: Int64?) {
        self.since = since
    }
}
