/// What the data-protection officer reviews (`aso-engine access-review`): the overrides,
/// what was read under each, the refused attempts, and who reviewed them before.
public struct AccessReview: Sendable, Hashable {
    /// An override with the reads made under it.
    public struct Override: Sendable, Hashable {
        public var override: AccessOverride
        /// The reads of the case marked as made under this override, oldest first.
        public var reads: [AccessLog.Read]
    }

    /// A refused attempt: who tried what, on which case, when, and why it was refused.
    public struct Refusal: Sendable, Hashable {
        public var refusal: AccessRefused
        public var actor: String?
        /// When, in milliseconds since 1970.
        public var at: Int64
    }

    /// A review made: who looked, when, and from when on.
    public struct Review: Sendable, Hashable {
        public var actor: String?
        /// When, in milliseconds since 1970.
        public var at: Int64
        /// The start of the period reviewed; nil for the whole log.
        public var since: Int64?
    }

    /// The start of the period reviewed, in milliseconds since 1970; nil for the whole log.
    public var since: Int64?
    /// The overrides in force at any time in the period, oldest first.
    public var overrides: [Override] = []
    /// The refused attempts in the period, oldest first.
    public var refusals: [Refusal] = []
    /// The reviews made in the period, this one included once it is recorded, oldest first.
    public var reviews: [Review] = []
}
