public import Crypto
import Foundation

/// What the engine needs from storage, whatever the backend: the event log its cases'
/// streams are in, the definitions cases are pinned to, each case's key, and the cases
/// and open-tasks projections kept in step with the log in each append's transaction.
///
/// ``WorkflowDatabase`` is the SQLite store; the `WorkflowPostgres` product has the
/// PostgreSQL one. ``Engine`` and ``RetentionSweep`` depend on this protocol only.
///
/// A store keeps these promises (the engine conformance tests check them on every backend):
/// - ``appendCaseEvents(_:encoded:to:expected:metadata:key:)`` commits the events, the
///   change to the case's key, the projections and the reminder schedule in one
///   transaction, or none of them;
/// - a case key is stored only wrapped with a master key kept outside the database, and
///   deleting it (``CaseKeyChange/shred``) leaves no copy the store can read back;
/// - the projections answer from the committed log, never ahead of it or behind it.
public protocol CaseStore: Sendable {
    /// The event log the cases' streams are in.
    var eventLog: any EventStore { get }

    /// Stores a resolved definition under its content hash (once; storing it again does nothing).
    func store(_ definition: ProcessDefinition) async throws

    /// The definition stored under `hash`, exactly as it was stored; nil when none is.
    func definition(hash: String) async throws -> ProcessDefinition?

    /// The content hashes of every stored version of `process`, oldest first.
    func definitionHashes(process: String) async throws -> [String]

    /// The result of the append that carried `commandID`, or nil when none did.
    func appliedCommand(_ commandID: String) async throws -> AppendResult?

    /// The key of case `id`, unwrapped; nil when the case has none (it never held a
    /// personal value, or it was erased).
    ///
    /// - Throws: ``PrivacyError`` when the master key cannot unwrap the stored key.
    func caseKey(for id: StreamID) async throws -> SymmetricKey?

    /// Appends case events and changes the case's key as `key` says, in one transaction
    /// that also brings the projections and the reminder schedule up to date.
    ///
    /// - Parameters:
    ///   - stored: The events in the form the log keeps them (personal values sealed),
    ///     for the projections, which need not decode `encoded` again.
    ///   - encoded: The same events, encoded for the log.
    ///   - id: The case's stream.
    ///   - expected: The version the stream must be at.
    ///   - metadata: Stored with every event; its `commandID` makes the append idempotent.
    ///   - key: What happens to the case's key in the same transaction, if anything.
    /// - Throws: ``VersionConflict``, ``EventStoreError``, or ``PrivacyError`` when the
    ///   master key changed since the store opened; nothing is written when it throws.
    func appendCaseEvents(
        _ stored: [CaseEvent], encoded: [NewEvent], to id: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
        key: CaseKeyChange?
    ) async throws -> AppendResult

    /// Cases from the projection, optionally only open ones or one process's, in the
    /// order they were opened.
    func cases(process: String?, includeClosed: Bool) async throws -> [CaseSummary]

    /// Open tasks from the projection, filtered, earliest due first (tasks without a due date last).
    func tasks(_ query: TaskQuery) async throws -> [OpenTaskSummary]

    /// Case `id`'s row of the cases projection; nil when there is no such case.
    func caseSummary(_ id: StreamID) async throws -> CaseSummary?

    /// The results of the appends whose command ids begin with `prefix`, by command id,
    /// at most `limit` of them, in the byte order of their ids.
    func appliedCommandResults(prefixedBy prefix: String, limit: Int) async throws -> [String: AppendResult]

    /// The versions of `streams` (0 for a stream with no events), read at once.
    func versions(of streams: [StreamID]) async throws -> [StreamID: Int64]

    /// Drops the projections and the reminder schedule and rebuilds them from the log,
    /// in one transaction.
    ///
    /// - Returns: How many events were replayed.
    @discardableResult
    func rebuildProjections() async throws -> Int
}

/// What an engine's append does to its case's key, in the append's own transaction.
public enum CaseKeyChange: Sendable {
    /// The case gets `key` with these events (its first personal values).
    case create(SymmetricKey)
    /// The case's key is deleted with these events (its erasure): crypto-shredding.
    case shred
}
