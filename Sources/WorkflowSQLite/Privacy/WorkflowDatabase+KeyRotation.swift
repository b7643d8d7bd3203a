import Crypto
import Foundation
import GRDB
public import WorkflowKit
import Synchronization

extension WorkflowDatabase {
    /// Re-wraps every case key from the current master key to `newKey`, in one write
    /// transaction: all of them, or none. Events never change, so the hash chain is
    /// untouched; the case keys themselves stay the same, only their wrapping changes.
    ///
    /// From then on the database opens only with `newKey`, and this object wraps the
    /// keys of new cases with it. Unwraps and appends of this object that are in flight
    /// finish with the old key first; new ones wait for the rotation. Other processes
    /// that have the database open still hold the old key: stop them first, and start
    /// them again with the new one.
    ///
    /// Afterwards the write-ahead log is checkpointed, so that it keeps no page with a
    /// key wrapped the old way (best effort: another process reading the database
    /// keeps the log until it is done).
    ///
    /// - Parameter newKey: The new master key, as a file (`.file`) or base64 (`.base64`).
    /// - Returns: How many case keys were re-wrapped, and whether the write-ahead log
    ///   could be emptied.
    /// - Throws: ``PrivacyError`` when `newKey` is missing, malformed or the current key
    ///   (`.invalidMasterKey`, `.missingMasterKey`), or when a stored case key cannot be
    ///   unwrapped with the current master key (`.wrongMasterKey`, naming the case);
    ///   nothing is changed then.
    @discardableResult
    public func rotateMasterKey(to newKey: MasterKeySource) async throws -> MasterKeyRotation {
        if case .automatic = newKey {
            throw PrivacyError(
                .missingMasterKey, "The new master key must be given as a file or as base64; it is not looked up automatically.")
        }
        let new = try MasterKey.resolve(newKey, databasePath: events.path, mayCreate: false)
        let rewrapped = try await masterKeys.rotate { current in
            guard new.key != current.key else {
                throw PrivacyError(
                    .invalidMasterKey,
                    "The new master key from \(new.origin) is the key the event log at '\(events.path)' is already wrapped with; give a different key.")
            }
            do {
                let count = try await events.pool.write { db in
                    let count = try Self.rewrapCaseKeys(in: db, from: current, to: new.key)
                    try ChainKeyTable.rewrap(in: db, from: current, to: new.key)
                    return count
                }
                return (MasterKey(key: new.key, origin: new.origin, createdFile: current.createdFile), count)
            } catch let error as PrivacyError {
                throw error
            } catch {
                throw EventStoreError(.storage, "The event log failed while re-wrapping the case keys.", underlying: error)
            }
        }
        // Moves the rewritten pages into the file and empties the write-ahead log.
        let busy = try? await events.pool.writeWithoutTransaction { db in
            // The first column is 1 when a reader kept the checkpoint from finishing.
            try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return MasterKeyRotation(rewrappedCaseKeys: rewrapped, clearedWriteAheadLog: busy == 0)
    }

    /// Checks that every stored case key unwraps with this database's master key (opening
    /// checks only one), and that every case holding sealed values still has its key or a
    /// recorded erasure: what `aso-engine verify` reports.
    public func verifyCaseKeys() async throws -> CaseKeyCheck {
        let master = await masterKeys.acquire()
        defer { masterKeys.release() }
        return try await SQLiteEventStore.storage("checking the case keys") {
            try await events.pool.read { db in try Self.checkCaseKeys(db, master: master) }
        }
    }

    /// The case keys' check of ``verifyCaseKeys()``; without the master key, only for
    /// keys gone without an erasure (the key rows are not unwrapped).
    static func checkCaseKeys(_ db: Database, master: MasterKey?) throws -> CaseKeyCheck {
        var check = CaseKeyCheck()
        var keyed: Set<String> = []
        guard try db.tableExists("case_keys") else { return check }
        let rows = try Row.fetchCursor(db, sql: "SELECT case_id, wrapped FROM case_keys ORDER BY case_id")
        while let row = try rows.next() {
            let id = StreamID(rawValue: row["case_id"])
            keyed.insert(id.rawValue)
            check.checked += 1
            guard let master else { continue }
            let wrapped: Data? = row["wrapped"]
            if wrapped.flatMap({ try? CaseKeys.unwrap($0, for: id, with: master.key, origin: master.origin) }) == nil {
                check.unreadable.append(id)
            }
        }
        // Sealed values are stored under a "sealed" member of the payload.
        let sealed = try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT stream FROM events
                WHERE type IN ('CaseOpened', 'FieldsRecorded', 'TaskCompleted') AND instr(payload, '"sealed"') > 0
                ORDER BY stream
                """)
        let erased = Set(try String.fetchAll(db, sql: "SELECT DISTINCT stream FROM events WHERE type = 'CaseErased'"))
        check.missing = sealed.filter { !keyed.contains($0) && !erased.contains($0) }.map { StreamID(rawValue: $0) }
        return check
    }

    /// Re-wraps every row of `case_keys` from `current` to `new`, inside the caller's
    /// transaction. Every key is unwrapped before any row is written.
    ///
    /// - Returns: How many rows were re-wrapped.
    private static func rewrapCaseKeys(in db: Database, from current: MasterKey, to new: SymmetricKey) throws -> Int {
        var unwrapped: [(id: StreamID, key: SymmetricKey)] = []
        var unreadable: [StreamID] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT case_id, wrapped FROM case_keys ORDER BY case_id")
        while let row = try rows.next() {
            let id = StreamID(rawValue: row["case_id"])
            let wrapped: Data? = row["wrapped"]
            if let wrapped, let key = try? CaseKeys.unwrap(wrapped, for: id, with: current.key, origin: current.origin) {
                unwrapped.append((id, key))
            } else {
                unreadable.append(id)
            }
        }
        if let first = unreadable.first {
            let others =
                unreadable.count == 1
                ? "" : " (and \(unreadable.count - 1) other case\(unreadable.count == 2 ? "" : "s"))"
            throw PrivacyError(
                .wrongMasterKey,
                "Cannot rotate the master key: the stored key of case '\(first)'\(others) cannot be unwrapped with the master key from \(current.origin); it is damaged or was wrapped with another key. Nothing was changed.")
        }
        for (id, key) in unwrapped {
            try db.execute(
                sql: "UPDATE case_keys SET wrapped = ? WHERE case_id = ?",
                arguments: [try CaseKeys.wrap(key, for: id, with: new), id.rawValue])
        }
        return unwrapped.count
    }
}

extension MasterKeySource {
    /// Creates the key file `path` holding a fresh random 256-bit key as base64,
    /// readable and writable by its owner only, and flushed to disk (with its folder
    /// entry) before it returns, so that a key a rotation switches to is not lost in a
    /// power cut.
    ///
    /// - Returns: The new key file as a source (`.file(path)`).
    /// - Throws: ``PrivacyError`` (`.missingMasterKey`) when the file exists already or
    ///   cannot be written; a file left half-written is removed.
    public static func createKeyFile(at path: String) throws -> MasterKeySource {
        guard try MasterKey.writeNewFile(at: path) != nil else {
            throw PrivacyError(.missingMasterKey, "Cannot create the master key file '\(path)': it exists already.")
        }
        return .file(path)
    }
}

/// The master key an open database wraps and unwraps case keys with, and the lock that
/// lets a rotation swap it without racing them.
///
/// An unwrap holds the key from reading the wrapped row until it is opened, and an
/// append that stores a new case key holds it from wrapping the key until the append
/// has committed; a rotation waits for both, and new ones wait for the rotation. So no
/// row is ever wrapped with one key and stored after the rotation, or read before it
/// and opened with the new key.
final class MasterKeyLock: Sendable {
    private struct State {
        var key: MasterKey
        /// Unwraps and appends holding `key`.
        var holders = 0
        /// A rotation is waiting for the holders to finish, or running.
        var rotating = false
        /// The rotation waiting for the last holder.
        var drained: CheckedContinuation<Void, Never>?
        /// Unwraps, appends and further rotations waiting for the rotation.
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ key: MasterKey) { state = Mutex(State(key: key)) }

    /// The key now, without holding it.
    var current: MasterKey { state.withLock { $0.key } }

    /// How many unwraps and appends hold the key now.
    var holderCount: Int { state.withLock { $0.holders } }

    /// Whether a rotation is waiting for the key or running.
    var isRotating: Bool { state.withLock { $0.rotating } }

    /// The key, held until ``release()``; waits while a rotation runs.
    func acquire() async -> MasterKey {
        while true {
            let key = state.withLock { state -> MasterKey? in
                guard !state.rotating else { return nil }
                state.holders += 1
                return state.key
            }
            if let key { return key }
            await waitForRotation()
        }
    }

    /// Gives back a key taken with ``acquire()``.
    func release() {
        let drained = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.holders -= 1
            guard state.holders == 0 else { return nil }
            defer { state.drained = nil }
            return state.drained
        }
        drained?.resume()
    }

    /// Runs `body` with the key alone, once every holder has released it, and keeps
    /// the key `body` returns; when `body` throws, the key stays as it was.
    func rotate<T>(_ body: (MasterKey) async throws -> (MasterKey, T)) async throws -> T {
        while !state.withLock({ state -> Bool in
            guard !state.rotating else { return false }
            state.rotating = true
            return true
        }) {
            await waitForRotation()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                guard state.holders > 0 else { return true }
                state.drained = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        var rotated: MasterKey?
        defer {
            let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                if let rotated { state.key = rotated }
                state.rotating = false
                defer { state.waiting.removeAll() }
                return state.waiting
            }
            for waiter in waiting { waiter.resume() }
        }
        let (key, result) = try await body(current)
        rotated = key
        return result
    }

    private func waitForRotation() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                guard state.rotating else { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// What `verifyCaseKeys()` found.
public struct CaseKeyCheck: Sendable, Hashable {
    /// How many case keys were checked.
    public var checked = 0
    /// Keys that do not unwrap with the master key (damaged, or wrapped with another), by case, sorted.
    public var unreadable: [StreamID] = []
    /// Cases that hold sealed values but have neither a key nor a recorded erasure: their
    /// keys were deleted outside the engine.
    public var missing: [StreamID] = []

    public init(checked: Int = 0, unreadable: [StreamID] = [], missing: [StreamID] = []) {
        self.checked = checked
        self.unreadable = unreadable
        self.missing = missing
    }

    public var isIntact: Bool { unreadable.isEmpty && missing.isEmpty }
}
