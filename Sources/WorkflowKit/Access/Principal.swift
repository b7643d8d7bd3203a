/// Someone who may act on cases: an actor id, the organisation they act for, and the
/// roles they hold — everywhere, or only in the processes named.
///
/// Organisations are the `parties` of the process files (`prison`, `adult-social-work`,
/// `landlord` …): consent names parties, and a principal of a named party's organisation
/// sees the case while the consent is in force.
public struct Principal: Sendable, Hashable, Codable {
    public var actor: String
    public var organisation: String
    public var roles: Set<String>
    /// The processes the roles are held in; nil means every process.
    public var processes: Set<String>?

    public init(actor: String, organisation: String, roles: Set<String>, processes: Set<String>? = nil) {
        self.actor = actor
        self.organisation = organisation
        self.roles = roles
        self.processes = processes
    }

    /// Whether this principal holds `role` in `process`.
    public func holds(_ role: String, in process: String) -> Bool {
        roles.contains(role) && (processes?.contains(process) ?? true)
    }
}

/// The directory of principals, folded from the `PrincipalAdded` and `PrincipalRemoved`
/// events of the log's `$principals` stream: who added or removed whom, and when, is as
/// auditable as the cases.
public struct PrincipalDirectory: Sendable, Hashable {
    /// The stream the directory's events are kept in (no case id can start with `$`).
    public static let stream = StreamID(rawValue: "$principals")

    public private(set) var principals: [String: Principal] = [:]

    public init(principals: [Principal] = []) {
        for principal in principals { self.principals[principal.actor] = principal }
    }

    /// Access control is on once the directory names anyone: until then every actor may
    /// do everything, as before there was a directory.
    public var isEnforced: Bool { !principals.isEmpty }

    public func principal(_ actor: String) -> Principal? { principals[actor] }

    /// The actors holding `role` in `process`, optionally only of `organisation`, sorted.
    public func holders(of role: String, in process: String, organisation: String? = nil) -> [String] {
        principals.values.filter { $0.holds(role, in: process) && (organisation == nil || $0.organisation == organisation) }
            .map(\.actor).sorted()
    }

    mutating func apply(_ event: PrincipalEvent) {
        switch event {
        case .added(let added): principals[added.principal.actor] = added.principal
        case .removed(let removed): principals[removed.actor] = nil
        }
    }
}

/// A principal added to the directory (or changed: the new entry replaces the old).
public struct PrincipalAdded: Sendable, Hashable, Codable {
    public static let typeName = "PrincipalAdded"
    public var principal: Principal
}

/// A principal removed from the directory.
public struct PrincipalRemoved: Sendable, Hashable, Codable {
    public static let typeName = "PrincipalRemoved"
    public var actor: String
    public var reason: String
}

enum PrincipalEvent {
    case added(PrincipalAdded)
    case removed(PrincipalRemoved)
}
