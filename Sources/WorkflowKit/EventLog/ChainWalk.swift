public import Crypto
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
    /// Where the log records that its authentication begins: every event from there on
    /// must carry an authentication.
    package let start: AuthenticationStart?

    package init(chainKey: SymmetricKey?, expected: LogAnchor? = nil, start: AuthenticationStart? = nil) {
        self.chainKey = chainKey
        self.expected = expected
        self.start = start
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
        if let start, start.position == event.position, let problem = startProblem(previousHash: previousHash) {
            return broken(at: event.position, problem)
        }
        if let start, event.position >= start.position, event.authentication == nil {
            return broken(
                at: event.position,
                "the event carries no authentication, though the log authenticates every event from position \(start.position) on: its authentication was removed, or it was written without the log's key.")
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
        if let start, start.position > checked + 1 {
            return broken(
                at: checked + 1,
                "the log ends at position \(checked), but it records that its events are authenticated from position \(start.position) on: events at the end were removed.")
        }
        if let start, start.position == checked + 1, let problem = startProblem(previousHash: previousHash) {
            return broken(at: start.position, problem)
        }
        var report = VerificationReport(eventsChecked: checked)
        report.authenticationRequiredFrom = start?.position
        report.headPosition = checked == 0 ? nil : checked
        report.headHash = checked == 0 ? nil : previousHash
        report.authenticatedFrom = authenticatedFrom
        report.authenticationChecked = chainKey != nil
        return report
    }

    /// What is wrong with the recorded start of the authentication, given the hash of the
    /// event before it; nil when it is right (or cannot be checked without the key).
    private func startProblem(previousHash: Data) -> String? {
        guard let start, let chainKey else { return nil }
        if start.isAuthentic(previousHash: previousHash, key: chainKey) { return nil }
        return "the record that the log authenticates its events from position \(start.position) on does not match the log: it, or the events before it, were rewritten without the log's key."
    }

    private func broken(at position: Int64, _ problem: String) -> VerificationReport {
        var report = VerificationReport(eventsChecked: checked, firstBrokenPosition: position, problem: problem)
        report.authenticationChecked = chainKey != nil
        return report
    }
}

/// Where a log's authentication begins: every event from `position` on carries an
/// authentication under the chain key. Recorded once, when the log starts authenticating
/// (position 1 for a log made so; the next position for a log written before), and itself
/// authenticated under the chain key, bound to the hash of the event before it (or the
/// genesis hash), so that it can neither be moved nor taken from another log.
///
/// It also records whether the log was made as a simulation (its times set by hand, e.g.
/// the demo's): only a log that authenticates from its first event can be one.
public struct AuthenticationStart: Sendable, Hashable {
    public var position: Int64
    /// Whether the log was made as a simulation.
    public var simulation: Bool
    /// ``authentication(from:previousHash:simulation:key:)`` of the fields and the hash before `position`.
    public var authentication: Data

    public init(position: Int64, simulation: Bool = false, authentication: Data) {
        self.position = position
        self.simulation = simulation
        self.authentication = authentication
    }

    /// HMAC-SHA256 under the chain key of a fixed label, `position` (8 bytes little-endian),
    /// `previousHash` (the hash of the event at `position - 1`, or the genesis hash) and a
    /// byte 1 for a simulation, 0 otherwise.
    public static func authentication(from position: Int64, previousHash: Data, simulation: Bool, key: SymmetricKey) -> Data {
        var bytes = Array("aso-engine authenticated-from".utf8)
        withUnsafeBytes(of: position.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: previousHash)
        bytes.append(simulation ? 1 : 0)
        return Data(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }

    /// Whether `authentication` is right for a log whose event before `position` has `previousHash`.
    public func isAuthentic(previousHash: Data, key: SymmetricKey) -> Bool {
        Self.authentication(from: position, previousHash: previousHash, simulation: simulation, key: key) == authentication
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
