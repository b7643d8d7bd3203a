public import Foundation
public import Logging

/// A swift-log handler that writes each entry as one line of JSON, for a log shipper:
/// `{"timestamp":…,"level":…,"label":…,"message":…,"metadata":{…}}`, keys in that order,
/// the metadata's keys sorted. The timestamp is UTC, ISO 8601 with milliseconds; metadata
/// values are strings, or arrays and objects of them. Quotes, backslashes and control
/// characters are escaped, so that a message with a newline stays on its line.
///
/// `aso-engine serve --log-format json` and `daemon --log-format json` bootstrap it; an
/// application embedding WorkflowKit may too.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> Date

    /// A handler for `label` that hands each line (with its newline) to `write`, by
    /// default to standard error; `now` gives the time stamped on each line.
    public init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        now: @escaping @Sendable () -> Date = Date.init,
        write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.now = now
        self.write = write
    }

    /// Writes `line` to standard error in one call, so that lines of concurrent tasks do not interleave.
    @Sendable public static func standardError(_ line: String) {
        FileHandle.standardError.write(Data(line.utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let given = event.metadata { merged.merge(given) { _, new in new } }
        write(Self.line(timestamp: now(), level: event.level, label: label, message: event.message.description, metadata: merged))
    }

    /// One entry as its JSON line, newline included.
    public static func line(timestamp: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var text = "{\"timestamp\":"
        appendString(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(timestamp), to: &text)
        text += ",\"level\":"
        appendString(level.rawValue, to: &text)
        text += ",\"label\":"
        appendString(label, to: &text)
        text += ",\"message\":"
        appendString(message, to: &text)
        text += ",\"metadata\":"
        appendValue(.dictionary(metadata), to: &text)
        text += "}\n"
        return text
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to text: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &text)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &text)
        case .array(let values):
            text += "["
            for (index, element) in values.enumerated() {
                if index > 0 { text += "," }
                appendValue(element, to: &text)
            }
            text += "]"
        case .dictionary(let dictionary):
            text += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                appendValue(dictionary[key]!, to: &text)
            }
            text += "}"
        }
    }

    /// `string` as a JSON string: quotes, backslashes, control characters (and DEL, and
    /// the line and paragraph separators, which some readers take for line ends) escaped.
    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
