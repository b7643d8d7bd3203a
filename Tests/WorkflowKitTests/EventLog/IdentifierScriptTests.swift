import Foundation
import Testing

import WorkflowKit

@Suite("Identifier rule: one script")
struct IdentifierScriptTests {
    @Test("an id whose letters mix scripts is refused, naming them; one script, or one writing system's mix, is an id")
    func mixedScripts() {
        // A Cyrillic а, a Greek ο, a Cyrillic е in Latin ids: each reads as an id of Latin letters.
        #expect(Identifier.problem(with: "case-\u{430}") == "must not mix letters of different scripts (Latin and Cyrillic): such an id can look like another one")
        #expect(Identifier.problem(with: "vat-\u{3BF}ne")?.contains("(Latin and Greek)") == true)
        #expect(Identifier.problem(with: "\u{435}rik")?.contains("(Cyrillic and Latin)") == true)
        #expect(Identifier.problem(with: "Σ\u{430}")?.contains("(Greek and Cyrillic)") == true)
        for id in ["käsi-1", "Åsa_Öberg", "дело-1", "Ελένη-2", "ケース1件", "Käsi-ケース", "서울-case", "数据-2", "ça-va", "jose\u{301}".precomposedStringWithCanonicalMapping] {
            #expect(Identifier.problem(with: id) == nil, "\(id): \(Identifier.problem(with: id) ?? "")")
        }
        // Digits and marks go with any script; so does the kana length mark ー.
        #expect(Identifier.problem(with: "дело-2026") == nil)
        #expect(Identifier.problem(with: "カーテン") == nil)
    }
}
