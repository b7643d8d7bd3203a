import Foundation
import GRDB
import Testing
import WorkflowKitTesting

/// What a refused request may leave in an SQLite event log: its security event
/// (`AccessRefused` in `$security`) and nothing else: no event on the case, and no read
/// in the case's access log.
///
/// The log is read from its file (reading it through `history` would itself record a
/// read) and the access log through `access-log`, which is not itself recorded.
struct RefusalTrace {
    /// The event log's file.
    let database: String
    /// The case whose access log is counted.
    let caseID: String
    /// Reads the case's access log as JSON: `aso-engine access-log CASE --json` as someone
    /// entitled to it.
    let accessLog: () throws -> ProcessOutput

    /// The log's last position and the length of the case's access log at one moment.
    struct Mark: Equatable {
        var position: Int
        var accessLog: Int
    }

    func mark() throws -> Mark {
        let position = try DatabaseQueue(path: database, configuration: Self.readOnly).read { db in
            try Int.fetchOne(db, sql: "SELECT MAX(position) FROM events")
        }
        let output = try accessLog()
        try #require(output.status == 0, "access-log: \(output.stderr)")
        let log = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let reads = try #require(log["reads"] as? [Any])
        let overrides = try #require(log["overrides"] as? [Any])
        let disclosures = try #require(log["disclosures"] as? [Any])
        return Mark(position: try #require(position), accessLog: reads.count + overrides.count + disclosures.count)
    }

    /// The events appended after `mark`, as "stream type", leaving out refusals' security events.
    func appended(since mark: Mark) throws -> [String] {
        try DatabaseQueue(path: database, configuration: Self.readOnly).read { db in
            try Row.fetchAll(db, sql: "SELECT stream, type FROM events WHERE position > ? ORDER BY position", arguments: [mark.position])
                .map { "\($0["stream"] as String) \($0["type"] as String)" }
                .filter { $0 != "$security AccessRefused" }
        }
    }

    /// Runs `refusal`, which says whether it was refused as it should be, and expects that
    /// it left nothing behind but its security event. Returns the mark after it, to
    /// compare the next refusal with.
    @discardableResult
    func expectRefused(
        _ what: String, since before: Mark, sourceLocation: SourceLocation = #_sourceLocation, _ refusal: () throws -> Bool
    ) throws -> Mark {
        #expect(try refusal(), "\(what): not answered as it should be", sourceLocation: sourceLocation)
        let after = try mark()
        #expect(try appended(since: before) == [], "\(what) appended to the log", sourceLocation: sourceLocation)
        #expect(after.accessLog == before.accessLog, "\(what) changed the access log", sourceLocation: sourceLocation)
        return after
    }

    private static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }
}
