import Foundation
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Documents disclosed per recipient party: only clients whose consent names the party,
/// nothing after consent is withdrawn, every disclosure an event.
@Suite("Document disclosure")
struct DocumentDisclosureTests {
    static let yaml = """
        process: disclosure-test
        title: Disclosure test
        fields:
          releaseDate: { type: date, title: Release date, required: true, personal: true }
          situation: { type: text, title: Situation, personal: true }
          housingForm: { type: choice, title: Housing form, values: [independent, supported] }
        parties:
          social-work: Adult social work
          landlord: Non-profit landlord
          kela: Kela
        roles: { worker: Responsible worker, chair: Group leader }
        events: { meeting-held: Meeting held }
        states:
          waiting:
            initial: true
            tasks:
              prepare: { title: Prepare the client, role: worker, due: releaseDate - 1 month, remind: [on due] }
            on: { meeting-held: closed }
          closed: { final: true }
        legalBasis: Statutory duty under the Social Welfare Act.
        documents:
          advance-information:
            title: Advance information
            fields: [releaseDate, situation]
          memo:
            title: Memo
            fields: [housingForm]
            tasks: open
        """

    static let situations: [StreamID: String] = [
        "both": "Vuokravelkaa 2311 euroa, Liisa Laine",
        "social-only": "Häätö vireillä, Pekka Pouta",
        "none": "Ei suostumusta, Outi Oja",
        "withdrawn": "Peruttu suostumus, Veli Vaara",
    ]

    struct Fixture {
        let directory: TemporaryDirectory
        let database: WorkflowDatabase
        let engine: Engine
        let definition: ProcessDefinition

        init() async throws {
            directory = try TemporaryDirectory()
            database = try WorkflowDatabase(
                path: directory.path("log.sqlite"), masterKey: .base64(Data(repeating: 9, count: 32).base64EncodedString()))
            engine = Engine(database: database, now: { EngineFixtures.at("2026-06-01") })
            definition = try CaseScenario.definition(yaml: DocumentDisclosureTests.yaml)
            let consents: [StreamID: [String]?] = [
                "both": ["social-work", "landlord"], "social-only": ["social-work"], "none": nil, "withdrawn": ["social-work"],
            ]
            for (id, parties) in consents.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                try await engine.open(
                    definition, caseID: id,
                    fields: ["releaseDate": .date(LocalDate("2026-12-01")!), "situation": .text(DocumentDisclosureTests.situations[id]!)],
                    responsibleWorker: "anna", by: Acting("anna"))
                if let parties { try await engine.execute(.giveConsent(parties: parties), on: id, by: Acting("anna")) }
            }
            try await engine.execute(.withdrawConsent, on: "withdrawn", by: Acting("anna"))
        }

        func disclosures(_ id: StreamID) async throws -> [InformationDisclosed] {
            try await engine.load(id).0.disclosures
        }
    }

    @Test("each party's copy holds only the clients who named it; the rest go to nobody")
    func perRecipient() async throws {
        let fixture = try await Fixture()
        let result = try await fixture.engine.disclose(
            document: "advance-information", cases: ["both", "social-only", "none", "withdrawn"], by: Acting("chair"))
        #expect(result.documents.map(\.party) == ["landlord", "social-work"])
        let landlord = try #require(result.documents.first { $0.party == "landlord" })
        let social = try #require(result.documents.first { $0.party == "social-work" })
        #expect(landlord.clients.map(\.caseID) == ["both"])
        #expect(social.clients.map(\.caseID) == ["both", "social-only"])
        #expect(landlord.partyTitle == "Non-profit landlord" && landlord.purpose == "Advance information")

        // The landlord's copy says nothing about the clients who did not name it.
        let text = landlord.markdown
        #expect(text.contains(Self.situations["both"]!))
        #expect(text.contains("- Release date: 2026-12-01"))
        for id in ["social-only", "none", "withdrawn"] as [StreamID] {
            #expect(!text.contains(Self.situations[id]!))
            #expect(!text.contains(id.rawValue))
        }
        #expect(!social.markdown.contains(Self.situations["none"]!) && !social.markdown.contains(Self.situations["withdrawn"]!))
        #expect(Set(result.withheld.map(\.caseID)) == ["none", "withdrawn"])
        #expect(result.withheld.allSatisfy { $0.reason == "the case has no consent in force" && $0.party == nil })

        // Every disclosure is an event in the client's own stream.
        #expect(try await fixture.disclosures("both").map(\.party) == ["landlord", "social-work"])
        #expect(try await fixture.disclosures("social-only").map(\.party) == ["social-work"])
        #expect(try await fixture.disclosures("none").isEmpty)
        #expect(try await fixture.disclosures("withdrawn").isEmpty)
        let log = try await fixture.database.accessLog(case: "both")
        #expect(log.disclosures.map(\.party) == ["landlord", "social-work"])
        #expect(log.disclosures.allSatisfy { $0.actor == "chair" && $0.purpose == "Advance information" })
        #expect(log.legalBasis == "Statutory duty under the Social Welfare Act.")
        #expect(log.reads.map(\.purpose) == ["document 'advance-information'"])
        #expect(log.reads.first?.fields == ["releaseDate", "situation"] && log.reads.first?.actor == "chair")
        #expect(try await fixture.database.accessLog(case: "none").reads.isEmpty)
    }

    @Test("recipients can be limited; a party the consent does not name is reported, not sent")
    func limitedRecipients() async throws {
        let fixture = try await Fixture()
        let result = try await fixture.engine.disclose(
            document: "memo", cases: ["both", "social-only"], to: ["landlord"], purpose: "Memo of the meeting of 2026-06-02",
            by: Acting("chair"))
        #expect(result.documents.map(\.party) == ["landlord"])
        #expect(result.documents[0].clients.map(\.caseID) == ["both"])
        #expect(result.withheld == [.init(caseID: "social-only", party: nil, reason: "the consent names none of the recipients")])
        // The memo lists who does what by when, and only the fields it names.
        let memo = result.documents[0].markdown
        #expect(memo.contains("- Prepare the client — Responsible worker, due 2026-11-02"))
        #expect(!memo.contains(Self.situations["both"]!))
        #expect(try await fixture.disclosures("both").map(\.purpose) == ["Memo of the meeting of 2026-06-02"])
        #expect(try await fixture.disclosures("social-only").isEmpty)
    }

    @Test("withdrawing consent stops further disclosure; consent given again allows it")
    func withdrawalStops() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.engine.disclose(document: "advance-information", cases: ["both"], by: Acting("chair"))
        try await fixture.engine.execute(.withdrawConsent, on: "both", by: Acting("anna"))
        let after = try await fixture.engine.disclose(document: "memo", cases: ["both"], by: Acting("chair"))
        #expect(after.documents.isEmpty)
        #expect(try await fixture.disclosures("both").count == 2)
        try await fixture.engine.execute(.giveConsent(parties: ["kela"]), on: "both", by: Acting("anna"))
        let again = try await fixture.engine.disclose(document: "memo", cases: ["both"], by: Acting("chair"))
        #expect(again.documents.map(\.party) == ["kela"])
    }

    @Test("an unknown document or case refuses the whole run before anything is disclosed")
    func refusedWholly() async throws {
        let fixture = try await Fixture()
        let before = try await fixture.database.events.lastPosition()
        await #expect {
            try await fixture.engine.disclose(document: "summary", cases: ["both"], by: Acting("chair"))
        } throws: { error in
            (error as? CommandRefused)?.message
                == "Process 'disclosure-test' (case 'both') has no document 'summary'; it has advance-information, memo."
        }
        await #expect(throws: CommandRefused.self) {
            try await fixture.engine.disclose(document: "memo", cases: ["both", "missing"], by: Acting("chair"))
        }
        #expect(try await fixture.database.events.lastPosition() == before)
    }

    @Test("an erased case goes to nobody")
    func erasedGoesToNobody() async throws {
        let fixture = try await Fixture()
        try await Engine(database: fixture.database).execute(.erase(reason: "Asked by the client."), on: "both", by: Acting("archivist"))
        let result = try await fixture.engine.disclose(document: "advance-information", cases: ["both"], by: Acting("chair"))
        #expect(result.documents.isEmpty)
        #expect(result.withheld.map(\.reason) == ["the case's personal data was erased"])
    }

    @Test("the legal basis is the process's unless the case was opened with its own")
    func legalBasis() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.engine.load("both").0.legalBasis == "Statutory duty under the Social Welfare Act.")
        try await fixture.engine.open(
            fixture.definition, caseID: "own", fields: ["releaseDate": .date(LocalDate("2026-12-01")!)],
            legalBasis: "Child Welfare Act, aftercare", by: Acting("anna"))
        #expect(try await fixture.engine.load("own").0.legalBasis == "Child Welfare Act, aftercare")
        #expect(try await fixture.database.accessLog(case: "own").legalBasis == "Child Welfare Act, aftercare")
    }
}
