/// What a master key rotation did.
public struct MasterKeyRotation: Sendable, Hashable {
    /// How many case keys were re-wrapped with the new master key.
    public var rewrappedCaseKeys: Int
    /// Whether the old wrapping's bytes were cleared from the database's own files
    /// afterwards (best effort). SQLite: whether the write-ahead log was emptied (when
    /// another process held the database open it was not, and pages with the keys wrapped
    /// the old way stay in it until the next full checkpoint). PostgreSQL: whether the key
    /// tables were vacuumed (the old rows' bytes may stay in the table files until reused,
    /// and in the server's WAL and backups until they are recycled).
    public var clearedWriteAheadLog: Bool

    public init(rewrappedCaseKeys: Int, clearedWriteAheadLog: Bool) {
        self.rewrappedCaseKeys = rewrappedCaseKeys
        self.clearedWriteAheadLog = clearedWriteAheadLog
    }
}
