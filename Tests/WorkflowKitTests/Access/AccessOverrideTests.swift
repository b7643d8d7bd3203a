import Foundation
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Lawful overrides in the library: the rules over an injected time, and the events that
/// keep them, mark the reads made under them and list them for review.
@Suite("Access overrides")
struct AccessOverrideTests {
    static let hour: Int64 = 3_600_000
    static let granted = EngineFixtures.at("2026-06-02")

    static let directory = PrincipalDirectory(principals: [
        Principal(actor: "cora", organisation: "office", roles: ["coordinator"]),
        Principal(actor: "anna", organisation: "prison", roles: ["responsible-worker"]),
        Principal(actor: "sam", organisation: "child-welfare", roles: ["statutory-override", "chair"], processes: ["vat-generic"]),
        Principal(actor: "lisa", organisation: "landlord", roles: ["housing-worker"]),
    ])

    static func state(_ id: StreamID = "vat-1", process: String = "vat-generic") -> CaseState {
        var state = CaseState(id: id)
        state.version = 1
        state.process = process
        state.responsibleWorker = "anna"
        return state
    }

    /// The policy at `time`, with sam's 8-hour override on vat-1 granted at ``granted``.
    static func policy(at time: Int64, directory: PrincipalDirectory = directory) throws -> AccessPolicy {
        let grant = try AccessPolicy(directory: Self.directory, overrides: AccessOverrides(), now: granted)
            .override("vat-1", state: state(), reason: "Report of concern.", basis: "Act 417/2007 §26", hours: 8, by: "sam")
        return AccessPolicy(directory: directory, overrides: AccessOverrides([grant.override(id: 7)]), now: time)
    }

    @Test("an override shows the case to its holder from its start until its end, and to nobody else")
    func window() throws {
        let state = Self.state()
        #expect(!(try Self.policy(at: Self.granted - 1)).canSee(state, actor: "sam"))
        #expect(try Self.policy(at: Self.granted).canSee(state, actor: "sam"))
        #expect(try Self.policy(at: Self.granted + 8 * Self.hour - 1).readingUnderOverride(state, actor: "sam")?.id == 7)
        #expect(!(try Self.policy(at: Self.granted + 8 * Self.hour)).canSee(state, actor: "sam"))
        #expect(!(try Self.policy(at: Self.granted + Self.hour)).canSee(state, actor: "lisa"))
        #expect(!(try Self.policy(at: Self.granted + Self.hour)).canSee(Self.state("vat-2"), actor: "sam"))
        // Anna sees it by right: her reads are not marked.
        #expect(try Self.policy(at: Self.granted + Self.hour).readingUnderOverride(state, actor: "anna") == nil)
        // The rules without overrides, as before.
        #expect(!AccessPolicy(directory: Self.directory).canSee(state, actor: "sam"))
    }

    @Test("an override ends early when its holder loses the role or leaves the directory")
    func roleLost() throws {
        var directory = Self.directory
        directory.apply(.added(PrincipalAdded(principal: Principal(actor: "sam", organisation: "child-welfare", roles: ["chair"]))))
        #expect(!(try Self.policy(at: Self.granted + Self.hour, directory: directory)).canSee(Self.state(), actor: "sam"))
        directory.apply(.removed(PrincipalRemoved(actor: "sam", reason: "Left.")))
        #expect(!(try Self.policy(at: Self.granted + Self.hour, directory: directory)).canSee(Self.state(), actor: "sam"))
    }

    @Test("under an override every command is refused, naming the override; without one, the case does not exist")
    func readOnly() throws {
        let policy = try Self.policy(at: Self.granted + Self.hour)
        var state = Self.state()
        state.openTasks = [
            CaseState.OpenTask(
                task: "invite-prison", role: "chair", occurrence: 1, openedOn: LocalDate(year: 2026, month: 6, day: 1)!, suspended: false)
        ]
        for command: CaseCommand in [.complete(task: "invite-prison"), .record(values: [:]), .close(reason: "x")] {
            let denied = try #require(throws: AccessDenied.self) { try policy.authorize(command, on: state, by: "sam") }
            #expect(denied.code == .forbidden && denied.message.contains("reads it under an override"))
        }
        let erasure = try #require(throws: AccessDenied.self) { try policy.authorizeErasure(of: state, by: "sam") }
        #expect(erasure.code == .forbidden)
        let later = try #require(throws: AccessDenied.self) {
            try Self.policy(at: Self.granted + 9 * Self.hour).authorize(.complete(task: "invite-prison"), on: state, by: "sam")
        }
        #expect(later.code == .notFound && later.message == "Case 'vat-1' does not exist.")
    }

    @Test("who may ask: the role in the case's process; the reason, basis and hours are checked")
    func asking() throws {
        let policy = AccessPolicy(directory: Self.directory, overrides: AccessOverrides(), now: Self.granted)
        func refusal(_ body: () throws -> AccessOverrideGranted) -> String {
            do {
                _ = try body()
                return "granted"
            } catch let denied as AccessDenied {
                return "\(denied.code)"
            } catch let refused as CommandRefused {
                return refused.message
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal { try policy.override("vat-1", state: Self.state(), reason: "r", basis: "b", by: "lisa") } == "forbidden")
        #expect(refusal { try policy.override("vat-1", state: Self.state(), reason: "r", basis: "b", by: "mallory") } == "unknownActor")
        #expect(refusal { try policy.override("vat-9", state: nil, reason: "r", basis: "b", by: "sam") } == "notFound")
        // sam holds the role in vat-generic only: a case of another process is as good as unknown.
        #expect(refusal { try policy.override("vat-1", state: Self.state(process: "aso-joensuu"), reason: "r", basis: "b", by: "sam") } == "notFound")
        #expect(refusal { try policy.override("vat-1", state: Self.state(), reason: " \n", basis: "b", by: "sam") }.hasPrefix("An override needs a reason"))
        #expect(refusal { try policy.override("vat-1", state: Self.state(), reason: "r", basis: "", by: "sam") }.hasPrefix("An override needs a basis"))
        let long = String(repeating: "x", count: AccessOverride.maximumTextLength + 1)
        #expect(refusal { try policy.override("vat-1", state: Self.state(), reason: long, basis: "b", by: "sam") }.contains("at most 500 characters"))
        #expect(refusal { try policy.override("vat-1", state: Self.state(), reason: "r", basis: "b", hours: 73, by: "sam") }.contains("1 to 72 hours"))
        #expect(refusal { try AccessPolicy(directory: PrincipalDirectory()).override("vat-1", state: Self.state(), reason: "r", basis: "b", by: "sam") }
            .hasPrefix("Access control is off"))

        let grant = try policy.override("vat-1", state: Self.state(), reason: "  Report of concern. ", basis: "Act 417/2007 §26", by: "sam")
        #expect(grant.reason == "Report of concern." && grant.from == Self.granted && grant.until == Self.granted + 24 * Self.hour)
        #expect(throws: Never.self) { try policy.authorizeReview(by: "cora") }
        #expect(throws: AccessDenied.self) { try policy.authorizeReview(by: "sam") }
    }

    @Test("the grant is an event; reads under it are marked in the access log, and the review lists them")
    func recorded() async throws {
        let directory = try TemporaryDirectory()
        let (database, engine) = try PersonalDataTests.open(directory.path("log.sqlite"))
        try await PersonalDataTests.plantedCase(engine)
        let (state, _) = try await engine.load("c-1")
        let principals = PrincipalDirectory(principals: [
            Principal(actor: "cora", organisation: "office", roles: ["coordinator"]),
            Principal(actor: "sam", organisation: "child-welfare", roles: ["statutory-override"]),
        ])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let grant = try AccessPolicy(directory: principals, overrides: AccessOverrides(), now: now)
            .override("c-1", state: state, reason: "Report of concern.", basis: "Act 417/2007 §26", hours: 1, by: "sam")
        let override = try await database.grantOverride(grant, by: Acting("sam"))
        #expect(try await database.overrides().all == [override])

        let policy = AccessPolicy(directory: principals, overrides: try await database.overrides(), now: now + 1)
        let marked = try #require(policy.readingUnderOverride(state, actor: "sam"))
        _ = try await engine.read("c-1", purpose: "assessment", by: Acting("sam"), underOverride: marked)
        _ = try await engine.read("c-1", purpose: "show", by: Acting("anna"))
        await #expect(throws: CommandRefused.self) {
            try await database.recordAccess(case: "c-2", purpose: "show", by: Acting("sam"), underOverride: marked)
        }

        let log = try await database.accessLog(case: "c-1")
        #expect(log.reads.map(\.override) == [PersonalDataRead.Override(id: override.id, reason: "Report of concern.", basis: "Act 417/2007 §26"), nil])
        #expect(log.overrides == [override])

        try await database.recordReview(since: nil, by: Acting("cora"))
        let review = try await database.accessReview(since: nil)
        #expect(review.overrides.map(\.override) == [override])
        #expect(review.overrides.first?.reads.map(\.purpose) == ["assessment"])
        #expect(review.reviews.map(\.actor) == ["cora"])
        #expect(try await database.accessReview(since: override.until).overrides.isEmpty)
        #expect(try await database.events.verify().isIntact)
    }

    @Test("a read recorded before overrides existed decodes as a read by right")
    func earlierReads() throws {
        let read = try JSONDecoder().decode(PersonalDataRead.self, from: Data(#"{"fields":["releaseDate"],"purpose":"show"}"#.utf8))
        #expect(read.override == nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(read), as: UTF8.self) == #"{"fields":["releaseDate"],"purpose":"show"}"#)
    }
}
