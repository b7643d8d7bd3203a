import Foundation
import WorkflowKit

/// The web page's languages: Finnish (the default), Swedish and English.
///
/// The strings are in catalogs, `Web/strings/<language>.json`, one key per message; a
/// translator edits those files, not the code. A test checks that every catalog has
/// every key the English one has. A message may hold `{0}`, `{1}` … for values.
enum Language: String, Sendable, CaseIterable {
    case fi, sv, en

    static let `default` = Language.fi

    /// The language's own name, for the switcher.
    var name: String {
        switch self {
        case .fi: "Suomi"
        case .sv: "Svenska"
        case .en: "English"
        }
    }
}

/// The messages of one language.
struct Strings: Sendable {
    let language: Language
    let messages: [String: String]

    subscript(_ key: String) -> String { messages[key] ?? Self.catalogs[.en]?.messages[key] ?? key }

    /// A message with its `{0}`, `{1}` … replaced by `values`.
    func format(_ key: String, _ values: String...) -> String {
        var text = self[key]
        for (index, value) in values.enumerated() { text = text.replacingOccurrences(of: "{\(index)}", with: value) }
        return text
    }

    /// The catalogs shipped with the server.
    static let catalogs: [Language: Strings] = {
        var result: [Language: Strings] = [:]
        for language in Language.allCases {
            result[language] = Strings(language: language, messages: load(language))
        }
        return result
    }()

    static func of(_ language: Language) -> Strings { catalogs[language] ?? Strings(language: language, messages: [:]) }

    static func load(_ language: Language) -> [String: String] {
        guard let url = Bundle.module.url(forResource: language.rawValue, withExtension: "json", subdirectory: "strings"),
            let data = FileManager.default.contents(atPath: url.path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return [:] }
        return object
    }

    /// A date as the language writes it (`1.12.2026`, `2026-12-01` in English for clarity).
    func date(_ text: String?) -> String {
        guard let text, text.count == 10 else { return text ?? "—" }
        let parts = text.split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), let day = Int(parts[2]) else { return text }
        switch language {
        case .fi, .sv: return "\(day).\(month).\(parts[0])"
        case .en: return text
        }
    }
}

extension ProcessDefinition {
    func localizedTitle(_ language: Language) -> String { title(in: language.rawValue) }
}

extension StateDefinition {
    func localizedTitle(_ language: Language) -> String { title(in: language.rawValue) }
}

extension TaskDefinition {
    func localizedTitle(_ language: Language) -> String { title(in: language.rawValue) }
}

extension FieldDefinition {
    func localizedTitle(_ language: Language) -> String { title(in: language.rawValue) }
}
