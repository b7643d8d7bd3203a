import Crypto
import Foundation

/// Moves the personal values of case events into an encrypted `sealed` blob and back.
///
/// The engine seals events just before they are appended and unseals them just after
/// they are read, so that ``CaseDecider`` and ``CaseState`` only ever see plain values.
/// Non-personal values stay plain in the payload, for projections and reports.
struct PersonalDataSealer {
    /// The ids of the fields the process marks personal.
    let personal: Set<String>

    /// Whether `event` carries a personal value that sealing would encrypt.
    func needsKey(_ event: CaseEvent) -> Bool {
        switch event {
        case .opened(let body): body.fields.keys.contains(where: personal.contains)
        case .fieldsRecorded(let body): body.values.keys.contains(where: personal.contains)
        case .taskCompleted(let body): body.outcomes.keys.contains(where: personal.contains)
        default: false
        }
    }

    /// `event` with its personal values encrypted with `key`, bound to `caseID`.
    func seal(_ event: CaseEvent, caseID: StreamID, key: SymmetricKey) throws -> CaseEvent {
        switch event {
        case .opened(var body):
            body.sealed = try seal(&body.fields, caseID: caseID, key: key)
            return .opened(body)
        case .fieldsRecorded(var body):
            body.sealed = try seal(&body.values, caseID: caseID, key: key)
            return .fieldsRecorded(body)
        case .taskCompleted(var body):
            body.sealed = try seal(&body.outcomes, caseID: caseID, key: key)
            return .taskCompleted(body)
        default:
            return event
        }
    }

    /// Whether `event` holds sealed values.
    static func isSealed(_ event: CaseEvent) -> Bool {
        switch event {
        case .opened(let body): body.sealed != nil
        case .fieldsRecorded(let body): body.sealed != nil
        case .taskCompleted(let body): body.sealed != nil
        default: false
        }
    }

    /// `event` with its sealed values decrypted back into the plain map; with no key
    /// (the case was erased) the personal values are simply absent.
    ///
    /// - Throws: ``PrivacyError`` when the blob does not open with the case's key.
    static func unseal(_ event: CaseEvent, caseID: StreamID, key: SymmetricKey?) throws -> CaseEvent {
        switch event {
        case .opened(var body):
            try unseal(body.sealed, into: &body.fields, caseID: caseID, key: key)
            body.sealed = nil
            return .opened(body)
        case .fieldsRecorded(var body):
            try unseal(body.sealed, into: &body.values, caseID: caseID, key: key)
            body.sealed = nil
            return .fieldsRecorded(body)
        case .taskCompleted(var body):
            try unseal(body.sealed, into: &body.outcomes, caseID: caseID, key: key)
            body.sealed = nil
            return .taskCompleted(body)
        default:
            return event
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    private func seal(_ values: inout [String: ExpressionValue], caseID: StreamID, key: SymmetricKey) throws -> String? {
        let secret = values.filter { personal.contains($0.key) }
        guard !secret.isEmpty else { return nil }
        for field in secret.keys { values[field] = nil }
        let plain = try Self.encoder.encode(secret)
        guard let combined = try AES.GCM.seal(plain, using: key, authenticating: Data(caseID.rawValue.utf8)).combined else {
            throw PrivacyError(.sealingFailed, "Cannot encrypt the personal values of case '\(caseID)'.")
        }
        return combined.base64EncodedString()
    }

    private static func unseal(
        _ sealed: String?, into values: inout [String: ExpressionValue], caseID: StreamID, key: SymmetricKey?
    ) throws {
        guard let sealed, let key else { return }
        let secret: [String: ExpressionValue]
        do {
            guard let combined = Data(base64Encoded: sealed) else { throw CocoaError(.coderReadCorrupt) }
            let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key, authenticating: Data(caseID.rawValue.utf8))
            secret = try JSONDecoder().decode([String: ExpressionValue].self, from: plain)
        } catch {
            throw PrivacyError(.wrongMasterKey, "The personal values of case '\(caseID)' do not open with the case's key.")
        }
        values.merge(secret) { _, secret in secret }
    }
}
