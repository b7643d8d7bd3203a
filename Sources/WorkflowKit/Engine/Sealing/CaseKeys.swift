package import Crypto
package import Foundation

/// Case keys: one random key per case, stored only wrapped (AES-GCM sealed) with the
/// master key, which never lives in the database. Every backend stores the wrapped bytes
/// these functions make, bound to the case's id so that one case's key cannot pass for
/// another's.
package enum CaseKeys {
    /// The id the chain key's wrapping binds it to, so that it cannot pass for a case key.
    package static let chainKeyID = StreamID(rawValue: "$log-chain")

    /// A case key sealed with the master key, bound to the case id.
    package static func wrap(_ caseKey: SymmetricKey, for caseID: StreamID, with master: SymmetricKey) throws -> Data {
        let bytes = caseKey.withUnsafeBytes { Data($0) }
        guard let combined = try AES.GCM.seal(bytes, using: master, authenticating: Data(caseID.rawValue.utf8)).combined else {
            throw PrivacyError(.sealingFailed, "Cannot wrap the key of case '\(caseID)'.")
        }
        return combined
    }

    /// The case key inside `wrapped`.
    ///
    /// - Throws: ``PrivacyError`` with code `.wrongMasterKey` when `master` did not wrap it.
    package static func unwrap(_ wrapped: Data, for caseID: StreamID, with master: SymmetricKey, origin: String) throws -> SymmetricKey {
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            return SymmetricKey(data: try AES.GCM.open(box, using: master, authenticating: Data(caseID.rawValue.utf8)))
        } catch {
            throw PrivacyError(
                .wrongMasterKey,
                "The master key from \(origin) cannot unwrap the key of case '\(caseID)': it is not the key this event log was written with.")
        }
    }
}
