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

    /// Only canonical text is taken: a hexadecimal digit (either case) at each digit's
    /// place and `-` at each dash's; what it takes reads as Foundation reads it (which
    /// itself also takes some looser forms, such as a sign or a space before a digit).
    @Test("takes exactly a digit at a digit's place and a dash at a dash's, for every byte")
    func everyByte() {
        let valid = Array("e621e1f8-c36c-495a-93fc-0c247a3e6e5f".utf8)
        let hex = Set("0123456789abcdefABCDEF".utf8)
        for place in [0, 7, 8, 9, 13, 17, 23, 35] {
            let dash = [8, 13, 18, 23].contains(place)
            for byte in UInt8.min...UInt8.max {
                var bytes = valid
                bytes[place] = byte
                let parsed = bytes.withUnsafeBufferPointer { UUID(canonicalText: $0) }
                if dash ? byte == UInt8(ascii: "-") : hex.contains(byte) {
                    #expect(parsed != nil && parsed == UUID(uuidString: String(decoding: bytes, as: UTF8.self)), "byte \(byte) at \(place)")
                } else {
                    #expect(parsed == nil, "byte \(byte) at \(place)")
                }
            }
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
