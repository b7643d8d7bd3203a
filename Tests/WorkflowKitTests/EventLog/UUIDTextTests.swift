import Foundation
import Testing
@testable import WorkflowKit

@Suite("UUID text")
struct UUIDTextTests {
    private func parse(_ text: String) -> UUID? {
        Array(text.utf8).withUnsafeBufferPointer { UUID(canonicalText: $0) }
    }

    @Test("formats exactly as Foundation does and parses back, in either case")
    func roundTrip() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(id.canonicalText == id.uuidString)
            #expect(parse(id.uuidString) == id)
            #expect(parse(id.uuidString.lowercased()) == id)
        }
    }

    @Test("refuses malformed text", arguments: [
        "", "not-a-uuid", "E621E1F8-C36C-495A-93FC-0C247A3E6E5", "E621E1F8-C36C-495A-93FC-0C247A3E6E5FF",
        "E621E1F8xC36C-495A-93FC-0C247A3E6E5F", "G621E1F8-C36C-495A-93FC-0C247A3E6E5F",
    ])
    func malformed(text: String) {
        #expect(parse(text) == nil)
    }
}
