package import Crypto
public import Foundation

/// Checks a log's events in position order: no missing position, contiguous stream
/// versions, the hash chain and, given the chain key, each event's authentication.
package struct ChainWalk {
    package let chainKey: SymmetricKey?
    package private(set) var checked: Int64 = 0
    private var previousHash = EventHasher.genesis
    private var expectedPosition: Int64 = 1
    /// By the id's bytes: two spellings of one name (composed and decomposed) are two
    /// streams in the file, though Swift's string equality takes them as one.
    private var streamVersions: [[UInt8]: Int64] = [:]
    private var authenticatedFrom: Int64?

    /// A head recorded by an earlier check, which the log must still hold.
    package let expected: LogAnchor?

    package init(chainKey: SymmetricKey?, expected: LogAnchor? = nil) {
        self.chainKey = chainKey
        self.expected = expected
    }

    /// Checks the next event; returns the broken report when it breaks the log.
    package mutating func check(_ event: RecordedEvent) -> VerificationReport? {
        if event.position != expectedPosition {
            return broken(
                at: expectedPosition, "the event at this position is missing (the next stored position is \(event.position)).")
        }
        let streamKey = Array(event.stream.rawValue.utf8)
        let lastVersion = streamVersions[streamKey, default: 0]
        if event.version != lastVersion + 1 {
            return broken(
                at: event.position,
                "stream \(Identifier.escaped(event.stream.rawValue)) jumps from version \(lastVersion) to \(event.version).")
        }
        let hash = EventHasher.hash(of: event, previous: previousHash)
        if hash != event.hash {
            return broken(at: event.position, "the stored hash does not match the event's content and its predecessor's hash.")
        }
        if let authentication = event.authentication {
            if authenticatedFrom == nil { authenticatedFrom = event.position }
            if let chainKey, EventHasher.authentication(of: hash, key: chainKey) != authentication {
                return broken(
                    at: event.position,
                    "the event's authentication does not match: its content or the chain before it was rewritten without the log's key.")
            }
        } else if authenticatedFrom != nil {
            return broken(
                at: event.position,
                "the event is not authenticated, though the events before it are: it was written or rewritten without the log's key.")
        }
        if let expected, expected.position == event.position, expected.hash != hash {
            return broken(
                at: event.position, "the event at this position is not the one an earlier check recorded: the log was rewritten.")
        }
        streamVersions[streamKey] = event.version
        previousHash = hash
        expectedPosition += 1
        checked += 1
        return nil
    }

    /// The report of a walk that found nothing broken.
    package var report: VerificationReport {
        if let expected, expected.position > checked {
            return broken(
                at: checked + 1,
                "the log ends at position \(checked), but an earlier check saw it reach position \(expected.position): events at the end were removed.")
        }
        var report = VerificationReport(eventsChecked: checked)
        report.headPosition = checked == 0 ? nil : checked
        report.headHash = checked == 0 ? nil : previousHash
        report.authenticatedFrom = authenticatedFrom
        report.authenticationChecked = chainKey != nil
        return report
    }

    private func broken(at position: Int64, _ problem: String) -> VerificationReport {
        var report = VerificationReport(eventsChecked: checked, firstBrokenPosition: position, problem: problem)
        report.authenticationChecked = chainKey != nil
        return report
    }
}

/// A log's head as recorded outside the database: `POSITION:HASH`, the hash in hexadecimal.
public struct LogAnchor: Sendable, Hashable, CustomStringConvertible {
    public var position: Int64
    public var hash: Data

    public init(position: Int64, hash: Data) {
        self.position = position
        self.hash = hash
    }

    /// Parses `POSITION:HASH`; nil when the text is not of that form.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let position = Int64(parts[0]), position > 0, parts[1].count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = parts[1].startIndex
        while index < parts[1].endIndex {
            let next = parts[1].index(index, offsetBy: 2)
            guard let byte = UInt8(parts[1][index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(position: position, hash: Data(bytes))
    }

    public var description: String { "\(position):" + hash.lowercaseHex }
}
