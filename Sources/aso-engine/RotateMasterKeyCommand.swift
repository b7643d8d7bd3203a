import ArgumentParser
import Foundation
import WorkflowKit
import WorkflowPostgres
import WorkflowSQLite

/// `aso-engine rotate-master-key --new-key-file PATH`: re-wraps every case key with a
/// new master key, creating the key file first when it does not exist.
struct RotateMasterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-master-key",
        abstract: "Re-wrap every case key with a new master key, in one transaction; the events do not change.",
        discussion: """
            The current key comes from --master-key-file, ASO_MASTER_KEY_FILE, ASO_MASTER_KEY or the key file \
            beside the log, as for every command. Stop the daemon and every other program using the log first, \
            and start them again with the new key.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The file holding the new master key (base64 of 32 bytes); when it does not exist, it is created with a fresh random key, readable by its owner only.",
            valueName: "path"))
    var newKeyFile: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if newKeyFile.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--new-key-file needs the path of the new master key file.")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: newKeyFile, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--new-key-file must name a file, not the folder '\(newKeyFile)'.")
        }
    }

    func run() async throws {
        // The current key is checked first (opening checks it), so that a wrong one leaves no
        // new key file behind.
        let onServer = PostgresLocation.isURL(global.db)
        let rotate: (MasterKeySource) async throws -> MasterKeyRotation
        let close: () async -> Void
        if onServer {
            guard let store = try await global.openStore() as? PostgresCaseStore else { throw ExitCode(1) }
            rotate = { try await store.rotateMasterKey(to: $0) }
            close = { await store.close() }
        } else {
            let database = try global.openDatabase()
            rotate = { try await database.rotateMasterKey(to: $0) }
            close = {}
        }
        let created = !FileManager.default.fileExists(atPath: newKeyFile)
        let rotation: MasterKeyRotation
        do {
            if created { _ = try MasterKeySource.createKeyFile(at: newKeyFile) }
            rotation = try await rotate(.file(newKeyFile))
            await close()
        } catch {
            await close()
            switch error {
            case let error as PrivacyError: printError(error.message)
            case let error as EventStoreError: printError(error.message)
            default: throw error
            }
            if created && FileManager.default.fileExists(atPath: newKeyFile) {
                printError("The new key file '\(newKeyFile)' was created but not used.")
            }
            throw ExitCode(1)
        }
        if global.json {
            try printJSON(
                [
                    "rewrappedCaseKeys": rotation.rewrappedCaseKeys, "newKeyFile": newKeyFile, "createdNewKeyFile": created,
                    "clearedWriteAheadLog": rotation.clearedWriteAheadLog,
                ] as [String: Any])
            return
        }
        if created {
            print("Created the new master key file '\(newKeyFile)': a fresh random key, readable by its owner only.")
        }
        let keys = counted(rotation.rewrappedCaseKeys, "case key")
        print("Re-wrapped \(keys) with the new master key from '\(newKeyFile)'; the events did not change.")
        print("The log '\(onServer ? PostgresLocation.redacted(global.db) : global.db)' now opens only with the new key.")
        print(oldKeyAdvice)
        print("Then destroy every copy of the old key. Backups made before this rotation open only with the old key:")
        print("a leaked old key still opens them, and without it their personal values are lost. Keep the old key only")
        print("as long as you must be able to restore such backups, as safely as the new one, or destroy them with it.")
        if !onServer && isBesideLog {
            print("The new key file is in the log's folder: keep it where a copy of the log does not go.")
        }
        if onServer {
            print("The server's write-ahead log and its backups keep the keys wrapped the old way until they are recycled.")
        } else if !rotation.clearedWriteAheadLog {
            print("Another process has the log open: its write-ahead log keeps the keys wrapped the old way until the next checkpoint.")
        }
    }

    /// Where the old key was configured, found as ``GlobalOptions/openDatabase(create:)``
    /// finds it, and what to do there.
    private var oldKeyAdvice: String {
        let restart = "and restart the daemon and every other program that uses this log"
        if let file = global.masterKeyFile {
            return "The old key came from the key file '\(file)' (--master-key-file): use the new key file wherever that one is configured, \(restart)."
        }
        let environment = ProcessInfo.processInfo.environment
        if let file = environment[MasterKeySource.fileVariable], !file.isEmpty {
            return "The old key came from the key file '\(file)' (\(MasterKeySource.fileVariable)): point \(MasterKeySource.fileVariable) at the new key file, \(restart)."
        }
        if let key = environment[MasterKeySource.keyVariable], !key.isEmpty {
            return "The old key came from \(MasterKeySource.keyVariable): give the new key there instead (or set \(MasterKeySource.fileVariable) to the new key file), \(restart)."
        }
        if PostgresLocation.isURL(global.db) {
            return "Give the new key file to every program that uses this database (--master-key-file or \(MasterKeySource.fileVariable)), \(restart)."
        }
        let besideLog = MasterKeySource.defaultFile(besideDatabase: global.db)
        return "The old key came from the key file beside the log, '\(besideLog)': set \(MasterKeySource.fileVariable) to the new key file, \(restart); commands that find no key configured keep using '\(besideLog)' and are refused until it is replaced or deleted."
    }

    /// Whether the new key file is in the same folder as the log.
    private var isBesideLog: Bool {
        func folder(_ path: String) -> String {
            URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        }
        return folder(newKeyFile) == folder(global.db)
    }
}
