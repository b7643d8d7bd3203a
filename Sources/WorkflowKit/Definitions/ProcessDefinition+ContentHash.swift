import Crypto
import Foundation

extension ProcessDefinition {
    /// A stable SHA-256 (lowercase hex) of the definition's meaning: equal for
    /// files that differ only in whitespace, comments, key order or the order
    /// ids are listed in; different when anything a case depends on changes.
    /// Examples and source positions are not part of it.
    ///
    /// Computed once per definition and kept: the engine reads it on every `open`.
    public var contentHash: String {
        if let cached = contentHashCache.hash(of: self) { return cached }
        let digest = SHA256.hash(data: canonicalEncoding())
        let hash = String(decoding: digest.flatMap { [Self.hexDigits[Int($0 >> 4)], Self.hexDigits[Int($0 & 0x0F)]] }, as: UTF8.self)
        contentHashCache.remember(hash, of: self)
        return hash
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The first 12 hex digits of ``contentHash``, for display.
    public var shortHash: String { String(contentHash.prefix(12)) }

    /// JSON with sorted keys of the definition with its id-keyed lists sorted by
    /// id and its examples removed.
    func canonicalEncoding() -> Data {
        var copy = self
        copy.examples = []
        copy.fields.sort { $0.id < $1.id }
        copy.parties.sort { $0.id < $1.id }
        copy.roles.sort { $0.id < $1.id }
        copy.events.sort { $0.id < $1.id }
        copy.states.sort { $0.id < $1.id }
        for index in copy.states.indices {
            copy.states[index].tasks.sort { $0.id < $1.id }
            for t in copy.states[index].tasks.indices {
                copy.states[index].tasks[t].reminders.sort { $0.description < $1.description }
                copy.states[index].tasks[t].involves.sort()
                copy.states[index].tasks[t].outcomes.sort()
            }
        }
        copy.report.sort()
        copy.documents?.sort { $0.id < $1.id }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types cannot fail.
        return (try? encoder.encode(copy)) ?? Data()
    }
}
