import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine access-log`, and the reads `show`, `history` and `agenda` record.
@Suite("aso-engine access-log")
struct AccessLogCommandTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path
    /// A planted personal value: it must never appear in the access log.
    static let releaseDate = "2026-12-23"

    static func run(_ arguments: [String], actor: String = "anna", now: String = "2026-06-01", in directory: TemporaryDirectory) throws -> ProcessOutput {
        var all = arguments + ["--db", directory.path("cases.sqlite"), "--actor", actor, "--now", now]
        if arguments.first == "open" { all += ["--processes", processes] }
        return try BuiltProduct.run("aso-engine", all, currentDirectory: directory.url)
    }

    /// Two cases ready for the meeting; case a disclosed to one party.
    static func cases(in directory: TemporaryDirectory) throws {
        for id in ["a", "b"] {
            let opened = try run(
                ["open", "vat-generic", "--case", id, "--set", "releaseDate=\(releaseDate)", "--worker", "anna"], in: directory)
            #expect(opened.status == 0, "\(opened.stderr)")
            #expect(try run(["consent", id, "--parties", "prison,adult-social-work"], now: "2026-06-10", in: directory).status == 0)
        }
        let disclosed = try run(
            ["disclose", "a", "adult-social-work", "--purpose", "advance information"], now: "2026-06-11", in: directory)
        #expect(disclosed.status == 0, "\(disclosed.stderr)")
    }

    @Test("show, history and agenda record who read a case, when and why; the access log lists them with the disclosures")
    func readsAppear() throws {
        let directory = try TemporaryDirectory()
        try Self.cases(in: directory)
        #expect(try Self.run(["show", "a"], actor: "ben", now: "2026-06-12", in: directory).status == 0)
        let history = try Self.run(["history", "a", "--purpose", "client asked for the record"], actor: "carl", now: "2026-06-13", in: directory)
        #expect(history.status == 0)
        #expect(!history.stdout.contains("PersonalDataRead"))
        #expect(try Self.run(["agenda"], actor: "dora", now: "2026-06-14", in: directory).status == 0)

        let log = try Self.run(["access-log", "a"], in: directory)
        #expect(log.status == 0, "\(log.stderr)")
        for line in [
            "legal basis  Statutory duty: the Criminal Sanctions Agency's",
            "consent      given on 2026-06-10, naming adult-social-work, prison",
            "2026-06-12T12:00:00+03:00  ben   show                         releaseDate",
            "2026-06-13T12:00:00+03:00  carl  client asked for the record  -",
            "2026-06-14T12:00:00+03:00  dora  meeting agenda               releaseDate",
            "2026-06-11T12:00:00+03:00  2026-06-11  anna  adult-social-work  advance information",
        ] {
            #expect(log.stdout.contains(line), "missing '\(line)' in\n\(log.stdout)")
        }
        #expect(!log.stdout.contains(Self.releaseDate))
        // The agenda listed case b too; reading the access log itself is not recorded.
        let other = try Self.run(["access-log", "b"], in: directory).stdout
        #expect(other.contains("dora  meeting agenda") && !other.contains("ben"))
        #expect(try Self.run(["access-log", "a"], in: directory).stdout == log.stdout)
        #expect(try Self.run(["verify"], in: directory).status == 0)
    }

    @Test("the access log as JSON: reads and disclosures, field ids and no values")
    func json() throws {
        let directory = try TemporaryDirectory()
        try Self.cases(in: directory)
        #expect(try Self.run(["show", "a", "--purpose", "home visit"], actor: "ben", now: "2026-06-12", in: directory).status == 0)
        let output = try Self.run(["access-log", "a", "--json"], in: directory)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!output.stdout.contains(Self.releaseDate))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["case", "legalBasis", "consent", "reads", "overrides", "disclosures"])
        #expect(object["case"] as? String == "a")
        #expect((object["legalBasis"] as? String)?.hasPrefix("Statutory duty:") == true)
        let consent = try #require(object["consent"] as? [[String: Any]])
        #expect(consent.first?["parties"] as? [String] == ["adult-social-work", "prison"])
        let reads = try #require(object["reads"] as? [[String: Any]])
        #expect(reads.count == 1)
        #expect(Set(reads[0].keys) == ["position", "when", "who", "organisation", "role", "purpose", "fields", "override"])
        #expect(reads[0]["override"] is NSNull)
        #expect((object["overrides"] as? [Any])?.isEmpty == true)
        #expect(reads[0]["who"] as? String == "ben")
        #expect(reads[0]["when"] as? String == "2026-06-12T12:00:00+03:00")
        #expect(reads[0]["purpose"] as? String == "home visit")
        #expect(reads[0]["fields"] as? [String] == ["releaseDate"])
        let disclosures = try #require(object["disclosures"] as? [[String: Any]])
        #expect(disclosures.count == 1)
        #expect(Set(disclosures[0].keys) == ["position", "when", "on", "who", "party", "purpose"])
        #expect(disclosures[0]["party"] as? String == "adult-social-work")
        #expect(disclosures[0]["purpose"] as? String == "advance information")

        let unknown = try Self.run(["access-log", "nobody"], in: directory)
        #expect(unknown.status == 1 && unknown.stderr.contains("does not exist"))
    }
}
