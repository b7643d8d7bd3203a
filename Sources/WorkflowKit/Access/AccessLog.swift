import Foundation

/// The event that records a read of a case's personal data by a person, in the case's
/// own stream: who read it is the event's metadata (`actor`, `organisation`, `role`),
/// when is its recorded time. It names fields by id and never holds a value.
///
/// It is not a ``CaseEvent``: a read changes nothing in the case, so folding ignores it.
public struct PersonalDataRead: Sendable, Hashable, Codable {
    public static let typeName = "PersonalDataRead"

    /// Why the data was read, e.g. `show`, `history` or `meeting agenda`; never personal data.
    public var purpose: String
    /// The ids of the fields whose values the read returned, sorted; never their values.
    public var fields: [String]
    /// The override the read was made under, when the reader saw the case only through
    /// one; absent from reads made by right (and from every read recorded before overrides).
    public var override: Override?

    /// The override a read was made under, as the access log shows it.
    public struct Override: Sendable, Hashable, Codable {
        /// The override's id: the position of its grant in the log.
        public var id: Int64
        public var reason: String
        public var basis: String

        public init(id: Int64, reason: String, basis: String) {
            self.id = id
            self.reason = reason
            self.basis = basis
        }
    }

    public init(purpose: String, fields: [String], override: Override? = nil) {
        self.purpose = purpose
        self.fields = fields.sorted()
        self.override = override
    }
}

/// What a client is entitled to see about the processing of their case (Act 703/2023
/// §11): who read its personal data, when and why, and to whom it was disclosed.
public struct AccessLog: Sendable, Hashable {
    /// One recorded read.
    public struct Read: Sendable, Hashable {
        public var position: Int64
        /// When, in milliseconds since 1970.
        public var at: Int64
        public var actor: String?
        public var organisation: String?
        public var role: String?
        public var purpose: String
        public var fields: [String]
        /// The override it was made under; nil for a read by right.
        public var override: PersonalDataRead.Override? = nil
    }

    /// One disclosure (an `InformationDisclosed` event).
    public struct Disclosure: Sendable, Hashable {
        public var position: Int64
        /// When it was recorded, in milliseconds since 1970.
        public var at: Int64
        /// Who recorded it.
        public var actor: String?
        public var party: String
        public var purpose: String
        public var on: LocalDate
    }

    /// A change of the client's consent: the basis of every disclosure.
    public struct ConsentChange: Sendable, Hashable {
        public var on: LocalDate
        /// The parties the consent names from then on; empty when it was withdrawn.
        public var parties: [String]
    }

    public var caseID: StreamID
    public var reads: [Read]
    public var disclosures: [Disclosure]
    /// The statutory duty the case's data is processed under, as recorded when the case
    /// opened; nil for cases opened before processes stated one.
    public var legalBasis: String?
    /// The consents given and withdrawn, oldest first.
    public var consent: [ConsentChange] = []
    /// The overrides granted on the case (who might read it without consent, why, under
    /// which duty, until when), oldest first.
    public var overrides: [AccessOverride] = []
}

extension CaseStore {
    /// The access log of case `id`: every recorded read and every disclosure, oldest
    /// first. It needs no case key and holds no personal value.
    ///
    /// - Throws: ``CommandRefused`` with `.unknownCase` when there is no such case.
    public func accessLog(case id: StreamID) async throws -> AccessLog {
        var log = AccessLog(caseID: id, reads: [], disclosures: [], legalBasis: nil)
        var exists = false
        for try await record in eventLog.read(stream: id, fromVersion: 1) {
            exists = true
            if record.type == PersonalDataRead.typeName {
                let read = try JSONDecoder().decode(PersonalDataRead.self, from: record.payload)
                log.reads.append(
                    AccessLog.Read(
                        position: record.position, at: record.recordedAt, actor: record.metadata.actor,
                        organisation: record.metadata.organisation, role: record.metadata.role, purpose: read.purpose,
                        fields: read.fields, override: read.override))
            } else if record.type == "CaseOpened", case .opened(let opened)? = try CaseEvent(record) {
                // The legal basis is not personal: it reads without the case key.
                log.legalBasis = opened.legalBasis
            } else if record.type == "ConsentGiven", case .consentGiven(let given)? = try CaseEvent(record) {
                log.consent.append(AccessLog.ConsentChange(on: given.on, parties: given.parties))
            } else if record.type == "ConsentWithdrawn", case .consentWithdrawn(let withdrawn)? = try CaseEvent(record) {
                log.consent.append(AccessLog.ConsentChange(on: withdrawn.on, parties: []))
            } else if record.type == "InformationDisclosed", case .informationDisclosed(let disclosed)? = try CaseEvent(record) {
                log.disclosures.append(
                    AccessLog.Disclosure(
                        position: record.position, at: record.recordedAt, actor: record.metadata.actor,
                        party: disclosed.party, purpose: disclosed.purpose, on: disclosed.on))
            }
        }
        guard exists else { throw CommandRefused(.unknownCase, "Case '\(id)' does not exist.") }
        log.overrides = try await overrides().all.filter { $0.caseID == id }
        return log
    }
}
