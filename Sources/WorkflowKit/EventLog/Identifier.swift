import Foundation

/// The one rule for the ids people type — case, task, party, actor and organisation ids.
///
/// An id is 1 to 128 characters in Unicode normal form C: letters of any script,
/// combining marks, digits, and `-`, `_`, `.`, `:`, `@`, `+`; it starts with a letter or
/// a digit. No spaces, no control, format or line-breaking characters, so that an id can
/// never forge a log line or a line of a document, nor drive a terminal; and the same
/// name typed in composed or decomposed form is one id (``normalized(_:)`` composes).
/// An id's letters come from one script (`case-а` with a Cyrillic `а` is refused, as it
/// reads as `case-a`), or from one writing system's mix (Japanese: Han, kana and Latin).
public enum Identifier {
    /// The longest id accepted, in characters.
    public static let maximumLength = 128

    /// Punctuation allowed inside an id.
    static let punctuation: Set<Unicode.Scalar> = ["-", "_", ".", ":", "@", "+"]

    /// `text` in normal form C, the form ids are stored in.
    public static func normalized(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
    }

    /// Why `text` is not a valid id, as the end of a sentence ("… must …"), or nil when it is one.
    ///
    /// `text` must already be normalised: a decomposed id is refused rather than silently
    /// stored as a second spelling of the same name.
    public static func problem(with text: String) -> String? {
        if text.isEmpty { return "must not be empty" }
        if let ascii = asciiProblem(with: text) { return ascii }
        let count = text.count
        if count > maximumLength { return "must be at most \(maximumLength) characters long (it has \(count))" }
        if normalized(text).unicodeScalars.elementsEqual(text.unicodeScalars) == false {
            return "must be in Unicode normal form C (composed letters, e.g. 'é' as one character)"
        }
        guard let first = text.unicodeScalars.first, isLetterOrDigit(first) else {
            return "must start with a letter or a digit"
        }
        for scalar in text.unicodeScalars where !(isLetterOrDigit(scalar) || isMark(scalar) || punctuation.contains(scalar)) {
            return "must contain only letters, digits and - _ . : @ + (not \(describe(scalar)))"
        }
        return scriptProblem(with: text)
    }

    /// The scripts an id's letters are told apart by (ICU's script property). A letter of
    /// a script not listed counts as a script of its own ("another script").
    private static let scripts: [(name: String, pattern: NSRegularExpression)] = [
        "Latin", "Cyrillic", "Greek", "Armenian", "Georgian", "Hebrew", "Arabic", "Syriac", "Thaana", "Devanagari", "Bengali",
        "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan",
        "Myanmar", "Khmer", "Mongolian", "Ethiopic", "Cherokee", "Canadian_Aboriginal", "Runic", "Ogham", "Han", "Hiragana",
        "Katakana", "Bopomofo", "Hangul",
    ].map { name in (name, try! NSRegularExpression(pattern: "^\\p{Script=\(name)}$")) }

    /// Letters that belong to no script of their own (Unicode's Common and Inherited).
    private static let anyScript = try! NSRegularExpression(pattern: "^[\\p{Script=Common}\\p{Script=Inherited}]$")

    /// The mixes of scripts that one writing system uses together (Unicode's "highly
    /// restrictive" profile, UTS #39): Japanese, Chinese and Korean with Latin.
    private static let writingSystems: [Set<String>] = [
        ["Latin", "Han", "Hiragana", "Katakana"], ["Latin", "Han", "Bopomofo"], ["Latin", "Han", "Hangul"],
    ]

    /// Why `text` mixes scripts, or nil: `case-а` with a Cyrillic `а` looks like `case-a`
    /// and would be another case, so an id's letters come from one script (or one of
    /// ``writingSystems``). Digits, punctuation and combining marks go with any script.
    private static func scriptProblem(with text: String) -> String? {
        var found: [String] = []
        for scalar in text.unicodeScalars where isLetter(scalar) {
            let script: String
            if scalar.isASCII {
                script = "Latin"
            } else {
                let character = String(scalar)
                let range = NSRange(character.startIndex..., in: character)
                // A letter of no script of its own (the kana length mark ー) goes with any.
                if anyScript.firstMatch(in: character, range: range) != nil { continue }
                script = scripts.first { $0.pattern.firstMatch(in: character, range: range) != nil }?.name ?? "another script"
            }
            if !found.contains(script) { found.append(script) }
        }
        guard found.count > 1, !writingSystems.contains(where: { $0.isSuperset(of: found) }) else { return nil }
        return "must not mix letters of different scripts (\(found.joined(separator: " and "))): such an id can look like another one"
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        isLetterOrDigit(scalar) && scalar.properties.generalCategory != .decimalNumber
    }

    /// The rule for an id whose every character is ASCII (nearly all of them), without
    /// Unicode normalisation or character properties: ASCII text is always in normal form C,
    /// and its letters and digits are `A`–`Z`, `a`–`z` and `0`–`9`. Nil when `text` has
    /// any other character (the general rule then decides); `.some(nil)` when it is a valid id.
    private static func asciiProblem(with text: String) -> String?? {
        var text = text
        text.makeContiguousUTF8()  // a no-op for native strings
        return text.utf8.withContiguousStorageIfAvailable { bytes -> String?? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            if bytes.count > maximumLength {
                let count = text.count
                if count > maximumLength { return .some("must be at most \(maximumLength) characters long (it has \(count))") }
            }
            guard isASCIILetterOrDigit(bytes[0]) else { return .some("must start with a letter or a digit") }
            for byte in bytes where !(isASCIILetterOrDigit(byte) || isASCIIPunctuation(byte)) {
                return .some("must contain only letters, digits and - _ . : @ + (not \(describe(Unicode.Scalar(byte))))")
            }
            return .some(nil)
        } ?? nil
    }

    private static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: false
        }
    }

    private static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "+"): true
        default: false
        }
    }

    /// `text` quoted for one line of a log, a terminal or a document: control, format and
    /// line-breaking characters are written as `\u{…}` escapes, and a long text is cut.
    public static func escaped(_ text: String, limit: Int = 200) -> String {
        var result = "'"
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            count += 1
            if isPrintable(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return result + "'"
    }

    /// `text` with control, format and line-breaking characters escaped, unquoted (for ids
    /// stored before the rule, printed in lines).
    public static func printable(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy(isPrintable) else { return text }
        return String(escaped(text).dropFirst().dropLast())
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
        default: scalar != "\u{2028}" && scalar != "\u{2029}"
        }
    }

    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: true
        default: false
        }
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        if scalar == " " { return "a space" }
        if isPrintable(scalar) { return "'\(scalar)'" }
        return "the character U+\(String(scalar.value, radix: 16, uppercase: true))"
    }
}
