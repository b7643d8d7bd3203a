public import Foundation
package import Crypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the master key comes from: the key that wraps every case's key. It never
/// lives in the database.
public enum MasterKeySource: Sendable {
    /// `ASO_MASTER_KEY_FILE` (a path), else `ASO_MASTER_KEY` (base64), else the key file
    /// beside the database (`<database>.master-key`), created with owner-only permissions
    /// when the database holds no case keys yet.
    case automatic(environment: [String: String] = ProcessInfo.processInfo.environment)
    /// A file holding the key as base64; it must exist.
    case file(String)
    /// The key as base64 text.
    case base64(String)

    /// The environment variable naming the key file.
    public static let fileVariable = "ASO_MASTER_KEY_FILE"
    /// The environment variable holding the key as base64.
    public static let keyVariable = "ASO_MASTER_KEY"

    /// The path of the key file created beside the database at `path`.
    public static func defaultFile(besideDatabase path: String) -> String { path + ".master-key" }
}

/// The resolved master key (32 bytes) and where it came from.
package struct MasterKey: Sendable {
    package let key: SymmetricKey
    /// Where the key came from, for messages (a path or a variable name; never the key).
    package let origin: String
    /// The path of a key file created just now, when one was.
    package let createdFile: String?

    package init(key: SymmetricKey, origin: String, createdFile: String?) {
        self.key = key
        self.origin = origin
        self.createdFile = createdFile
    }

    static let byteCount = 32

    /// Resolves `source` for the database at `databasePath`.
    ///
    /// - Parameter mayCreate: Whether a missing default key file may be created (only
    ///   when the database holds no case keys wrapped with another key).
    /// - Throws: ``PrivacyError`` when the key is missing or malformed.
    package static func resolve(_ source: MasterKeySource, databasePath: String, mayCreate: Bool) throws -> MasterKey {
        try resolve(source, at: databasePath, beside: databasePath, mayCreate: mayCreate)
    }

    /// Resolves `source` for a database on a server (`location`, for messages): no file
    /// lies beside it, so the key must come from the caller or the environment.
    ///
    /// - Throws: ``PrivacyError`` when the key is missing or malformed.
    package static func resolve(_ source: MasterKeySource, serverDatabase location: String) throws -> MasterKey {
        try resolve(source, at: location, beside: nil, mayCreate: false)
    }

    private static func resolve(_ source: MasterKeySource, at databasePath: String, beside: String?, mayCreate: Bool) throws -> MasterKey {
        switch source {
        case .file(let path):
            return try read(file: path, origin: "the key file '\(path)'")
        case .base64(let text):
            return MasterKey(key: try decode(text, origin: "base64 text given by the caller"), origin: "base64 text given by the caller", createdFile: nil)
        case .automatic(let environment):
            if let path = environment[MasterKeySource.fileVariable], !path.isEmpty {
                return try read(file: path, origin: "the key file '\(path)' (\(MasterKeySource.fileVariable))")
            }
            if let text = environment[MasterKeySource.keyVariable], !text.isEmpty {
                let origin = MasterKeySource.keyVariable
                return MasterKey(key: try decode(text, origin: origin), origin: origin, createdFile: nil)
            }
            guard let beside else {
                throw PrivacyError(
                    .missingMasterKey,
                    "The event log at '\(databasePath)' is kept on a database server, and no master key is configured for it: set \(MasterKeySource.fileVariable) or \(MasterKeySource.keyVariable).")
            }
            let path = MasterKeySource.defaultFile(besideDatabase: beside)
            if FileManager.default.fileExists(atPath: path) || isLink(path) {
                return try read(file: path, origin: "the key file '\(path)'", followingLinks: false)
            }
            guard mayCreate else {
                throw PrivacyError(
                    .missingMasterKey,
                    "The event log at '\(databasePath)' holds encrypted case keys, but no master key is configured: set \(MasterKeySource.fileVariable) or \(MasterKeySource.keyVariable), or put the key file at '\(path)'.")
            }
            return try create(file: path)
        }
    }

    /// Reads a key file after checking that it is a regular file of this user that nobody
    /// else can read or write; the file beside the log is not read through a link (one
    /// planted there would have new case keys wrapped with someone else's key).
    private static func read(file path: String, origin: String, followingLinks: Bool = true) throws -> MasterKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else {
            if errno == ELOOP {
                throw PrivacyError(
                    .invalidMasterKey,
                    "The master key file '\(path)' is a symbolic link; the key file beside the log is read only as a real file (name the key's own file with --master-key-file or \(MasterKeySource.fileVariable)).")
            }
            throw PrivacyError(.missingMasterKey, "The master key file '\(path)' does not exist or cannot be read.")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw PrivacyError(.invalidMasterKey, "The master key file '\(path)' is not a regular file.")
        }
        guard info.st_uid == geteuid() else {
            throw PrivacyError(
                .invalidMasterKey,
                "The master key file '\(path)' belongs to another user (uid \(info.st_uid)); it must belong to the user running aso-engine (uid \(geteuid())).")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw PrivacyError(
                .invalidMasterKey,
                "The master key file '\(path)' can be read or written by others (mode \(String(info.st_mode & 0o777, radix: 8))): make it owner-only with 'chmod 600 \(path)'.")
        }
        let contents: Data
        do {
            contents = try FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).read(upToCount: 4096) ?? Data()
        } catch {
            throw PrivacyError(.missingMasterKey, "The master key file '\(path)' cannot be read.")
        }
        let text = String(decoding: contents, as: UTF8.self)
        return MasterKey(key: try decode(text, origin: origin), origin: origin, createdFile: nil)
    }

    /// Whether `path` is a symbolic link (a dangling one too).
    private static func isLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    private static func decode(_ text: String, origin: String) throws -> SymmetricKey {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == byteCount
        else {
            throw PrivacyError(.invalidMasterKey, "The master key from \(origin) is not \(byteCount) bytes of base64.")
        }
        return SymmetricKey(data: bytes)
    }

    /// Creates a new random key file readable and writable by its owner only; when
    /// another process created it first, reads that one.
    private static func create(file path: String) throws -> MasterKey {
        guard let key = try writeNewFile(at: path) else {
            return try read(file: path, origin: "the key file '\(path)'", followingLinks: false)
        }
        return MasterKey(key: key, origin: "the key file '\(path)'", createdFile: path)
    }

    /// Writes a fresh random 256-bit key as base64 to the new file `path`, readable and
    /// writable by its owner only, and flushes it to disk (with its folder entry) before
    /// returning, so that a key the database now depends on is not lost in a power cut.
    ///
    /// - Returns: The key, or `nil` when the file exists already (it is left as it is).
    /// - Throws: ``PrivacyError`` (`.missingMasterKey`) when the file cannot be created
    ///   or written; a file left half-written is removed.
    package static func writeNewFile(at path: String) throws -> SymmetricKey? {
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0) }.base64EncodedString() + "\n"
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return nil }
            throw PrivacyError(
                .missingMasterKey, "Cannot create the master key file '\(path)': \(String(cString: strerror(errno))).")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let flushed = written == bytes.count && fsync(descriptor) == 0
        close(descriptor)
        guard flushed else {
            unlink(path)
            throw PrivacyError(.missingMasterKey, "Cannot write the master key file '\(path)'.")
        }
        // The folder's entry for the file, too (best effort: not every file system allows it).
        let folder = (path as NSString).deletingLastPathComponent
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        return key
    }
}
