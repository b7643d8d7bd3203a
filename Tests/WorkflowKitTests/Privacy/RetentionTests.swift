import Foundation
import GRDB
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Retention rules in process files, and the sweep that crypto-shreds closed cases
/// whose period has ended.
@Suite("Retention")
struct RetentionTests {
    static let yaml = """
        process: retention-test
        title: Retention test
        fields:
          birthDate: { type: date, personal: true }
          note: { type: text, personal: true }
          housingForm: { type: choice, values: [independent, supported] }
        roles: { worker: Worker }
        events: { done: Done }
        states:
          open:
            initial: true
            tasks:
              call: { title: Call, role: worker, due: openedOn + 5 working days, remind: [on due] }
            on: { done: closed }
          closed: { final: true }
        legalBasis: Statutory duty under the Social Welfare Act.
        retention:
          class: working-age-adult-services
          keep: 10 years after closing
          basis: Act 703/2023
        """

    static let note = "Ulosotossa 31877 euroa, Kalle Virtanen"
    static let masterKey = Data((0..<32).map { UInt8($0 * 5 & 0xff) }).base64EncodedString()

    static func definition(_ yaml: String = yaml) throws -> ProcessDefinition { try CaseScenario.definition(yaml: yaml) }

    struct Fixture {
        let directory: TemporaryDirectory
        let path: String
        let time: ManualTime
        let database: WorkflowDatabase
        let engine: Engine

        init() throws {
            directory = try TemporaryDirectory()
            path = directory.path("log.sqlite")
            time = ManualTime(milliseconds: EngineFixtures.at("2026-06-01"))
            database = try WorkflowDatabase(path: path, masterKey: .base64(RetentionTests.masterKey))
            engine = Engine(database: database, now: time.provider)
        }

        func set(_ date: String) { time.set(milliseconds: EngineFixtures.at(date)) }

        /// Opens a case with a planted note; closes it on `closeOn` when given.
        func plant(_ id: StreamID, definition: ProcessDefinition, birthDate: String? = nil, closeOn: String?) async throws {
            set("2026-06-01")
            var fields: [String: ExpressionValue] = ["note": .text(RetentionTests.note), "housingForm": .text("supported")]
            if let birthDate { fields["birthDate"] = .date(LocalDate(birthDate)!) }
            try await engine.open(definition, caseID: id, fields: fields, by: Acting("anna"))
            if let closeOn {
                set(closeOn)
                try await engine.execute(.fire(event: "done"), on: id, by: Acting("anna"))
            }
        }

        func sweep(on date: String, dryRun: Bool = false, rules: [String: RetentionRule?] = [:]) async throws -> [StreamID: RetentionDecision] {
            set(date)
            let decisions = try await RetentionSweep(engine: engine, currentRules: rules).run(dryRun: dryRun, by: Acting("archivist"))
            return Dictionary(uniqueKeysWithValues: decisions.map { ($0.caseID, $0) })
        }

        func rawContains(_ text: String) throws -> Bool {
            try [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }.contains { file in
                try Data(contentsOf: URL(fileURLWithPath: file)).range(of: Data(text.utf8)) != nil
            }
        }
    }

    @Test("the sweep erases closed cases whose period ended, keeps the rest, and the facts still count")
    func sweepErasesExpired() async throws {
        let fixture = try Fixture()
        let definition = try Self.definition()
        try await fixture.plant("old", definition: definition, closeOn: "2026-06-15")
        try await fixture.plant("recent", definition: definition, closeOn: "2030-01-10")
        try await fixture.plant("open", definition: definition, closeOn: nil)

        // A dry run on the last day of the period: nothing due yet.
        var decisions = try await fixture.sweep(on: "2036-06-14", dryRun: true)
        #expect(decisions["old"]?.outcome == .kept)
        #expect(decisions["old"]?.expiry == LocalDate("2036-06-15"))
        #expect(decisions["open"] == nil, "open cases are not even considered")

        decisions = try await fixture.sweep(on: "2036-06-15", dryRun: true)
        #expect(decisions["old"]?.outcome == .due)
        #expect(try await fixture.engine.load("old").0.fields["note"] == .text(Self.note), "a dry run erases nothing")

        let before = try await fixture.database.events.lastPosition()
        decisions = try await fixture.sweep(on: "2036-06-15")
        #expect(decisions["old"]?.outcome == .erased)
        #expect(decisions["old"]?.rule?.retentionClass == "working-age-adult-services")
        #expect(decisions["recent"]?.outcome == .kept)
        #expect(decisions["recent"]?.expiry == LocalDate("2040-01-10"))
        #expect(try await fixture.database.events.lastPosition() == before + 1, "one CaseErased event, nothing else")

        let (old, _) = try await Engine(database: fixture.database, now: fixture.time.provider).load("old")
        #expect(old.fields == ["housingForm": .text("supported")])
        #expect(old.erased?.reason == "The retention period ended: class 'working-age-adult-services', kept 10 years after closing (Act 703/2023).")
        #expect(old.erased?.fields == ["birthDate", "note"])
        #expect(old.closed != nil && old.completedTasks.isEmpty)
        #expect(try await fixture.engine.load("recent").0.fields["note"] == .text(Self.note))
        #expect(try await fixture.engine.load("open").0.fields["note"] == .text(Self.note))
        #expect(try await fixture.database.events.verify().firstBrokenPosition == nil)
        #expect(Set(try await fixture.database.cases().map(\.id)) == ["old", "recent", "open"])

        // Again: the erased case is reported, nothing more is written.
        let after = try await fixture.database.events.lastPosition()
        decisions = try await fixture.sweep(on: "2036-06-16")
        #expect(decisions["old"]?.outcome == .alreadyErased)
        #expect(try await fixture.database.events.lastPosition() == after)

        // Even the open case, far in the future, is kept.
        decisions = try await fixture.sweep(on: "2090-01-01")
        #expect(decisions["recent"]?.outcome == .erased)
        #expect(try await fixture.engine.load("open").0.fields["note"] == .text(Self.note))
    }

    @Test("a rule counted from a date field: never before closing, and uncountable without the value")
    func countedFromAField() async throws {
        let fixture = try Fixture()
        let definition = try Self.definition(Self.yaml.replacingOccurrences(of: "keep: 10 years after closing", with: "keep: 20 years after birthDate"))
        #expect(definition.retention?.after == .field("birthDate"))
        try await fixture.plant("born-2000", definition: definition, birthDate: "2000-03-01", closeOn: "2026-07-01")
        try await fixture.plant("born-2010", definition: definition, birthDate: "2010-03-01", closeOn: "2026-07-01")
        try await fixture.plant("unknown", definition: definition, closeOn: "2026-07-01")

        let decisions = try await fixture.sweep(on: "2026-07-02")
        // 2000 + 20 years is long past, but the case closed only yesterday: erased from closing on.
        #expect(decisions["born-2000"]?.expiry == LocalDate("2026-07-01"))
        #expect(decisions["born-2000"]?.outcome == .erased)
        #expect(decisions["born-2010"]?.expiry == LocalDate("2030-03-01"))
        #expect(decisions["born-2010"]?.outcome == .kept)
        #expect(decisions["unknown"]?.outcome == .cannotCount)
        #expect(try await fixture.engine.load("unknown").0.fields["note"] == .text(Self.note))
    }

    @Test("the rule in force now applies to old versions; a process the files no longer have keeps its own")
    func currentRulesWin() async throws {
        let fixture = try Fixture()
        let definition = try Self.definition()
        try await fixture.plant("a", definition: definition, closeOn: "2026-06-15")
        let shorter = RetentionRule(retentionClass: "short", keep: DateDuration(1, .years))
        var decisions = try await fixture.sweep(on: "2027-06-15", dryRun: true, rules: ["retention-test": shorter])
        #expect(decisions["a"]?.outcome == .due)
        #expect(decisions["a"]?.rule == shorter)
        // The files now say: no rule at all. Nothing is erased, whatever the old version said.
        decisions = try await fixture.sweep(on: "2040-01-01", dryRun: true, rules: ["retention-test": RetentionRule?.none])
        #expect(decisions["a"]?.outcome == .noRule)
        // The files do not know the process: the case's own version decides.
        decisions = try await fixture.sweep(on: "2040-01-01", dryRun: true, rules: ["another": shorter])
        #expect(decisions["a"]?.outcome == .due)
        #expect(decisions["a"]?.rule?.retentionClass == "working-age-adult-services")
    }

    @Test("after the sweep, the planted value cannot be read back with the master key, nor found in the file")
    func shreddedForGood() async throws {
        let fixture = try Fixture()
        try await fixture.plant("gone", definition: try Self.definition(), closeOn: "2026-06-15")
        #expect(try !fixture.rawContains(Self.note))
        _ = try await fixture.sweep(on: "2036-07-01")
        let reopened = try WorkflowDatabase(path: fixture.path, masterKey: .base64(Self.masterKey))
        #expect(try await reopened.caseKey(for: "gone") == nil)
        let history = try await reopened.caseHistory("gone").compactMap(\.event)
        #expect(!"\(history)".contains(Self.note))
        #expect(try !fixture.rawContains(Self.note))
    }
}

/// The process-language side: reading and checking `legalBasis`, `retention`, `documents`.
@Suite("Records language")
struct RecordsLanguageTests {
    static func errors(_ yaml: String) -> [String] {
        ProcessLoader().load(sources: [.init(file: "r.yaml", text: yaml)]).diagnostics
            .filter { $0.severity == .error }.map { "\($0.line):\($0.column): \($0.message)" }
    }

    static let base = """
        process: records
        fields:
          birthDate: { type: date, personal: true }
          count: { type: number }
        roles: { worker: Worker }
        events: { done: Done }
        states:
          open: { initial: true, on: { done: closed } }
          closed: { final: true }
        legalBasis: Statutory duty.

        """

    @Test("the short and the long form of a retention rule")
    func forms() throws {
        let short = try CaseScenario.definition(yaml: Self.base + "retention: 10 years after closing\n")
        #expect(short.retention == RetentionRule(retentionClass: "records", keep: DateDuration(10, .years)))
        let long = try CaseScenario.definition(
            yaml: Self.base + "retention: { class: family-services, keep: 30 years after closing, basis: Act 703/2023 }\n")
        #expect(long.retention == RetentionRule(retentionClass: "family-services", keep: DateDuration(30, .years), basis: "Act 703/2023"))
        #expect(long.retention?.description == "30 years after closing")
        let field = try CaseScenario.definition(yaml: Self.base + "retention: 120 years after birthDate\n")
        #expect(field.retention?.after == .field("birthDate"))
    }

    @Test("a malformed rule is an error at its line and column")
    func malformed() {
        #expect(Self.errors(Self.base + "retention: 10 years\n") == [
            "11:12: The retention period must say how long after what, e.g. '10 years after closing' or '120 years after birthDate'; not '10 years'."
        ])
        #expect(Self.errors(Self.base + "retention: 5 working days after closing\n") == [
            "11:12: The retention period is counted in calendar time (days, weeks, months, years), not working days."
        ])
        #expect(Self.errors(Self.base + "retention: 10 years after count\n") == [
            "11:27: The retention period can be counted from 'closing' or a date field; 'count' is a number field."
        ])
        #expect(Self.errors(Self.base + "retention: 10 years after birthdate\n") == [
            "11:27: The retention period is counted from 'closing' or a date field, not 'birthdate' (did you mean 'birthDate'?)."
        ])
        #expect(Self.errors(Self.base + "retention: { class: x, kept: 10 years after closing }\n").contains { $0.hasPrefix("11:24: Unknown key 'kept'") })
        #expect(Self.errors(Self.base + "retention: 0 years after closing\n").count == 1)
    }

    @Test("documents name known fields; legalBasis missing is a warning where data is personal")
    func documentsAndLegalBasis() throws {
        let yaml = Self.base + """
            documents:
              memo: { title: Memo, fields: [count, birthDate], tasks: open }
              note: { fields: [count] }
            """
        let definition = try CaseScenario.definition(yaml: yaml)
        #expect(definition.documents == [
            DocumentDefinition(id: "memo", title: "Memo", fields: ["count", "birthDate"], openTasks: true),
            DocumentDefinition(id: "note", title: "note", fields: ["count"]),
        ])
        #expect(definition.legalBasis == "Statutory duty.")
        #expect(Self.errors(Self.base + "documents: { memo: { fields: [cuont] } }\n") == [
            "11:31: Unknown field 'cuont' in the document 'memo' (did you mean 'count'?)."
        ])
        #expect(Self.errors(Self.base + "documents: { memo: { fields: [count], tasks: all } }\n") == [
            "11:46: 'tasks' of a document is 'open' (list the case's open tasks: who does what by when) or 'none', not 'all'."
        ])
        let noBasis = ProcessLoader().load(sources: [.init(file: "r.yaml", text: Self.base.replacingOccurrences(of: "legalBasis: Statutory duty.\n", with: ""))])
        #expect(noBasis.diagnostics.map(\.message) == [
            "The process has personal fields but no 'legalBasis'; cases will not record the statutory duty their data is processed under."
        ])
    }

    @Test("the new keys keep the hashes of definitions without them, and resolve writes them back")
    func hashesAndResolve() throws {
        let without = try CaseScenario.definition(yaml: Self.base)
        var copy = without
        copy.retention = nil
        copy.documents = nil
        #expect(copy.contentHash == without.contentHash)
        let yaml = Self.base + """
            retention: { class: c, keep: 2 years after closing }
            documents: { memo: { title: Memo, fields: [count], tasks: open } }
            """
        let with = try CaseScenario.definition(yaml: yaml)
        #expect(with.contentHash != without.contentHash)
        let again = try CaseScenario.definition(yaml: with.resolvedYAML)
        #expect(again.contentHash == with.contentHash)
        #expect(again.retention == with.retention && again.documents == with.documents && again.legalBasis == with.legalBasis)
    }
}
