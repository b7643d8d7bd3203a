/// Who caused an event, and why: stored beside every event.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// The worker or system that acted, e.g. `"worker:anna"` or `"system:daemon"`.
    public var actor: String?
    /// The organisation the actor acted for.
    public var organisation: String?
    /// The role the actor acted in.
    public var role: String?
    /// Ties together every event that one request or one flow of work produced.
    public var correlationID: String?
    /// The event or command that directly caused this event.
    public var causationID: String?
    /// The command that produced the event; appending the same command id again is a no-op.
    public var commandID: String?

    public init(
        actor: String? = nil,
        organisation: String? = nil,
        role: String? = nil,
        correlationID: String? = nil,
        causationID: String? = nil,
        commandID: String? = nil
    ) {
        self.actor = actor
        self.organisation = organisation
        self.role = role
        self.correlationID = correlationID
        self.causationID = causationID
        self.commandID = commandID
    }
}
