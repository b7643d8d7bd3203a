import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine document DOCUMENT CASE...`: advance information, a memo — one copy per
/// recipient party, each holding only the clients whose consent names that party.
struct DocumentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "document",
        abstract: "Produce a document (advance information, a memo) per recipient party, as the clients' consent allows.",
        discussion: """
            The process file states its documents ('documents:'): the fields and whether the open tasks \
            are listed. Each party a client's consent names gets a copy holding only the clients who named \
            it; a client without consent in force goes to nobody. Every client's disclosure to every party \
            is recorded as an event before the copies are written. With --out, the copies are Markdown \
            files DIR/DOCUMENT-PARTY.md readable only by their owner; otherwise they are printed.
            """)

    @Argument(help: ArgumentHelp("The document's id in the process file, e.g. advance-information.", valueName: "document"))
    var document: String

    @Argument(help: ArgumentHelp("The cases the document is about.", valueName: "case"))
    var cases: [String]

    @Option(name: .customLong("to"), help: ArgumentHelp("Only this recipient party (repeatable).", valueName: "party"))
    var parties: [String] = []

    @Option(name: .long, help: ArgumentHelp("What the disclosure is for (default: the document's title).", valueName: "text"))
    var purpose: String?

    @Option(name: .long, help: ArgumentHelp("A folder to write one file per recipient party into.", valueName: "dir"))
    var out: String?

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if cases.isEmpty { throw ValidationError("Name at least one case.") }
    }

    func run() async throws {
        let catalog = try processOptions.loadCatalog()
        let engine = try await global.openCaseEngine().engine
        try await produce(
            document: document, cases: cases.map(caseStream), parties: parties.isEmpty ? nil : Set(parties), purpose: purpose,
            out: out, catalog: catalog, engine: engine, global: global)
    }
}

/// Produces, records and writes (or prints) a document for `document`.
func produce(
    document: String, cases: [StreamID], parties: Set<String>?, purpose: String?, out: String?, catalog: ProcessCatalog,
    engine: Engine, global: GlobalOptions
) async throws {
    // The folder must be usable before anything is recorded as disclosed; it is created
    // only once something is.
    if let out { try await refusingWithExit { try checkFolder(out) } }
    let result = try await refusingWithExit {
        try await engine.disclose(
            document: document, cases: cases, to: parties, purpose: purpose, current: catalog.definitionsByID, by: global.acting)
    }
    if let out { try await refusingWithExit { try write(result, to: out) } }
    if global.json {
        try printJSON([
            "documents": result.documents.map { copy in
                [
                    "document": copy.document, "party": copy.party, "purpose": copy.purpose, "date": copy.on.description,
                    "cases": copy.clients.map(\.caseID.rawValue),
                    "file": jsonOrNull(out.map(copy.path(in:))),
                ] as [String: Any]
            },
            "withheld": result.withheld.map { ["case": $0.caseID.rawValue, "party": jsonOrNull($0.party), "reason": $0.reason] },
        ] as [String: Any])
    } else {
        if out == nil {
            for copy in result.documents { print(copy.markdown) }
        }
        for copy in result.documents {
            let file = out.map { " → " + copy.path(in: $0) } ?? ""
            print(
                "\(Identifier.printable(copy.party)): \(counted(copy.clients.count, "client")) "
                    + "(\(copy.clients.map { Identifier.printable($0.caseID.rawValue) }.joined(separator: ", ")))\(file)")
        }
        for item in result.withheld { print(item.line) }
        if result.documents.isEmpty { print("Nothing was disclosed.") }
    }
}

extension ProcessCatalog {
    /// The definitions the files state now, by process id.
    var definitionsByID: [String: ProcessDefinition] {
        Dictionary(processes.map { ($0.definition.id, $0.definition) }, uniquingKeysWith: { first, _ in first })
    }
}

extension DisclosedDocument {
    /// Where this copy is written in `folder`: `DOCUMENT-PARTY.md`.
    func path(in folder: String) -> String {
        (folder as NSString).appendingPathComponent("\(document)-\(party).md")
    }
}

extension DocumentDisclosure.Withheld {
    /// `not disclosed: case C to P: reason`.
    var line: String {
        "not disclosed: case \(Identifier.printable(caseID.rawValue))\(party.map { " to \(Identifier.printable($0))" } ?? ""): \(reason)"
    }
}

/// Writes each copy of `result` to `folder` (created, owner-only, when missing). Called
/// after the disclosures were recorded, so a failure here says so.
func write(_ result: DocumentDisclosure, to folder: String) throws {
    guard !result.documents.isEmpty else { return }
    if !FileManager.default.fileExists(atPath: folder) {
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw UserError(
                "Cannot create the folder '\(folder)' for the documents (\(error.localizedDescription)); the disclosures were recorded, produce the documents again.")
        }
    }
    for copy in result.documents {
        try writePrivately(copy.markdown, to: copy.path(in: folder))
    }
}

/// Checks, without creating anything, that `path` is a writable folder or can be created
/// as one (its nearest existing parent is a writable folder).
func checkFolder(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw UserError("'\(path)' is a file, not a folder for the documents; nothing was disclosed.") }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw UserError("The folder '\(path)' cannot be written to; nothing was disclosed.")
        }
        return
    }
    var parent = (path as NSString).deletingLastPathComponent
    while !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) { parent = (parent as NSString).deletingLastPathComponent }
    let existing = parent.isEmpty ? "." : parent
    guard FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory), isDirectory.boolValue,
        FileManager.default.isWritableFile(atPath: existing)
    else { throw UserError("The folder '\(path)' cannot be created under '\(existing)'; nothing was disclosed.") }
}

/// Writes `text` to `path`, readable and writable by its owner only: it holds personal data.
func writePrivately(_ text: String, to path: String) throws {
    // Created owner-only (never readable by others, not even for a moment), not through a
    // link, and an existing file is tightened before anything is written to it.
    let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
        throw UserError("Cannot write '\(path)': \(String(cString: strerror(errno))).")
    }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard fchmod(descriptor, 0o600) == 0,
        bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count
    else {
        throw UserError("Cannot write '\(path)': \(String(cString: strerror(errno))).")
    }
}
