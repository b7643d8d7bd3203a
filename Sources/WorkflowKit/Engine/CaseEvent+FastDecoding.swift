import Foundation

extension CaseEvent {
    /// The most frequent case events read straight from their JSON, without Foundation's
    /// `JSONDecoder` (its generic machinery was over a third of a replay's CPU time).
    ///
    /// Only the exact shapes the engine writes are taken: an object with the type's
    /// keys, strings without escapes, integers, booleans, lists of strings, and field
    /// values (texts, booleans, dates, whole numbers). Anything else — an unknown key, an escape, a value with field
    /// values — returns nil, and the caller decodes it with `JSONDecoder` as before, so
    /// that every result (and every error) is the same.
    static func fastDecoded(type: String, payload: Data) -> CaseEvent? {
        payload.withUnsafeBytes { bytes -> CaseEvent? in
            guard let object = FlatJSONObject(bytes) else { return nil }
            return fastDecoded(type: type, object)
        }
    }

    private static func fastDecoded(type: String, _ object: FlatJSONObject) -> CaseEvent? {
        switch type {
        case "StateEntered":
            guard object.has(only: Keys.stateEntered), let state = object.string("state"),
                let from = object.optional("from", \.string), let event = object.optional("event", \.string),
                let on = object.date("on")
            else { return nil }
            return .stateEntered(StateEntered(state: state, from: from, event: event, on: on))
        case "TaskOpened":
            guard object.has(only: Keys.taskOpened),
                let task = object.string("task"), let role = object.string("role"),
                let earliest = object.optional("earliest", \.date), let due = object.optional("due", \.date),
                let occurrence = object.value("occurrence")?.int, let on = object.date("on"),
                let seriesStart = object.optional("seriesStart", \.date)
            else { return nil }
            return .taskOpened(
                TaskOpened(task: task, role: role, earliest: earliest, due: due, occurrence: occurrence, on: on, seriesStart: seriesStart))
        case "TaskCompleted":
            guard object.has(only: Keys.taskCompleted), let task = object.string("task"),
                let outcomes = object.value("outcomes")?.values, let on = object.date("on"), let late = object.value("late")?.bool,
                let sealed = object.optional("sealed", \.string)
            else { return nil }
            return .taskCompleted(TaskCompleted(task: task, outcomes: outcomes, on: on, late: late, sealed: sealed))
        case "FieldsRecorded":
            guard object.has(only: Keys.fieldsRecorded), let values = object.value("values")?.values,
                let cleared = object.value("cleared")?.strings, let on = object.date("on"),
                let sealed = object.optional("sealed", \.string)
            else { return nil }
            return .fieldsRecorded(FieldsRecorded(values: values, cleared: cleared, on: on, sealed: sealed))
        case "CaseOpened":
            guard
                object.has(only: Keys.caseOpened), let process = object.string("process"), let definition = object.string("definition"),
                let fields = object.value("fields")?.values, let openedOn = object.date("openedOn"),
                let responsibleWorker = object.optional("responsibleWorker", \.string),
                let fastTrack = object.optional("fastTrack", \.string), let legalBasis = object.optional("legalBasis", \.string),
                let sealed = object.optional("sealed", \.string)
            else { return nil }
            return .opened(
                CaseOpened(
                    process: process, definition: definition, fields: fields, openedOn: openedOn,
                    responsibleWorker: responsibleWorker, fastTrack: fastTrack, legalBasis: legalBasis, sealed: sealed))
        case "TaskRescheduled":
            guard object.has(only: Keys.taskRescheduled),
                let task = object.string("task"), let earliest = object.optional("earliest", \.date),
                let due = object.optional("due", \.date), let previousEarliest = object.optional("previousEarliest", \.date),
                let previousDue = object.optional("previousDue", \.date), let reason = object.string("reason"),
                let on = object.date("on")
            else { return nil }
            return .taskRescheduled(
                TaskRescheduled(
                    task: task, earliest: earliest, due: due, previousEarliest: previousEarliest, previousDue: previousDue,
                    reason: reason, on: on))
        case "TaskCancelled", "TaskSuspended":
            guard object.has(only: Keys.taskCancelledOrSuspended), let task = object.string("task"),
                let reason = object.string("reason"), let on = object.date("on")
            else { return nil }
            return type == "TaskCancelled"
                ? .taskCancelled(TaskCancelled(task: task, reason: reason, on: on))
                : .taskSuspended(TaskSuspended(task: task, reason: reason, on: on))
        case "TaskResumed":
            guard object.has(only: Keys.taskResumed), let task = object.string("task"), let on = object.date("on") else { return nil }
            return .taskResumed(TaskResumed(task: task, on: on))
        case "TaskClaimed":
            guard object.has(only: Keys.taskClaimed), let task = object.string("task"),
                let occurrence = object.optional("occurrence", \.int), let by = object.string("by"), let on = object.date("on")
            else { return nil }
            return .taskClaimed(TaskClaimed(task: task, occurrence: occurrence, by: by, on: on))
        case "TaskUnclaimed":
            guard object.has(only: Keys.taskUnclaimed), let task = object.string("task"), let by = object.string("by"),
                let on = object.date("on")
            else { return nil }
            return .taskUnclaimed(TaskUnclaimed(task: task, by: by, on: on))
        case "EventOccurred":
            guard object.has(only: Keys.eventOccurred), let event = object.string("event"), let on = object.date("on") else { return nil }
            return .eventOccurred(EventOccurred(event: event, on: on))
        case "ConsentGiven":
            guard object.has(only: Keys.consentGiven), let parties = object.value("parties")?.strings, let on = object.date("on")
            else { return nil }
            return .consentGiven(ConsentGiven(parties: parties, on: on))
        default:
            return nil
        }
    }
}

/// Each event type's keys, built once (an array literal at the call would be built for every event).
private enum Keys {
    static let stateEntered: [StaticString] = ["state", "from", "event", "on"]
    static let taskOpened: [StaticString] = ["task", "role", "earliest", "due", "occurrence", "on", "seriesStart"]
    static let taskCompleted: [StaticString] = ["task", "outcomes", "on", "late", "sealed"]
    static let fieldsRecorded: [StaticString] = ["values", "cleared", "on", "sealed"]
    static let caseOpened: [StaticString] = ["process", "definition", "fields", "openedOn", "responsibleWorker", "fastTrack", "legalBasis", "sealed"]
    static let taskRescheduled: [StaticString] = ["task", "earliest", "due", "previousEarliest", "previousDue", "reason", "on"]
    static let taskCancelledOrSuspended: [StaticString] = ["task", "reason", "on"]
    static let taskResumed: [StaticString] = ["task", "on"]
    static let taskClaimed: [StaticString] = ["task", "occurrence", "by", "on"]
    static let taskUnclaimed: [StaticString] = ["task", "by", "on"]
    static let eventOccurred: [StaticString] = ["event", "on"]
    static let consentGiven: [StaticString] = ["parties", "on"]
}

/// A JSON object whose values are all simple: what the engine's own events hold.
/// Parsing fails (nil) on anything else, and on duplicate keys.
struct FlatJSONObject {
    enum Value {
        case string(String)
        case int(Int)
        case bool(Bool)
        case null
        case strings([String])
        /// An object of field values (``ExpressionValue``s), possibly empty.
        case values([String: ExpressionValue])

        var string: String? {
            if case .string(let value) = self { value } else { nil }
        }
        var int: Int? {
            if case .int(let value) = self { value } else { nil }
        }
        var bool: Bool? {
            if case .bool(let value) = self { value } else { nil }
        }
        var strings: [String]? {
            if case .strings(let value) = self { value } else { nil }
        }
        var values: [String: ExpressionValue]? {
            if case .values(let value) = self { value } else { nil }
        }
        var date: LocalDate? {
            if case .string(let value) = self { LocalDate(value) } else { nil }
        }
    }

    /// The payload's bytes: keys stay where they are, as ranges of these bytes, and are
    /// compared with the names the decoder asks for byte by byte (no string is made for
    /// a key, nor compared as Unicode). Valid only while the payload's bytes are.
    private let bytes: UnsafeRawBufferPointer
    private var fields: [(key: Range<Int>, value: Value)] = []

    private func key(_ range: Range<Int>, is name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        return range.count == count && memcmp(bytes.baseAddress! + range.lowerBound, name.utf8Start, count) == 0
    }

    func value(_ name: StaticString) -> Value? {
        fields.first { key($0.key, is: name) }?.value
    }

    func string(_ name: StaticString) -> String? { value(name)?.string }

    func date(_ name: StaticString) -> LocalDate? { value(name)?.date }

    /// An optional member: `.some(nil)` when absent or null, nil when present but not readable by `read`.
    func optional<T>(_ name: StaticString, _ read: (Value) -> T?) -> T?? {
        guard let value = value(name) else { return .some(nil) }
        if case .null = value { return .some(nil) }
        guard let read = read(value) else { return nil }
        return .some(read)
    }

    /// Whether every key is one of `names`, each at most once (objects here have a handful
    /// of members: a linear scan beats hashing).
    func has(only names: [StaticString]) -> Bool {
        var seen: UInt64 = 0  // which of `names` have been met: a second time is a duplicate key
        for field in fields {
            guard let name = names.firstIndex(where: { key(field.key, is: $0) }), seen & 1 << name == 0 else { return false }
            seen |= 1 << name
        }
        return true
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.baseAddress != nil else { return nil }
        self.bytes = bytes
        fields.reserveCapacity(8)  // the engine's events have at most eight members
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        guard reader.take(UInt8(ascii: "{")) else { return nil }
        reader.skipSpace()
        if !reader.take(UInt8(ascii: "}")) {
            while true {
                reader.skipSpace()
                guard let key = reader.keyRange() else { return nil }
                reader.skipSpace()
                guard reader.take(UInt8(ascii: ":")) else { return nil }
                reader.skipSpace()
                guard let value = reader.value() else { return nil }
                fields.append((key, value))
                reader.skipSpace()
                if reader.take(UInt8(ascii: ",")) { continue }
                guard reader.take(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        reader.skipSpace()
        guard reader.atEnd else { return nil }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func take(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// Where a member's name is: a string without escapes or control characters (its
        /// bytes are only ever compared with the ASCII names of the engine's members, so
        /// they need no validation).
        mutating func keyRange() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<index - 1
                }
                if byte < 0x20 || byte == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            return nil
        }

        /// A string without escapes or control characters, valid UTF-8.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            var ascii = true
            while index < bytes.count {
                let byte = bytes[index]
                // One test for the bytes that need a look: a quote, a backslash, a control
                // character, or one beyond ASCII.
                if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    let text = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    // ASCII is valid UTF-8 as it is; anything else is validated.
                    return ascii ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
                }
                if byte < 0x80 { return nil }  // a backslash or a control character
                ascii = false
                index += 1
            }
            return nil
        }

        mutating func value() -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return string().map(Value.string)
            case UInt8(ascii: "t"):
                return take("true") ? .bool(true) : nil
            case UInt8(ascii: "f"):
                return take("false") ? .bool(false) : nil
            case UInt8(ascii: "n"):
                return take("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return integer().map(Value.int)
            case UInt8(ascii: "["):
                index += 1
                var strings: [String] = []
                skipSpace()
                if take(UInt8(ascii: "]")) { return .strings(strings) }
                while true {
                    skipSpace()
                    guard let string = string() else { return nil }
                    strings.append(string)
                    skipSpace()
                    if take(UInt8(ascii: ",")) { continue }
                    return take(UInt8(ascii: "]")) ? .strings(strings) : nil
                }
            case UInt8(ascii: "{"):
                return fieldValues().map(Value.values)
            default:
                return nil
            }
        }

        /// Field values as ``ExpressionValue``'s synthesised coding writes them
        /// (`{"due":{"date":{"_0":"2026-12-01"}},"note":{"text":{"_0":"…"}}}`): texts,
        /// booleans, dates and whole numbers of at most 15 digits; nil for anything else
        /// (fractions, durations, duplicate names), which `JSONDecoder` then reads.
        mutating func fieldValues() -> [String: ExpressionValue]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var values: [String: ExpressionValue] = [:]
            skipSpace()
            if take(UInt8(ascii: "}")) { return values }
            while true {
                skipSpace()
                guard let name = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")), let value = fieldValue(), values.updateValue(value, forKey: name) == nil
                else { return nil }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? values : nil
            }
        }

        /// One ``ExpressionValue``: `{"text":{"_0":"…"}}`.
        private mutating func fieldValue() -> ExpressionValue? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            guard let kind = string() else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipSpace()
            guard take("\"_0\"") else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            let result: ExpressionValue
            switch kind {
            case "text":
                guard let text = string() else { return nil }
                result = .text(text)
            case "bool":
                if take("true") {
                    result = .bool(true)
                } else if take("false") {
                    result = .bool(false)
                } else {
                    return nil
                }
            case "date":
                guard let text = string(), let date = LocalDate(text) else { return nil }
                result = .date(date)
            case "number":
                let start = index
                guard let whole = integer(), index - start <= 16, !(whole == 0 && bytes[start] == UInt8(ascii: "-")) else { return nil }
                result = .number(Double(whole))
            default:
                return nil
            }
            for _ in 0..<2 {
                skipSpace()
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            return result
        }

        /// An integer without fraction or exponent that fits an `Int`.
        mutating func integer() -> Int? {
            let negative = take(UInt8(ascii: "-"))
            // JSON allows no leading zeros ("06", "-06"): such a number is JSONDecoder's to refuse.
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "0"),
                case UInt8(ascii: "0")...UInt8(ascii: "9") = bytes[index + 1]
            {
                return nil
            }
            var value = 0
            var digits = 0
            while index < bytes.count, case UInt8(ascii: "0")...UInt8(ascii: "9") = bytes[index] {
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !overflow, !overflow2 else { return nil }
                value = sum
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return negative ? -value : value
        }
    }
}
