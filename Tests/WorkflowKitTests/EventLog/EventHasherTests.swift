import Foundation
import Testing
import Crypto
@testable import WorkflowKit

@Suite("Event hasher")
struct EventHasherTests {
    /// The expected hashes were computed outside the engine (Python's hashlib) from the
    /// encoding EventHasher documents: a log hashed by any store or any version of the
    /// engine must verify with every other.
    @Test("the chain's hash is the documented encoding, byte for byte")
    func documentedEncoding() {
        var event = RecordedEvent(
            position: 7, stream: "c-\u{E4}1", version: 3, id: UUID(uuidString: "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")!,
            type: "TaskCompleted", schemaVersion: 1,
            payload: Data(#"{"late":false,"on":"2026-12-01","outcomes":{},"task":"map"}"#.utf8),
            metadata: EventMetadata(
                actor: "worker:anna", role: "responsible-worker", correlationID: "corr-1", commandID: "cmd-9"),
            recordedAt: 1_780_000_000_000, hash: Data())
        #expect(hex(EventHasher.hash(of: event, previous: EventHasher.genesis)) == "0b123b790e8474406608c24d198e376bc7d724ce0c16d3308c98d1036d5459bd")
        event.writtenAt = 1_780_000_000_123
        #expect(hex(EventHasher.hash(of: event, previous: EventHasher.genesis)) == "af25f2bfd604a135dbe1a994d12ecd928ff4d1f7dee84433683142d9e96aa5a2")
    }

    /// The keyed authenticator (HMAC keyed once, copied for each event) gives what a
    /// fresh HMAC gives, event after event (a shared state would chain one into the
    /// next), and what Python's `hmac` module gives.
    @Test("an authenticator keyed once authenticates every hash as HMAC-SHA256 does")
    func authenticatorKeyedOnce() {
        let key = SymmetricKey(data: Data(0..<32))
        let authenticator = EventAuthenticator(key: key)
        let hashes = [Data(count: 32), Data(SHA256.hash(data: Data("x".utf8))), Data(repeating: 0xff, count: 32)]
        for hash in hashes + hashes {
            #expect(authenticator.authentication(of: hash) == EventHasher.authentication(of: hash, key: key))
        }
        #expect(hex(authenticator.authentication(of: hashes[0])) == "416c5392b9f36df188e90eb14d17bf0da190bfdb7f1f4956e6e566a569c8b15c")
        #expect(hex(authenticator.authentication(of: hashes[1])) == "0a590d279868f06022d75af4c3285f49c7f3d5dbefdf4ce3cff8345a19248171")
        #expect(hex(authenticator.authentication(of: hashes[2])) == "b78488ef9b4f59c7b4c68ac737b4c992f5a22576aa2cb222024388a3245be467")
    }

    private func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
}
