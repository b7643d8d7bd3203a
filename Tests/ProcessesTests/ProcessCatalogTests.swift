import Foundation
import Processes
import Testing
import WorkflowKitTesting
import WorkflowKit

/// The shipped process files, loaded through the catalog as the engine loads them.
@Suite struct ProcessCatalogTests {
    /// The package's own `processes/` directory.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("processes").path

    @Test func everyShippedProcessIsValidAndItsExamplesPass() throws {
        let catalog = ProcessCatalog(directory: Self.directory)
        #expect(catalog.library.diagnostics.filter { $0.severity == .error }.isEmpty, "\(catalog.library.diagnostics)")
        #expect(catalog.processes.count == catalog.library.files.count)
        #expect(!catalog.library.exampleResults.isEmpty)
        for result in catalog.library.exampleResults {
            #expect(result.passed, "\(result.process): \(result.name): \(result.failures)")
        }
    }

    @Test func vatGenericModelsTheSixSteps() throws {
        let catalog = ProcessCatalog(directory: Self.directory)
        let vat = try #require(catalog.definition(id: "vat-generic"))
        #expect(vat.initialState?.id == "mapping")
        #expect(vat.fastTrack?.state == "fast-mapping")
        let calendar = try #require(vat.makeCalendar())
        let (task, state) = try #require(vat.task("map-housing"))
        #expect(state.id == "mapping")
        // The engine's question: when is this task due for this case?
        let context = EvaluationContext(
            fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], openedOn: LocalDate("2026-06-01"), calendar: calendar)
        let schedule = vat.schedule(of: task, in: context)
        #expect(schedule.earliest == LocalDate("2026-06-23"))
        #expect(schedule.due == LocalDate("2026-10-23"))
        #expect(schedule.reminders == [LocalDate("2026-06-23")!, LocalDate("2026-10-16")!, LocalDate("2026-10-23")!])
        #expect(schedule.explanation.contains("due: 2026-10-23 = releaseDate (2026-12-23) - 2 months"))
        #expect(schedule.explanation.contains("due: Friday 2026-10-23 is a working day (calendar fi)."))
    }

    @Test func aDueDateOnADayOffMovesToTheNextWorkingDay() throws {
        let vat = try #require(ProcessCatalog(directory: Self.directory).definition(id: "vat-generic"))
        let calendar = try #require(vat.makeCalendar())
        let (task, _) = try #require(vat.task("map-housing"))
        // Two months before 2027-05-26 is Good Friday 2027-03-26; Easter Monday is the 29th.
        let context = EvaluationContext(fields: ["releaseDate": .date(LocalDate("2027-05-26")!)], calendar: calendar)
        let schedule = vat.schedule(of: task, in: context)
        #expect(schedule.due == LocalDate("2027-03-30"))
        #expect(schedule.explanation.contains { $0.contains("moves to the next working day, 2027-03-30 (Act 150/1930 §5)") })
        var keep = task
        keep.dueOnDayOff = .keep
        #expect(vat.schedule(of: keep, in: context).due == LocalDate("2027-03-26"))
    }

    @Test func theLargeBenchmarkDefinitionIsValid() throws {
        let text = ProcessLanguageBenchmark.generateLargeDefinition(states: 200, tasks: 1000)
        let library = ProcessLoader().load(sources: [.init(file: "large.yaml", text: text)])
        #expect(library.diagnostics.filter { $0.severity == .error }.isEmpty, "\(library.diagnostics.prefix(5))")
        let definition = try #require(library.definition(id: "large"))
        #expect(definition.states.count == 200)
        #expect(definition.states.reduce(0) { $0 + $1.tasks.count } == 1000)
    }
}

@Suite("Built-in catalog")
struct BuiltInCatalogTests {
    @Test("the built-in processes load without any path")
    func builtIn() {
        let catalog = ProcessCatalog()
        #expect(catalog.library.isValid)
        let ids = Set(catalog.processes.map(\.definition.id))
        #expect(ids.isSuperset(of: ["vat-generic", "vat-turku", "aso-joensuu", "child-welfare-kuopio", "walk-in-housing"]))
        #expect(catalog.processes.allSatisfy { $0.file.hasPrefix(ProcessCatalog.builtInDirectory ?? "-") })
    }

    /// Each built-in process's content hash, the version its running cases follow. A
    /// change to a file, or to how files are hashed, moves these: every case opened under
    /// the old hash then follows an old version (and `migrate` offers the new one). Update
    /// a hash here only for a change that means to make a new version.
    static let pinnedHashes = [
        "aso-joensuu": "a00a8b1b57a36366b5cddf79d66e5948b71d9f19e23b0b190013744bdd12f532",
        "child-welfare-kuopio": "c85b9e6474960d437d06888b7a86aff52d459988ff6c93609fb67f6292c31cc5",
        "vat-generic": "5dee82854769f00e4900cf9c5ac3a6f43a6db7163d51343343b9c84b2516afc7",
        "vat-tampere": "e7a562e0bf3d4824567a23b1805694bba28ed9394e02c81b72458a5f6364a858",
        "vat-turku": "a3fedfb2b7c67182870598e180339d688dfd577781ffe720dc8524e2bc8caec2",
        "vat-vaasa": "08ace46274d3a8b314d7b7a376699e305de17d322f56d3ca420d6b8704484dfd",
        "walk-in-housing": "05028af7c50a5382e8134fdff82a77d1435b4d2c3c25b9cce09d421e4a44c61e",
    ]

    @Test("every built-in process has the content hash pinned here")
    func pinnedContentHashes() {
        let hashes = Dictionary(uniqueKeysWithValues: ProcessCatalog().processes.map { ($0.definition.id, $0.definition.contentHash) })
        #expect(hashes == Self.pinnedHashes)
    }

    @Test("a coordinator's folder adds processes, extends built-in ones, and overrides by id")
    func override() throws {
        let directory = try TemporaryDirectory()
        let builtIn = try #require(ProcessCatalog().definition(id: "vat-turku"))
        let turku = try String(contentsOfFile: Repository.root(of: #filePath).appendingPathComponent("processes/vat-turku.yaml").path, encoding: .utf8)
        try turku.replacingOccurrences(of: "process: vat-turku", with: "process: vat-oulu")
            .write(toFile: directory.path("vat-oulu.yaml"), atomically: true, encoding: .utf8)
        try turku.replacingOccurrences(of: "title: ", with: "title: Local ").replacingOccurrences(of: "title: Local Housing", with: "title: Our housing")
            .write(toFile: directory.path("turku-local.yaml"), atomically: true, encoding: .utf8)
        let catalog = ProcessCatalog(directory: directory.url.path)
        #expect(catalog.library.isValid, "\(catalog.library.diagnostics)")
        let oulu = try #require(catalog.definition(id: "vat-oulu"))
        #expect(oulu.states.count == builtIn.states.count)
        let local = try #require(catalog.process(id: "vat-turku"))
        #expect(local.file.hasPrefix(directory.url.path))
        #expect(local.definition.contentHash != builtIn.contentHash)
        #expect(catalog.processes.filter { $0.definition.id == "vat-turku" }.count == 1)
    }
}
