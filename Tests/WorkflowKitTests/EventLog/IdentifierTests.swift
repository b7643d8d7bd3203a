import Foundation
import Testing

import WorkflowKit

@Suite("Identifier rule")
struct IdentifierTests {
    @Test("every ASCII character is judged by the rule: letters and digits anywhere, - _ . : @ + inside, nothing else")
    func everyASCIICharacter() {
        for value in UInt8(0)..<0x80 {
            let character = String(UnicodeScalar(value))
            let letterOrDigit = character.first!.isASCII && (character.first!.isLetter || character.first!.isNumber)
            let punctuation = "-_.:@+".contains(character)
            let inside = Identifier.problem(with: "a\(character)b")
            let first = Identifier.problem(with: "\(character)b")
            if letterOrDigit {
                #expect(inside == nil && first == nil, "\(value)")
            } else if punctuation {
                #expect(inside == nil, "\(value)")
                #expect(first == "must start with a letter or a digit", "\(value)")
            } else {
                #expect(inside?.hasPrefix("must contain only letters, digits and - _ . : @ + (not ") == true, "\(value): \(inside ?? "nil")")
                #expect(first == "must start with a letter or a digit", "\(value)")
            }
        }
        #expect(Identifier.problem(with: "a b") == "must contain only letters, digits and - _ . : @ + (not a space)")
        #expect(Identifier.problem(with: "a\u{7}b") == "must contain only letters, digits and - _ . : @ + (not the character U+7)")
    }

    @Test("length counts characters, ASCII or not; other scripts, marks and normal form C as before")
    func lengthAndUnicode() {
        #expect(Identifier.problem(with: String(repeating: "x", count: 128)) == nil)
        #expect(Identifier.problem(with: String(repeating: "x", count: 129)) == "must be at most 128 characters long (it has 129)")
        #expect(Identifier.problem(with: String(repeating: "ä", count: 128)) == nil)
        #expect(Identifier.problem(with: String(repeating: "ä", count: 129)) == "must be at most 128 characters long (it has 129)")
        #expect(Identifier.problem(with: "") == "must not be empty")
        #expect(Identifier.problem(with: "jos\u{E9}") == nil)
        #expect(Identifier.problem(with: "jose\u{301}") == "must be in Unicode normal form C (composed letters, e.g. 'é' as one character)")
        #expect(Identifier.problem(with: "Сергей-1") == nil)
        #expect(Identifier.problem(with: "a\u{200B}b")?.hasPrefix("must contain only letters") == true)
    }
}

@Suite("Event ids")
struct EventIDTests {
    @Test("event ids are version 4 UUIDs with the RFC variant, and 100,000 of them are distinct")
    func randomEventIDs() {
        var seen = Set<UUID>()
        var malformed = 0
        for _ in 0..<100_000 {
            let id = UUID.randomEventID()
            if !(id.uuid.6 >> 4 == 4 && id.uuid.8 >> 6 == 0b10) { malformed += 1 }
            seen.insert(id)
        }
        #expect(malformed == 0)
        #expect(seen.count == 100_000)
    }
}
