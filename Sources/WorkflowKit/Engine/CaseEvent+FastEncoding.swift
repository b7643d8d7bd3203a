import Foundation

extension CaseEvent {
    /// The event's payload written straight as JSON, byte for byte what `JSONEncoder`
    /// with sorted keys and unescaped slashes writes (``newEvent()``'s encoder), without
    /// its generic machinery (a tenth of an engine command's CPU time).
    ///
    /// Only what is certain to come out the same is written here: keys in ASCII, texts
    /// without quotes, backslashes or control characters (which `JSONEncoder` escapes),
    /// numbers that are whole and exactly representable. Anything else returns nil and
    /// the caller encodes with `JSONEncoder` as before.
    func fastPayload() -> Data? {
        var object = FastJSONObjectWriter()
        switch self {
        case .stateEntered(let body):
            object.optionalText("event", body.event)
            object.optionalText("from", body.from)
            object.date("on", body.on)
            object.text("state", body.state)
        case .taskOpened(let body):
            object.optionalDate("due", body.due)
            object.optionalDate("earliest", body.earliest)
            object.integer("occurrence", body.occurrence)
            object.date("on", body.on)
            object.text("role", body.role)
            object.optionalDate("seriesStart", body.seriesStart)
            object.text("task", body.task)
        case .taskRescheduled(let body):
            object.optionalDate("due", body.due)
            object.optionalDate("earliest", body.earliest)
            object.date("on", body.on)
            object.optionalDate("previousDue", body.previousDue)
            object.optionalDate("previousEarliest", body.previousEarliest)
            object.text("reason", body.reason)
            object.text("task", body.task)
        case .taskCompleted(let body):
            object.bool("late", body.late)
            object.date("on", body.on)
            object.values("outcomes", body.outcomes)
            object.optionalText("sealed", body.sealed)
            object.text("task", body.task)
        case .fieldsRecorded(let body):
            object.texts("cleared", body.cleared)
            object.date("on", body.on)
            object.optionalText("sealed", body.sealed)
            object.values("values", body.values)
        case .taskCancelled(let body):
            object.date("on", body.on)
            object.text("reason", body.reason)
            object.text("task", body.task)
        case .taskSuspended(let body):
            object.date("on", body.on)
            object.text("reason", body.reason)
            object.text("task", body.task)
        case .taskResumed(let body):
            object.date("on", body.on)
            object.text("task", body.task)
        case .taskClaimed(let body):
            object.text("by", body.by)
            if let occurrence = body.occurrence { object.integer("occurrence", occurrence) }
            object.date("on", body.on)
            object.text("task", body.task)
        case .taskUnclaimed(let body):
            object.text("by", body.by)
            object.date("on", body.on)
            object.text("task", body.task)
        case .eventOccurred(let body):
            object.text("event", body.event)
            object.date("on", body.on)
        case .consentGiven(let body):
            object.date("on", body.on)
            object.texts("parties", body.parties)
        default:
            return nil
        }
        return object.finish()
    }
}

/// Writes one JSON object for ``CaseEvent/fastPayload()``, members in the order given
/// (the callers give their keys sorted); gives up on anything whose bytes it cannot
/// promise to be `JSONEncoder`'s.
struct FastJSONObjectWriter {
    private var bytes: [UInt8] = []
    private var failed = false
    private var first = true

    init() {
        bytes.reserveCapacity(160)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The object's bytes; nil when anything in it was given up on.
    mutating func finish() -> Data? {
        bytes.append(UInt8(ascii: "}"))
        return failed ? nil : Data(bytes)
    }

    private mutating func key(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func text(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func optionalText(_ name: StaticString, _ value: String?) {
        if let value { text(name, value) }
    }

    mutating func date(_ name: StaticString, _ value: LocalDate) {
        key(name)
        date(value)
    }

    mutating func optionalDate(_ name: StaticString, _ value: LocalDate?) {
        if let value { date(name, value) }
    }

    mutating func integer(_ name: StaticString, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func texts(_ name: StaticString, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Field values, as the synthesised coding of ``ExpressionValue`` writes them
    /// (`{"date":{"_0":"2026-12-01"}}`), keys in byte order (ASCII keys only, where byte
    /// order is certainly `JSONEncoder`'s).
    mutating func values(_ name: StaticString, _ values: [String: ExpressionValue]) {
        key(name)
        bytes.append(UInt8(ascii: "{"))
        let sorted = values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (index, (fieldName, value)) in sorted.enumerated() {
            guard fieldName.utf8.allSatisfy({ $0 < 0x80 }) else {
                failed = true
                return
            }
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(fieldName)
            bytes.append(UInt8(ascii: ":"))
            self.value(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// A text as is, between quotes; given up on when `JSONEncoder` would escape any of it.
    private mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                failed = true
                return
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private mutating func date(_ value: LocalDate) {
        guard (1...9999).contains(value.year) else {
            failed = true
            return
        }
        bytes.append(UInt8(ascii: "\""))
        digits(value.year, count: 4)
        bytes.append(UInt8(ascii: "-"))
        digits(value.month, count: 2)
        bytes.append(UInt8(ascii: "-"))
        digits(value.day, count: 2)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func digits(_ value: Int, count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private mutating func value(_ value: ExpressionValue) {
        switch value {
        case .text(let text):
            bytes.append(contentsOf: #"{"text":{"_0":"#.utf8)
            string(text)
        case .bool(let truth):
            bytes.append(contentsOf: #"{"bool":{"_0":"#.utf8)
            bytes.append(contentsOf: (truth ? "true" : "false").utf8)
        case .date(let date):
            bytes.append(contentsOf: #"{"date":{"_0":"#.utf8)
            self.date(date)
        case .number(let number):
            // Whole numbers well inside a double's exact range, and not -0, which
            // JSONEncoder writes as integers; any other goes through it.
            guard number == number.rounded(), abs(number) < 1e15, !(number == 0 && number.sign == .minus) else {
                failed = true
                return
            }
            bytes.append(contentsOf: #"{"number":{"_0":"#.utf8)
            bytes.append(contentsOf: String(Int64(number)).utf8)
        case .duration:
            failed = true
            return
        }
        bytes.append(contentsOf: "}}".utf8)
    }
}
