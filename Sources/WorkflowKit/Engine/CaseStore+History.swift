import Foundation
import Crypto

/// A case's events read back for people: personal values opened with the case's key.
extension CaseStore {
    /// The case event `record` holds, with its personal values opened with the case's
    /// key (absent once the case was erased); nil for another kind of event.
    ///
    /// - Throws: ``PrivacyError`` when the master key cannot unwrap the case's key.
    public func caseEvent(_ record: RecordedEvent) async throws -> CaseEvent? {
        guard let event = try CaseEvent(record) else { return nil }
        guard PersonalDataSealer.isSealed(event) else { return event }
        return try PersonalDataSealer.unseal(event, caseID: record.stream, key: try await caseKey(for: record.stream))
    }

    /// Every event of case `id`, each with its case event read back: personal values
    /// decrypted with the case's key, or absent once the case was erased.
    ///
    /// - Throws: ``PrivacyError`` when the master key cannot unwrap the case's key.
    public func caseHistory(_ id: StreamID) async throws -> [(record: RecordedEvent, event: CaseEvent?)] {
        var history: [(record: RecordedEvent, event: CaseEvent?)] = []
        var caseKey: SymmetricKey??
        var sealedWithoutKey = false
        var erased = false
        for try await record in eventLog.read(stream: id, fromVersion: 1) {
            guard var event = try CaseEvent(record) else {
                history.append((record, nil))
                continue
            }
            if case .caseErased = event { erased = true }
            if PersonalDataSealer.isSealed(event) {
                if caseKey == nil { caseKey = .some(try await self.caseKey(for: id)) }
                if case .some(.none) = caseKey { sealedWithoutKey = true }
                event = try PersonalDataSealer.unseal(event, caseID: id, key: caseKey ?? nil)
            }
            history.append((record, event))
        }
        if sealedWithoutKey && !erased { throw PrivacyError.missingCaseKey(id) }
        return history
    }
}
