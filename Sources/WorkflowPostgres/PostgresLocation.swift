public import Foundation
import PostgresNIO
import WorkflowKit

/// Where a PostgreSQL event log lives: the server, the database, the user and the schema,
/// read from a `postgres://` or `postgresql://` URL as libpq takes it.
///
/// ```
/// postgres://aso@db.example.fi:5432/cases?schema=aso&sslmode=require
/// postgresql:///cases?host=/run/postgresql            (a Unix socket's folder)
/// ```
///
/// The password may be in the URL or in `PGPASSWORD`. `sslmode` is `disable`,
/// `prefer` (the default, as in libpq) or `require`; `schema` (default `public`) holds the
/// log's tables, so that one database can hold several logs; `application_name` (or
/// `PGAPPNAME`, as in libpq) names this program's sessions in `pg_stat_activity`, so that
/// an operator can tell a daemon's connections from a server's.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The folder of the server's Unix socket, when it is reached that way.
    public var socketFolder: String?
    public var database: String
    public var user: String
    public var password: String?
    public var schema: String
    public var tls: TLSMode
    /// The name the sessions carry in `pg_stat_activity`, when the URL or `PGAPPNAME` gives one.
    public var applicationName: String?

    /// Whether the connection is encrypted.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a `postgres://` URL.
    ///
    /// - Throws: ``EventStoreError`` with code `.invalidName`, naming what is wrong, for a
    ///   URL that is not a PostgreSQL URL, has a bad port, or names a schema that is not a
    ///   plain lower-case identifier.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw EventStoreError(.invalidName, "'\(Self.redacted(text))' is not a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE).")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["schema", "sslmode", "host", "port", "user", "password", "dbname", "application_name"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw EventStoreError(.invalidName, "The PostgreSQL URL has an unknown parameter '\(unknown)' (known: \(known.sorted().joined(separator: ", "))).")
        }
        // As libpq: a host starting with "/" is the folder of a Unix socket; no host at
        // all means the default socket folder.
        let hostParameter = query["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0 }
        if let hostParameter, !hostParameter.hasPrefix("/") {
            host = hostParameter
            socketFolder = nil
        } else {
            host = "localhost"
            socketFolder = hostParameter ?? "/var/run/postgresql"
        }
        if let portText = query["port"] {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw EventStoreError(.invalidName, "The PostgreSQL URL's port '\(portText)' is not a port number.")
            }
            port = value
        } else {
            port = components.port ?? 5432
        }
        guard (1...65535).contains(port) else {
            throw EventStoreError(.invalidName, "The PostgreSQL URL's port \(port) is not a port number.")
        }
        user = query["user"] ?? components.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        password = query["password"] ?? components.password.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = query["dbname"] ?? (path.isEmpty ? user : (path.removingPercentEncoding ?? path))
        schema = query["schema"] ?? "public"
        guard Self.isIdentifier(schema) else {
            throw EventStoreError(
                .invalidName,
                "The PostgreSQL URL's schema '\(schema)' is not a plain identifier (lower-case letters, digits and _, starting with a letter or _; at most 63).")
        }
        applicationName = query["application_name"] ?? environment["PGAPPNAME"].flatMap { $0.isEmpty ? nil : $0 }
        if let name = applicationName {
            // What the server keeps of it: printable ASCII, at most 63 bytes.
            guard !name.isEmpty, name.utf8.count <= 63, name.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw EventStoreError(
                    .invalidName,
                    "The PostgreSQL application_name '\(Identifier.printable(name))' must be 1 to 63 printable ASCII characters.")
            }
        }
        let mode = query["sslmode"] ?? "prefer"
        switch mode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default:
            throw EventStoreError(.invalidName, "The PostgreSQL URL's sslmode '\(mode)' is not one of disable, prefer, require.")
        }
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        let server = socketFolder.map { "?host=\($0)" } ?? ""
        let address = socketFolder == nil ? "\(host):\(port)" : ""
        let schemaPart = schema == "public" ? "" : (server.isEmpty ? "?schema=\(schema)" : "&schema=\(schema)")
        return "postgres://\(user)@\(address)/\(database)\(server)\(schemaPart)"
    }

    /// `text` with any password replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63 else { return false }
        guard first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// The connection settings for postgres-nio, with the server-side limits every
    /// connection of the log runs under.
    func clientConfiguration(startupParameters: [(String, String)], maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketFolder {
            configuration = PostgresClient.Configuration(
                unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: clientTLS)
        }
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The settings for one connection of its own (the first, which creates the tables,
    /// and fails at once when the server cannot be reached).
    func connectionConfiguration(startupParameters: [(String, String)]) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketFolder {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            let mode: PostgresConnection.Configuration.TLS
            switch tls {
            case .disable: mode = .disable
            case .prefer: mode = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: mode = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: mode)
        }
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}
