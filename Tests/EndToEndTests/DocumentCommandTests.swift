import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine document`, `agenda --advance-information` and the legal basis cases
/// record, run against the built binary.
@Suite("aso-engine document")
struct DocumentCommandTests {
    /// A fixed master key, so that standard error carries no key-file warning.
    static let masterKey = Data((0..<32).map { UInt8(($0 * 13 + 5) & 0xff) }).base64EncodedString()

    /// The clients: A names prison and kela, B only prison, C gives no consent, D gives
    /// consent and withdraws it. Each has a planted release date.
    static let a = (id: "vat-101", releaseDate: "2027-02-11")
    static let b = (id: "vat-102", releaseDate: "2027-03-17")
    static let c = (id: "vat-103", releaseDate: "2027-04-22")
    static let d = (id: "vat-104", releaseDate: "2027-05-19")
    static let releaseDates = [a.releaseDate, b.releaseDate, c.releaseDate, d.releaseDate]

    /// A process with meetings but no documents.
    static let plainProcess = """
        process: plain-test
        title: Plain test
        calendar: fi
        fields:
          releaseDate: { type: date, title: Release date, required: true, personal: true }
        parties: { prison: Prison }
        roles: { worker: Worker }
        events: { consent-given: Consent given, done: Done }
        states:
          waiting:
            initial: true
            on: { consent-given: { to: ready, guard: consent.given }, done: finished }
          ready: { on: { done: finished } }
          finished: { final: true }
        legalBasis: Statutory duty under the Social Welfare Act (1301/2014)
        """

    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        var database: String { directory.path("cases.sqlite") }

        init() throws {
            directory = try TemporaryDirectory()
        }

        func run(_ arguments: [String], now: String = "2026-06-12") throws -> ProcessOutput {
            try BuiltProduct.run(
                "aso-engine", arguments + ["--db", database, "--actor", "anna", "--now", now],
                environment: ["ASO_MASTER_KEY": DocumentCommandTests.masterKey], currentDirectory: directory.url)
        }

        @discardableResult
        func succeed(_ arguments: [String], now: String = "2026-06-12") throws -> ProcessOutput {
            let output = try run(arguments, now: now)
            #expect(output.status == 0, "aso-engine \(arguments.joined(separator: " ")) failed: \(output.stderr)")
            return output
        }

        /// The four clients of vat-generic, opened on 2026-06-01; A, B and D (before
        /// withdrawing) gave consent on 2026-06-10, which moves them to `notify`.
        func clients() throws {
            let all = [DocumentCommandTests.a, DocumentCommandTests.b, DocumentCommandTests.c, DocumentCommandTests.d]
            for client in all {
                try succeed(
                    ["open", "vat-generic", "--case", client.id, "--set", "releaseDate=\(client.releaseDate)", "--worker", "anna"],
                    now: "2026-06-01")
            }
            try succeed(["record", DocumentCommandTests.a.id, "--set", "sentence=prison"], now: "2026-06-02")
            try succeed(["consent", DocumentCommandTests.a.id, "--parties", "prison,kela"], now: "2026-06-10")
            try succeed(["consent", DocumentCommandTests.b.id, "--parties", "prison"], now: "2026-06-10")
            try succeed(["consent", DocumentCommandTests.d.id, "--parties", "prison,kela"], now: "2026-06-10")
            try succeed(["consent", DocumentCommandTests.d.id, "--withdraw"], now: "2026-06-11")
        }

        /// The parties each disclosure of `caseID` went to, in order, from the access log.
        func disclosures(_ caseID: String) throws -> [(party: String, purpose: String)] {
            let output = try succeed(["access-log", caseID, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            let list = try #require(object["disclosures"] as? [[String: Any]])
            return list.map { ($0["party"] as? String ?? "?", $0["purpose"] as? String ?? "?") }
        }

        /// `InformationDisclosed` lines in the case's history.
        func disclosedInHistory(_ caseID: String) throws -> [String] {
            try succeed(["history", caseID]).stdout.split(separator: "\n").map(String.init).filter { $0.contains("InformationDisclosed") }
        }

        /// The number of events in the log, as `verify` counts them (verify records nothing).
        func eventCount() throws -> Int {
            let output = try succeed(["verify"])
            let firstLine = output.stdout.split(separator: "\n").first ?? ""
            let number = firstLine.split(separator: ":").last?.split(separator: " ").first.flatMap { Int($0) }
            return try #require(number, "unexpected verify output: \(output.stdout)")
        }

        func files(in folder: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        }

        func permissions(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }

        func read(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8)
        }
    }

    @Test("one copy per party, each holding only the clients whose consent names it; every disclosure recorded")
    func perParty() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let out = fixture.directory.path("out")
        let result = try fixture.succeed(["document", "advance-information", Self.a.id, Self.b.id, Self.c.id, Self.d.id, "--out", out])

        #expect(try fixture.files(in: out) == ["advance-information-kela.md", "advance-information-prison.md"])
        #expect(try fixture.permissions(out) == 0o700)
        let prisonPath = out + "/advance-information-prison.md"
        let kelaPath = out + "/advance-information-kela.md"
        #expect(try fixture.permissions(prisonPath) == 0o600)
        #expect(try fixture.permissions(kelaPath) == 0o600)

        let prison = try fixture.read(prisonPath)
        #expect(prison.hasPrefix("# Advance information for the network meeting\n\nTo: Prison (prison)  \nDate: 2026-06-12  \n"))
        for line in [
            "## Case \(Self.a.id)", "- Release date: \(Self.a.releaseDate)", "- Kind of sentence: prison",
            "## Case \(Self.b.id)", "- Release date: \(Self.b.releaseDate)", "- Kind of sentence: not recorded",
        ] {
            #expect(prison.contains(line), "missing '\(line)' in\n\(prison)")
        }
        let kela = try fixture.read(kelaPath)
        #expect(kela.contains("To: Kela (kela)"))
        #expect(kela.contains("## Case \(Self.a.id)") && kela.contains("- Release date: \(Self.a.releaseDate)"))
        #expect(kela.components(separatedBy: "## Case ").count - 1 == 1)
        // B named only the prison: nothing of B goes to Kela. C and D go to nobody.
        #expect(!kela.contains(Self.b.id) && !kela.contains(Self.b.releaseDate))
        for text in [prison, kela] {
            for client in [Self.c, Self.d] {
                #expect(!text.contains(client.id) && !text.contains(client.releaseDate))
            }
        }

        #expect(result.stdout.contains("kela: 1 client (\(Self.a.id)) → \(kelaPath)"), "\(result.stdout)")
        #expect(result.stdout.contains("prison: 2 clients (\(Self.a.id), \(Self.b.id)) → \(prisonPath)"))
        #expect(result.stdout.contains("not disclosed: case \(Self.c.id): the case has no consent in force"))
        #expect(result.stdout.contains("not disclosed: case \(Self.d.id): the case has no consent in force"))
        for date in Self.releaseDates {
            #expect(!result.stdout.contains(date) && !result.stderr.contains(date), "'\(date)' printed with --out")
        }

        // Exactly the disclosures made: A to both, B to the prison, C and D to nobody.
        let purpose = "Advance information for the network meeting"
        let toA = try fixture.disclosures(Self.a.id)
        #expect(toA.map(\.party) == ["kela", "prison"])
        #expect(toA.allSatisfy { $0.purpose == purpose })
        #expect(try fixture.disclosures(Self.b.id).map(\.party) == ["prison"])
        #expect(try fixture.disclosures(Self.c.id).isEmpty)
        #expect(try fixture.disclosures(Self.d.id).isEmpty)
        let history = try fixture.disclosedInHistory(Self.a.id)
        #expect(history.count == 2)
        #expect(history.allSatisfy { $0.contains("2026-06-12T12:00:00+03:00  anna") })
        #expect(history.contains { $0.contains("information disclosed to 'kela': \(purpose)") })
        #expect(try fixture.disclosedInHistory(Self.b.id).count == 1)
        #expect(try fixture.disclosedInHistory(Self.c.id).isEmpty)
        #expect(try fixture.disclosedInHistory(Self.d.id).isEmpty)
        let log = try fixture.succeed(["access-log", Self.b.id]).stdout
        #expect(log.contains("2026-06-12T12:00:00+03:00  2026-06-12  anna  prison  \(purpose)"), "\(log)")
        #expect(!log.contains(Self.b.releaseDate))
        #expect(try fixture.succeed(["verify"]).status == 0)
    }

    @Test("--to restricts the recipients; --json lists the copies and what was withheld")
    func onlyNamedRecipients() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let out = fixture.directory.path("out")
        let result = try fixture.succeed(
            ["document", "advance-information", Self.a.id, Self.b.id, "--to", "kela", "--purpose", "housing application", "--out", out, "--json"])
        #expect(try fixture.files(in: out) == ["advance-information-kela.md"])
        let kela = try fixture.read(out + "/advance-information-kela.md")
        #expect(kela.contains("Purpose: housing application"))
        #expect(kela.contains("## Case \(Self.a.id)") && !kela.contains(Self.b.id) && !kela.contains(Self.b.releaseDate))

        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["documents", "withheld"])
        let documents = try #require(json["documents"] as? [[String: Any]])
        #expect(documents.count == 1)
        #expect(Set(documents[0].keys) == ["document", "party", "purpose", "date", "cases", "file"])
        #expect(documents[0]["party"] as? String == "kela")
        #expect(documents[0]["document"] as? String == "advance-information")
        #expect(documents[0]["purpose"] as? String == "housing application")
        #expect(documents[0]["date"] as? String == "2026-06-12")
        #expect(documents[0]["cases"] as? [String] == [Self.a.id])
        #expect(documents[0]["file"] as? String == out + "/advance-information-kela.md")
        let withheld = try #require(json["withheld"] as? [[String: Any]])
        #expect(withheld.count == 1)
        #expect(withheld.first?["case"] as? String == Self.b.id)
        #expect(withheld.first?["reason"] as? String == "the consent names none of the recipients")
        for date in Self.releaseDates { #expect(!result.stdout.contains(date)) }

        #expect(try fixture.disclosures(Self.a.id).map(\.party) == ["kela"])
        #expect(try fixture.disclosures(Self.a.id).first?.purpose == "housing application")
        #expect(try fixture.disclosures(Self.b.id).isEmpty)
    }

    @Test("without --out each copy is printed; the memo lists the open tasks")
    func printedMemo() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let result = try fixture.succeed(["document", "memo", Self.a.id, Self.b.id, "--to", "prison"], now: "2026-06-15")
        let copies = result.stdout.components(separatedBy: "# Memo of the network meeting").count - 1
        #expect(copies == 1)
        for line in [
            "To: Prison (prison)", "## Case \(Self.a.id)", "## Case \(Self.b.id)", "- Release date: \(Self.b.releaseDate)",
            "- Housing form agreed: not recorded", "Who does what, by when:",
            "- Notify the group leader — Responsible worker (prison or community sanctions office), due 2026-06-12",
            "- Invite the prison and send it advance information — Group leader, due 2026-06-25",
            "- Invite Kela and send it advance information — Group leader, due 2026-06-25 (on hold: consent)",
            "prison: 2 clients (\(Self.a.id), \(Self.b.id))",
        ] {
            #expect(result.stdout.contains(line), "missing '\(line)' in\n\(result.stdout)")
        }
        #expect(!result.stdout.contains("To: Kela"))
        #expect(try fixture.disclosures(Self.b.id).map(\.purpose) == ["Memo of the network meeting — who does what, by when"])
    }

    @Test("an unknown document is refused, naming the process and its documents; nothing is recorded")
    func unknownDocument() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let events = try fixture.eventCount()
        let historyBefore = try fixture.succeed(["history", Self.a.id]).stdout
        let events2 = try fixture.eventCount()
        let out = fixture.directory.path("out")

        let refused = try fixture.run(["document", "minutes", Self.a.id, Self.b.id, "--out", out])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Process 'vat-generic' (case '\(Self.a.id)') has no document 'minutes'; it has advance-information, memo.\n")
        #expect(refused.stdout.isEmpty)
        #expect(try fixture.eventCount() == events2)
        #expect(try fixture.succeed(["history", Self.a.id]).stdout == historyBefore)
        #expect(try fixture.disclosures(Self.a.id).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out), "a refused run creates no folder")
        #expect(events2 > events)  // history records its read; verify does not

        // A case that does not exist refuses the whole run, the known cases included.
        let unknownCase = try fixture.run(["document", "advance-information", Self.a.id, "vat-999"])
        #expect(unknownCase.status == 1 && unknownCase.stderr.contains("Case 'vat-999' does not exist."))
        #expect(try fixture.disclosures(Self.a.id).isEmpty)

        // A process whose file states no documents says so.
        let processes = fixture.directory.path("processes")
        try FileManager.default.createDirectory(atPath: processes, withIntermediateDirectories: true)
        try Self.plainProcess.write(toFile: processes + "/plain-test.yaml", atomically: true, encoding: .utf8)
        try fixture.succeed(["open", "plain-test", "--case", "plain-1", "--set", "releaseDate=2027-06-30", "--processes", processes])
        try fixture.succeed(["consent", "plain-1", "--parties", "prison"])
        let before = try fixture.eventCount()
        let none = try fixture.run(["document", "advance-information", Self.a.id, "plain-1", "--processes", processes])
        #expect(none.status == 1)
        #expect(none.stderr == "Process 'plain-test' (case 'plain-1') has no document 'advance-information'; its file states no 'documents'.\n")
        #expect(try fixture.eventCount() == before)
        #expect(try fixture.disclosures(Self.a.id).isEmpty)
    }

    @Test("--out naming a file is refused before anything is recorded")
    func outIsAFile() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let file = fixture.directory.path("not-a-folder")
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: file))
        let events = try fixture.eventCount()
        let refused = try fixture.run(["document", "advance-information", Self.a.id, Self.b.id, "--out", file])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("'\(file)' is a file, not a folder for the documents; nothing was disclosed."), "\(refused.stderr)")
        #expect(try fixture.eventCount() == events)
        #expect(try fixture.disclosures(Self.a.id).isEmpty && fixture.disclosures(Self.b.id).isEmpty)
        #expect(try fixture.read(file) == "keep me\n")
        for date in Self.releaseDates { #expect(!refused.stdout.contains(date) && !refused.stderr.contains(date)) }
    }

    @Test("agenda --advance-information writes a copy per invited party and records each disclosure")
    func agendaAdvanceInformation() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let out = fixture.directory.path("meeting")
        let agenda = try fixture.succeed(["agenda", "--advance-information", out], now: "2026-06-14")
        let kelaPath = out + "/advance-information-kela.md"
        let prisonPath = out + "/advance-information-prison.md"
        #expect(agenda.stdout.contains("Meeting of vat-generic on 2026-07-07: 2 clients"), "\(agenda.stdout)")
        #expect(agenda.stdout.contains("  advance information to kela: \(Self.a.id) → \(kelaPath)"))
        #expect(agenda.stdout.contains("  advance information to prison: \(Self.a.id), \(Self.b.id) → \(prisonPath)"))

        #expect(try fixture.files(in: out) == ["advance-information-kela.md", "advance-information-prison.md"])
        #expect(try fixture.permissions(kelaPath) == 0o600 && fixture.permissions(prisonPath) == 0o600)
        let kela = try fixture.read(kelaPath)
        #expect(kela.contains("Purpose: Advance information for the meeting of 2026-07-07"))
        #expect(kela.contains("- Release date: \(Self.a.releaseDate)"))
        #expect(!kela.contains(Self.b.id) && !kela.contains(Self.b.releaseDate))
        let prison = try fixture.read(prisonPath)
        #expect(prison.contains("- Release date: \(Self.a.releaseDate)") && prison.contains("- Release date: \(Self.b.releaseDate)"))
        for text in [kela, prison] {
            #expect(!text.contains(Self.c.id) && !text.contains(Self.d.id))
        }

        let purpose = "Advance information for the meeting of 2026-07-07"
        let toA = try fixture.disclosures(Self.a.id)
        #expect(toA.map(\.party) == ["kela", "prison"] && toA.allSatisfy { $0.purpose == purpose })
        let toB = try fixture.disclosures(Self.b.id)
        #expect(toB.map(\.party) == ["prison"] && toB.first?.purpose == purpose)
        #expect(try fixture.disclosures(Self.c.id).isEmpty && fixture.disclosures(Self.d.id).isEmpty)

        let json = try fixture.succeed(["agenda", "--json"], now: "2026-06-14")
        let agendas = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        // Without the option nothing is sent, and nothing more is recorded.
        #expect((agendas.first?["advanceInformationSent"] as? [Any])?.isEmpty == true)
        #expect(try fixture.disclosures(Self.a.id).count == 2)
    }

    @Test("agenda --advance-information skips, and names, a process without the document; the others still get theirs")
    func agendaProcessWithoutDocument() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let processes = fixture.directory.path("processes")
        try FileManager.default.createDirectory(atPath: processes, withIntermediateDirectories: true)
        // A meeting process whose file states no documents, sorting before vat-generic.
        let meeting = Self.plainProcess.replacingOccurrences(of: "plain-test", with: "meet-test")
            .replacingOccurrences(of: "consent-given: Consent given, done: Done", with: "consent-given: Consent given, meeting-held: Held, done: Done")
            .replacingOccurrences(of: "ready: { on: { done: finished } }", with: "ready: { on: { meeting-held: finished, done: finished } }")
        try meeting.write(toFile: processes + "/meet-test.yaml", atomically: true, encoding: .utf8)
        try fixture.succeed(["open", "meet-test", "--case", "m-1", "--set", "releaseDate=2026-12-30", "--processes", processes])
        try fixture.succeed(["consent", "m-1", "--parties", "prison"])
        let out = fixture.directory.path("meeting")
        let agenda = try fixture.succeed(["agenda", "--advance-information", out, "--processes", processes], now: "2026-06-14")
        #expect(agenda.stdout.contains("  no advance information: process 'meet-test' states no document 'advance-information'"), "\(agenda.stdout)")
        #expect(try fixture.files(in: out) == ["advance-information-kela.md", "advance-information-prison.md"])
        #expect(try fixture.disclosures("m-1").isEmpty)
        #expect(try !fixture.read(out + "/advance-information-prison.md").contains("m-1"))
        #expect(try fixture.disclosures(Self.a.id).map(\.party) == ["kela", "prison"])
    }

    @Test("agenda --advance-information naming a file is refused before anything is recorded")
    func agendaOutIsAFile() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let file = fixture.directory.path("not-a-folder")
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: file))
        let events = try fixture.eventCount()
        let refused = try fixture.run(["agenda", "--advance-information", file], now: "2026-06-14")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("'\(file)' is a file, not a folder for the documents; nothing was disclosed."), "\(refused.stderr)")
        #expect(try fixture.disclosures(Self.a.id).isEmpty && fixture.disclosures(Self.b.id).isEmpty)
        #expect(try fixture.read(file) == "keep me\n")
        #expect(try fixture.eventCount() == events, "a refused agenda records no read")
    }

    @Test("a case records its process's legal basis; open --legal-basis overrides it")
    func legalBasis() throws {
        let fixture = try Fixture()
        try fixture.succeed(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-01-20"], now: "2026-06-01")
        let basis = "Child Welfare Act (417/2007), section 75: aftercare until the age of 25"
        try fixture.succeed(
            ["open", "vat-generic", "--case", "vat-2", "--set", "releaseDate=2027-01-21", "--legal-basis", basis], now: "2026-06-01")

        let processBasis = "legal basis Statutory duty: the Criminal Sanctions Agency's release planning under the Imprisonment Act (767/2005"
        let first = try fixture.succeed(["show", "vat-1"]).stdout
        #expect(first.contains(processBasis), "\(first)")
        #expect(first.contains("the Social Welfare Act (1301/2014)") && first.contains("GDPR art. 6(1)(c), 9(2)(h), and art. 10"))
        let second = try fixture.succeed(["show", "vat-2"]).stdout
        #expect(second.contains("legal basis \(basis)\n"), "\(second)")
        #expect(!second.contains("Social Welfare Act (1301/2014)"))

        let log = try fixture.succeed(["access-log", "vat-2"]).stdout
        #expect(log.contains("legal basis  \(basis)\n"), "\(log)")
        let json = try fixture.succeed(["access-log", "vat-2", "--json"]).stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["legalBasis"] as? String == basis)
        #expect(try fixture.succeed(["access-log", "vat-1"]).stdout.contains("legal basis  Statutory duty: the Criminal Sanctions Agency's"))
    }

    @Test("a case named twice is one client in each copy and one disclosure per party")
    func caseNamedTwice() throws {
        let fixture = try Fixture()
        try fixture.clients()
        let out = fixture.directory.path("out")
        try fixture.succeed(["document", "advance-information", Self.a.id, Self.a.id, "--to", "kela", "--out", out])
        let kela = try fixture.read(out + "/advance-information-kela.md")
        let recorded = try fixture.disclosures(Self.a.id)
        #expect(kela.components(separatedBy: "## Case \(Self.a.id)").count - 1 == 1)
        #expect(recorded.count == 1)
    }
}
