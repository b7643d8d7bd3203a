import Foundation

/// A piece of HTML. Text interpolated into it is escaped; only other `HTML` values pass
/// through as markup, so that a value from a case or a process file can never become
/// markup on a page.
struct HTML: Sendable, ExpressibleByStringInterpolation {
    var text: String

    init(unsafe text: String) { self.text = text }

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    static let empty = HTML(unsafe: "")

    struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }

        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
        mutating func appendInterpolation(_ value: Int64) { text += String(value) }
        mutating func appendInterpolation(_ value: Double) { text += String(format: "%.1f", value) }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ list: [HTML]) { for html in list { text += html.text } }
    }

    /// Text made safe for an element's content or a quoted attribute.
    static func escape(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// `value` percent-encoded for a path segment or a query value.
    static func urlComponent(_ value: String) -> String {
        // Ids are mostly unreserved characters already: only others need the encoder.
        if value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || $0 == 0x7E }) {
            return value
        }
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()
}

/// A form's fields, from an `application/x-www-form-urlencoded` body or a
/// `multipart/form-data` one (the process editor's file upload).
struct FormBody: Sendable {
    private(set) var values: [String: [String]] = [:]

    subscript(_ name: String) -> String? { values[name]?.first }

    func all(_ name: String) -> [String] { values[name] ?? [] }

    init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(String(parts[0]))
            let value = parts.count > 1 ? Self.decode(String(parts[1])) : ""
            values[name, default: []].append(value)
        }
    }

    /// Parses a multipart body; `nil` when it is not well formed.
    init?(multipart data: Data, boundary: String) {
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [Data] = []
        var searchFrom = data.startIndex
        var previous: Range<Data.Index>?
        while let found = data.range(of: delimiter, in: searchFrom..<data.endIndex) {
            if let previous { parts.append(data[previous.upperBound..<found.lowerBound]) }
            previous = found
            searchFrom = found.upperBound
        }
        guard previous != nil else { return nil }
        let separator = Data("\r\n\r\n".utf8)
        for var part in parts {
            // Each part: CRLF, headers, a blank line, content, CRLF.
            if part.starts(with: Data("\r\n".utf8)) { part = part.dropFirst(2) }
            guard let split = part.range(of: separator) else { continue }
            let headers = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
            var content = part[split.upperBound...]
            if content.suffix(2) == Data("\r\n".utf8) { content = content.dropLast(2) }
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                let nameRange = disposition.range(of: "name=\"")
            else { continue }
            let rest = disposition[nameRange.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { continue }
            let name = String(rest[..<end])
            values[name, default: []].append(String(decoding: content, as: UTF8.self))
        }
    }

    private static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }
}
