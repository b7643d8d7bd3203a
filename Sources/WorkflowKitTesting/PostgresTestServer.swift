import Foundation

/// The PostgreSQL server the tests use: the throwaway one that the test command starts
/// (`scripts/postgres-server`), found through the environment it exports.
///
/// A test asks for a URL of its own (a schema of its own, so that tests never see each
/// other's tables). Without a server the PostgreSQL tests fail, saying how to start one;
/// they are skipped only when `ASO_SKIP_POSTGRES=1` is set.
public enum PostgresTestServer {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether the PostgreSQL tests are switched off (`ASO_SKIP_POSTGRES=1`).
    public static var isSkipped: Bool { environment["ASO_SKIP_POSTGRES"] == "1" }

    /// Why there is no server to test against.
    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String {
            "No PostgreSQL server for the tests: run them with scripts/test, which starts one, or start one with `eval \"$(scripts/postgres-server start)\"` (it sets ASO_TEST_POSTGRES_URL), or set ASO_SKIP_POSTGRES=1 to skip them."
        }
    }

    /// The server's URL (database `postgres`, no schema).
    public static func baseURL() throws -> String {
        guard let url = environment["ASO_TEST_POSTGRES_URL"], !url.isEmpty else { throw NotConfigured() }
        return url
    }

    /// A URL whose schema is named after `key`: the same key gives the same log, so a
    /// test can open its log twice.
    public static func url(forKey key: String) throws -> String {
        let base = try baseURL()
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schemaName(forKey: key))"
    }

    /// A URL for a log of its own, for `directory`'s test.
    public static func url(for directory: TemporaryDirectory) throws -> String {
        try url(forKey: directory.url.path)
    }

    /// A fresh schema's URL.
    public static func freshURL() throws -> String {
        try url(forKey: UUID().uuidString)
    }

    /// `t_` and 16 hexadecimal digits of a FNV-1a hash of `key`.
    public static func schemaName(forKey key: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "t_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The server's data folder, for tests that restart it.
    public static var dataFolder: String? { environment["ASO_TEST_POSTGRES_DATA"] }

    /// The command that runs `pg_ctl` as the server's user, split into words.
    public static var controlCommand: [String]? {
        environment["ASO_TEST_POSTGRES_CTL"].map { $0.split(separator: " ").map(String.init) }
    }
}
