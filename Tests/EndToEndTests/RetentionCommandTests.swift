import Foundation
import GRDB
import Testing
import WorkflowKitTesting

/// `aso-engine retention` and the daemon's retention sweep, run against the built binary.
@Suite("aso-engine retention")
struct RetentionCommandTests {
    /// A fixed master key, so that standard error carries no key-file warning.
    static let masterKey = Data((0..<32).map { UInt8($0 * 11 & 0xff) }).base64EncodedString()

    /// Planted personal values: after erasure none may be readable anywhere.
    static let note = "Ulosottovelkaa 48213 euroa, Kalle Esimerkki"
    static let releaseDate = "2031-07-19"
    /// Another case's values, which must survive the sweep.
    static let keptNote = "Asunnoton syksystä 2025, Liisa Malli"
    static let openNote = "Päihdekuntoutus kesken, Hämeenlinnan vankila"
    static let planted = [note, releaseDate, keptNote, openNote, "1961-02-27", "1950-01-10", "1900-05-05"]

    /// A process with a short retention period counted from closing.
    static func recordsProcess(keep: String = "1 year after closing") -> String {
        """
        process: records-test
        title: Records test
        calendar: fi
        fields:
          releaseDate: { type: date, title: Release date, required: true, personal: true }
          note: { type: text, title: Note, personal: true }
        roles: { worker: Worker }
        events: { done: Done }
        states:
          working:
            initial: true
            tasks:
              call: { title: Call the client, role: worker, due: openedOn + 5 working days, remind: [on due] }
            on: { done: finished }
          finished: { final: true }
        legalBasis: Statutory duty under the Social Welfare Act (1301/2014)
        retention:
          class: short-term-records
          keep: \(keep)
          basis: Test records schedule
        """
    }

    /// A process whose period is counted from a date field.
    static let birthProcess = """
        process: birth-test
        title: Birth test
        calendar: fi
        fields:
          birthDate: { type: date, title: Date of birth, personal: true }
          note: { type: text, title: Note, personal: true }
        roles: { worker: Worker }
        events: { done: Done }
        states:
          working: { initial: true, on: { done: finished } }
          finished: { final: true }
        legalBasis: Statutory duty under the Child Welfare Act (417/2007)
        retention: 70 years after birthDate
        """

    /// A temporary folder with a database and a folder of process files.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        var database: String { directory.path("cases.sqlite") }
        var processes: String { directory.path("processes") }

        init(records: String = RetentionCommandTests.recordsProcess()) throws {
            directory = try TemporaryDirectory()
            try writeProcesses(records: records, into: processes)
        }

        /// Writes the two test processes into `folder`.
        func writeProcesses(records: String, into folder: String) throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try records.write(toFile: folder + "/records-test.yaml", atomically: true, encoding: .utf8)
            try RetentionCommandTests.birthProcess.write(toFile: folder + "/birth-test.yaml", atomically: true, encoding: .utf8)
        }

        /// Which process files `open`, `retention` and `daemon` load.
        enum Processes {
            /// The fixture's folder (with the built-in processes).
            case test
            /// The built-in processes only.
            case builtIn
            /// Another folder.
            case folder(String)
        }

        /// Runs `aso-engine` with the fixture's database and the test master key.
        func run(_ arguments: [String], now: String, processes: Processes = .test) throws -> ProcessOutput {
            var all = arguments + ["--db", database, "--actor", "anna", "--now", now]
            if ["open", "retention", "daemon"].contains(arguments.first) {
                switch processes {
                case .test: all += ["--processes", self.processes]
                case .folder(let folder): all += ["--processes", folder]
                case .builtIn: break
                }
            }
            return try BuiltProduct.run(
                "aso-engine", all, environment: ["ASO_MASTER_KEY": RetentionCommandTests.masterKey], currentDirectory: directory.url)
        }

        /// Runs and expects exit status 0.
        @discardableResult
        func succeed(_ arguments: [String], now: String, processes: Processes = .test) throws -> ProcessOutput {
            let output = try run(arguments, now: now, processes: processes)
            #expect(output.status == 0, "aso-engine \(arguments.joined(separator: " ")) failed: \(output.stderr)")
            return output
        }

        /// Opens a records-test case with the planted values, and closes it on `closedOn`.
        func recordsCase(_ id: String, note: String, closedOn: String?) throws {
            try succeed(
                ["open", "records-test", "--case", id, "--set", "releaseDate=\(RetentionCommandTests.releaseDate)", "--worker", "anna"],
                now: "2026-03-02")
            try succeed(["record", id, "--set", "note=\(note)"], now: "2026-03-03")
            if let closedOn { try succeed(["close", id, "--reason", "The work ended."], now: closedOn) }
        }

        /// The number of events in the log, as `verify` counts them (verify records nothing).
        func eventCount() throws -> Int {
            let output = try succeed(["verify"], now: "2026-03-02")
            let firstLine = output.stdout.split(separator: "\n").first ?? ""
            let number = firstLine.split(separator: ":").last?.split(separator: " ").first.flatMap { Int($0) }
            return try #require(number, "unexpected verify output: \(output.stdout)")
        }

        /// The wrapped key of each case that still has one.
        func wrappedKeys() throws -> [String: Data] {
            let queue = try DatabaseQueue(path: database)
            return try queue.read { db in
                var keys: [String: Data] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT case_id, wrapped FROM case_keys") {
                    keys[row["case_id"]] = row["wrapped"]
                }
                return keys
            }
        }

        /// The raw bytes of the database file and its WAL.
        func rawFiles() throws -> [(String, Data)] {
            try [database, database + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
                .map { ($0, try Data(contentsOf: URL(fileURLWithPath: $0))) }
        }
    }

    /// Lines of the form `OUTCOME  CASE (...)` printed by `retention`.
    static func line(_ output: ProcessOutput, for caseID: String) -> String? {
        output.stdout.split(separator: "\n").map(String.init).first { $0.contains(" \(caseID) (") }
    }

    static func expectNoPersonalValues(_ output: ProcessOutput, _ what: String) {
        for value in planted {
            #expect(!output.stdout.contains(value), "'\(value)' in the standard output of \(what)")
            #expect(!output.stderr.contains(value), "'\(value)' in the standard error of \(what)")
        }
    }

    @Test("a dry run lists the due case and erases nothing; the real run shreds it and leaves the rest")
    func dryRunThenErase() throws {
        let fixture = try Fixture()
        try fixture.recordsCase("r-due", note: Self.note, closedOn: "2026-06-01")
        try fixture.recordsCase("r-recent", note: Self.keptNote, closedOn: "2027-03-01")
        try fixture.recordsCase("r-open", note: Self.openNote, closedOn: nil)
        let keysBefore = try fixture.wrappedKeys()
        #expect(Set(keysBefore.keys) == ["r-due", "r-recent", "r-open"])
        let eventsBefore = try fixture.eventCount()

        let dry = try fixture.succeed(["retention", "--dry-run"], now: "2027-06-02")
        #expect(
            Self.line(dry, for: "r-due")
                == "due       r-due (records-test, closed 2026-06-01; short-term-records: 1 year after closing, ended 2027-06-01)")
        #expect(dry.stdout.hasSuffix("1 closed case due for erasure (dry run: nothing erased); 1 kept until their period ends.\n"))
        // Only what is due is listed without --all; an open case is never listed.
        #expect(Self.line(dry, for: "r-recent") == nil)
        #expect(Self.line(dry, for: "r-open") == nil)
        Self.expectNoPersonalValues(dry, "retention --dry-run")
        #expect(try fixture.eventCount() == eventsBefore)
        #expect(try fixture.wrappedKeys() == keysBefore)
        let stillThere = try fixture.succeed(["show", "r-due"], now: "2027-06-02").stdout
        #expect(stillThere.contains("note = \(Self.note)"))
        #expect(stillThere.contains("releaseDate = \(Self.releaseDate)"))

        let listed = try fixture.succeed(["retention", "--dry-run", "--all"], now: "2027-06-02")
        #expect(
            Self.line(listed, for: "r-recent")
                == "kept      r-recent (records-test, closed 2027-03-01; short-term-records: 1 year after closing, until 2028-03-01)")
        #expect(Self.line(listed, for: "r-open") == nil)

        let erased = try fixture.succeed(["retention"], now: "2027-06-02")
        #expect(
            Self.line(erased, for: "r-due")
                == "erased    r-due (records-test, closed 2026-06-01; short-term-records: 1 year after closing, ended 2027-06-01)")
        #expect(erased.stdout.hasSuffix("1 case erased; 1 kept until their period ends.\n"))
        Self.expectNoPersonalValues(erased, "retention")

        // The key is gone, and its bytes with it: secure_delete and the checkpoint.
        let keysAfter = try fixture.wrappedKeys()
        #expect(Set(keysAfter.keys) == ["r-recent", "r-open"])
        let shredded = try #require(keysBefore["r-due"])
        let remaining = try #require(keysBefore["r-recent"])
        let raw = try fixture.rawFiles()
        // The search finds a key that is still there.
        #expect(raw.contains { $0.1.range(of: remaining) != nil })
        for (file, bytes) in raw {
            #expect(bytes.range(of: shredded) == nil, "the erased case's wrapped key is still in \(file)")
            for value in Self.planted {
                #expect(bytes.range(of: Data(value.utf8)) == nil, "'\(value)' in plain text in \(file)")
            }
        }

        let show = try fixture.succeed(["show", "r-due"], now: "2027-06-03")
        #expect(
            show.stdout.contains(
                "erased      2027-06-02: The retention period ended: class 'short-term-records', kept 1 year after closing (Test records schedule)."
            ), "\(show.stdout)")
        #expect(show.stdout.contains("No field values."))
        Self.expectNoPersonalValues(show, "show")
        let history = try fixture.succeed(["history", "r-due"], now: "2027-06-03")
        let erasures = history.stdout.split(separator: "\n").filter { $0.contains("CaseErased") }
        #expect(erasures.count == 1)
        #expect(erasures.first?.contains("2027-06-02T12:00:00+03:00  anna") == true, "\(history.stdout)")
        Self.expectNoPersonalValues(history, "history")
        #expect(try fixture.succeed(["verify"], now: "2027-06-03").stdout.hasPrefix("The event log is intact"))

        // The others are untouched.
        #expect(try fixture.succeed(["show", "r-recent"], now: "2027-06-03").stdout.contains("note = \(Self.keptNote)"))
        #expect(try fixture.succeed(["show", "r-open"], now: "2027-06-03").stdout.contains("note = \(Self.openNote)"))

        // The access log still works and names the legal basis; the case still counts.
        let log = try fixture.succeed(["access-log", "r-due"], now: "2027-06-03")
        #expect(log.stdout.contains("legal basis  Statutory duty under the Social Welfare Act (1301/2014)"))
        #expect(log.stdout.contains("anna  show"))
        Self.expectNoPersonalValues(log, "access-log")
        let report = try fixture.succeed(["report", "--json"], now: "2027-06-03")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let figures = try #require((json["processes"] as? [[String: Any]])?.first { $0["process"] as? String == "records-test" })
        #expect(figures["casesOpened"] as? Int == 3)
        #expect(figures["casesClosed"] as? Int == 2)
        #expect(try fixture.succeed(["cases"], now: "2027-06-03").stdout.contains("r-due"))
    }

    @Test("the period is counted to the day; an open case is never erased, however far in the future")
    func boundariesAndOpenCases() throws {
        let fixture = try Fixture()
        try fixture.recordsCase("r-closed", note: Self.note, closedOn: "2026-06-01")
        try fixture.recordsCase("r-open", note: Self.openNote, closedOn: nil)
        // A rule counted from a date long past does not reach an open case either.
        try fixture.succeed(
            ["open", "birth-test", "--case", "b-open", "--set", "birthDate=1900-05-05", "--set", "note=\(Self.keptNote)"], now: "2026-03-02")

        let early = try fixture.succeed(["retention", "--all"], now: "2027-05-31")
        #expect(
            Self.line(early, for: "r-closed")
                == "kept      r-closed (records-test, closed 2026-06-01; short-term-records: 1 year after closing, until 2027-06-01)")
        #expect(early.stdout.hasSuffix("0 cases erased; 1 kept until their period ends.\n"))
        #expect(try fixture.succeed(["show", "r-closed"], now: "2027-05-31").stdout.contains("note = \(Self.note)"))

        let onTheDay = try fixture.succeed(["retention"], now: "2027-06-01")
        #expect(Self.line(onTheDay, for: "r-closed")?.hasPrefix("erased    r-closed") == true, "\(onTheDay.stdout)")

        let farFuture = try fixture.succeed(["retention", "--all", "--json"], now: "2099-12-31")
        let decisions = try #require(try JSONSerialization.jsonObject(with: Data(farFuture.stdout.utf8)) as? [[String: Any]])
        #expect(decisions.compactMap { $0["case"] as? String } == ["r-closed"])
        #expect(decisions.first?["outcome"] as? String == "already erased")
        #expect(try fixture.succeed(["show", "r-open"], now: "2099-12-31").stdout.contains("note = \(Self.openNote)"))
        let birth = try fixture.succeed(["show", "b-open"], now: "2099-12-31").stdout
        #expect(birth.contains("birthDate = 1900-05-05") && birth.contains("note = \(Self.keptNote)"))
        #expect(Set(try fixture.wrappedKeys().keys) == ["r-open", "b-open"])
    }

    @Test("a rule counted from a date field: never before closing, and a case without the date is not counted")
    func countedFromDateField() throws {
        let fixture = try Fixture()
        // 70 years after 1961-02-27 is 2031-02-27, after the case closed.
        try fixture.succeed(
            ["open", "birth-test", "--case", "b-late", "--set", "birthDate=1961-02-27", "--set", "note=\(Self.note)"], now: "2026-03-02")
        // 70 years after 1950-01-10 passed before the case closed: it may go once closed.
        try fixture.succeed(
            ["open", "birth-test", "--case", "b-past", "--set", "birthDate=1950-01-10", "--set", "note=\(Self.keptNote)"], now: "2026-03-02")
        // No date of birth: the period cannot be counted, so nothing is erased.
        try fixture.succeed(["open", "birth-test", "--case", "b-none", "--set", "note=\(Self.openNote)"], now: "2026-03-02")
        for id in ["b-late", "b-past", "b-none"] {
            try fixture.succeed(["fire", id, "done"], now: "2026-06-01")
        }

        let first = try fixture.succeed(["retention", "--all"], now: "2026-06-02")
        #expect(Self.line(first, for: "b-late") == "kept      b-late (birth-test, closed 2026-06-01; birth-test: 70 years after birthDate, until 2031-02-27)")
        #expect(Self.line(first, for: "b-past") == "erased    b-past (birth-test, closed 2026-06-01; birth-test: 70 years after birthDate, ended 2026-06-01)")
        #expect(
            Self.line(first, for: "b-none")
                == "uncounted b-none (birth-test, closed 2026-06-01; birth-test: 70 years after birthDate: the case has no value for it)")
        #expect(first.stdout.hasSuffix("1 case erased; 1 kept until their period ends; 1 that cannot be counted (no value for the rule's date).\n"))
        Self.expectNoPersonalValues(first, "retention")
        #expect(try fixture.succeed(["show", "b-none"], now: "2026-06-02").stdout.contains("note = \(Self.openNote)"))
        #expect(!(try fixture.succeed(["show", "b-past"], now: "2026-06-02").stdout.contains(Self.keptNote)))

        #expect(Self.line(try fixture.succeed(["retention"], now: "2031-02-26"), for: "b-late") == nil)
        #expect(try fixture.succeed(["show", "b-late"], now: "2031-02-26").stdout.contains("birthDate = 1961-02-27"))
        let due = try fixture.succeed(["retention"], now: "2031-02-27")
        #expect(Self.line(due, for: "b-late")?.hasPrefix("erased    b-late") == true, "\(due.stdout)")
        #expect(!(try fixture.succeed(["show", "b-late"], now: "2031-02-28").stdout.contains("1961-02-27")))
        #expect(Set(try fixture.wrappedKeys().keys) == ["b-none"])
    }

    @Test("--json: one object per closed case with its rule, expiry and outcome")
    func json() throws {
        let fixture = try Fixture()
        try fixture.recordsCase("r-due", note: Self.note, closedOn: "2026-06-01")
        try fixture.recordsCase("r-recent", note: Self.keptNote, closedOn: "2027-03-01")
        try fixture.recordsCase("r-open", note: Self.openNote, closedOn: nil)

        func decisions(_ arguments: [String]) throws -> [String: [String: Any]] {
            let output = try fixture.succeed(["retention", "--json"] + arguments, now: "2027-06-02")
            Self.expectNoPersonalValues(output, "retention --json")
            let array = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
            for object in array {
                #expect(Set(object.keys) == ["case", "process", "closedOn", "class", "rule", "expiry", "outcome"])
            }
            return Dictionary(uniqueKeysWithValues: array.map { ($0["case"] as? String ?? "?", $0) })
        }

        let dry = try decisions(["--dry-run"])
        #expect(Set(dry.keys) == ["r-due", "r-recent"])
        let due = try #require(dry["r-due"])
        #expect(due["process"] as? String == "records-test")
        #expect(due["closedOn"] as? String == "2026-06-01")
        #expect(due["class"] as? String == "short-term-records")
        #expect(due["rule"] as? String == "1 year after closing")
        #expect(due["expiry"] as? String == "2027-06-01")
        #expect(due["outcome"] as? String == "due")
        #expect(dry["r-recent"]?["outcome"] as? String == "kept")
        #expect(dry["r-recent"]?["expiry"] as? String == "2028-03-01")

        #expect(try decisions([])["r-due"]?["outcome"] as? String == "erased")
        let again = try decisions([])
        #expect(again["r-due"]?["outcome"] as? String == "already erased")
        #expect(again["r-recent"]?["outcome"] as? String == "kept")
    }

    @Test("running twice erases once: the second run appends nothing")
    func idempotent() throws {
        let fixture = try Fixture()
        try fixture.recordsCase("r-due", note: Self.note, closedOn: "2026-06-01")
        let first = try fixture.succeed(["retention"], now: "2027-06-02")
        #expect(first.stdout.hasSuffix("1 case erased; 0 kept until their period ends.\n"))
        let events = try fixture.eventCount()

        let second = try fixture.succeed(["retention"], now: "2027-06-03")
        #expect(second.stdout == "0 cases erased; 0 kept until their period ends.\n")
        #expect(try fixture.eventCount() == events)
        let all = try fixture.succeed(["retention", "--all"], now: "2027-06-03")
        #expect(Self.line(all, for: "r-due") == "erased    r-due (records-test, closed 2026-06-01; erased before)")
        let history = try fixture.succeed(["history", "r-due"], now: "2027-06-03").stdout
        #expect(history.components(separatedBy: "CaseErased").count - 1 == 1)
    }

    @Test("the rule in the process files now applies; without the file, the case's own version's rule")
    func currentRuleApplies() throws {
        let fixture = try Fixture(records: Self.recordsProcess(keep: "10 years after closing"))
        try fixture.recordsCase("r-1", note: Self.note, closedOn: "2026-06-01")
        let shortened = fixture.directory.path("processes-now")
        try fixture.writeProcesses(records: Self.recordsProcess(keep: "1 year after closing"), into: shortened)

        // The case's own version (10 years), whether the file says so or is gone.
        let asOpened = try fixture.succeed(["retention", "--all"], now: "2028-01-10")
        #expect(Self.line(asOpened, for: "r-1")?.hasSuffix("10 years after closing, until 2036-06-01)") == true, "\(asOpened.stdout)")
        let builtInOnly = try fixture.succeed(["retention", "--all"], now: "2028-01-10", processes: .builtIn)
        #expect(Self.line(builtInOnly, for: "r-1")?.hasSuffix("10 years after closing, until 2036-06-01)") == true, "\(builtInOnly.stdout)")

        // The corrected file applies to the closed case.
        let corrected = try fixture.succeed(["retention"], now: "2028-01-10", processes: .folder(shortened))
        #expect(
            Self.line(corrected, for: "r-1")
                == "erased    r-1 (records-test, closed 2026-06-01; short-term-records: 1 year after closing, ended 2027-06-01)")
        #expect(!(try fixture.succeed(["show", "r-1"], now: "2028-01-10").stdout.contains(Self.note)))
    }

    @Test("a case erased by hand before its period ends is reported as erased before, and nothing is appended")
    func erasedByHand() throws {
        let fixture = try Fixture()
        try fixture.recordsCase("r-1", note: Self.note, closedOn: "2026-06-01")
        try fixture.succeed(["erase", "r-1", "--reason", "The client asked for erasure."], now: "2026-06-02")
        let events = try fixture.eventCount()
        let output = try fixture.succeed(["retention", "--all", "--json"], now: "2026-06-03")
        #expect(try fixture.eventCount() == events)
        let decisions = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        #expect(decisions.count == 1)
        #expect(decisions.first?["outcome"] as? String == "already erased")
    }

    @Test("the built-in vat-generic keeps a closed case 10 years after closing")
    func builtInProcess() throws {
        let fixture = try Fixture()
        let releaseDate = "2026-11-19"
        try fixture.succeed(
            ["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=\(releaseDate)", "--worker", "anna"], now: "2026-06-01",
            processes: .builtIn)
        try fixture.succeed(["close", "vat-1", "--reason", "Housed."], now: "2026-06-01")

        let kept = try fixture.succeed(["retention", "--all"], now: "2036-05-31", processes: .builtIn)
        #expect(
            Self.line(kept, for: "vat-1")
                == "kept      vat-1 (vat-generic, closed 2026-06-01; working-age-adult-services: 10 years after closing, until 2036-06-01)")
        #expect(try fixture.succeed(["show", "vat-1"], now: "2036-05-31").stdout.contains("releaseDate = \(releaseDate)"))
        let erased = try fixture.succeed(["retention"], now: "2036-06-02", processes: .builtIn)
        #expect(Self.line(erased, for: "vat-1")?.hasPrefix("erased    vat-1 (vat-generic") == true, "\(erased.stdout)")
        #expect(!erased.stdout.contains(releaseDate))
        let show = try fixture.succeed(["show", "vat-1"], now: "2036-06-02").stdout
        #expect(!show.contains(releaseDate))
        #expect(show.contains("class 'working-age-adult-services', kept 10 years after closing (Act 703/2023 on client data in health and social care)."))
    }

    @Test("daemon --once sweeps after delivering reminders; --no-retention does not; no personal value in its output")
    func daemon() throws {
        let fixture = try Fixture()
        try fixture.recordsCase("r-due", note: Self.note, closedOn: "2026-06-01")
        // An open case whose reminders are due, so that the daemon delivers something.
        try fixture.recordsCase("r-open", note: Self.openNote, closedOn: nil)

        let without = try fixture.succeed(["daemon", "--once", "--no-retention", "--sink", "stdout"], now: "2027-06-05T09:00")
        #expect(without.stdout.contains("case r-open task call"), "\(without.stdout)")
        #expect(!without.stderr.contains("retention"))
        Self.expectNoPersonalValues(without, "daemon --no-retention")
        #expect(try fixture.succeed(["show", "r-due"], now: "2027-06-05").stdout.contains("note = \(Self.note)"))

        let with = try fixture.succeed(["daemon", "--once", "--sink", "stdout"], now: "2027-06-05T09:10")
        #expect(with.stderr.contains("case.id=r-due class=short-term-records process=records-test"), "\(with.stderr)")
        #expect(with.stderr.contains("retention period ended: personal data erased"))
        #expect(with.stderr.contains("retention sweep: 1 erased, 0 kept"))
        Self.expectNoPersonalValues(with, "daemon")
        let show = try fixture.succeed(["show", "r-due"], now: "2027-06-05").stdout
        #expect(!show.contains(Self.note) && !show.contains(Self.releaseDate))
        #expect(show.contains("erased      2027-06-05: The retention period ended: class 'short-term-records'"), "\(show)")
        #expect(try fixture.succeed(["show", "r-open"], now: "2027-06-05").stdout.contains("note = \(Self.openNote)"))
        #expect(Set(try fixture.wrappedKeys().keys) == ["r-open"])
        #expect(try fixture.succeed(["verify"], now: "2027-06-05").status == 0)
    }
}
