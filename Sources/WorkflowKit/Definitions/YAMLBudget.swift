import CYaml

/// What a process file may cost to read, checked before and while it is parsed.
///
/// Process files come from coordinators and, through the API, from uploads; a few
/// lines of nested YAML aliases ("billion laughs") would otherwise expand into
/// billions of values. The budget refuses, at the line where the limit is crossed:
/// a file larger than ``maximumBytes``, any alias (`*name`, also in a `<<:` merge),
/// and more than ``maximumNodes`` values. It walks libyaml's event stream, which
/// costs time and memory in proportion to the text and never expands an alias.
struct YAMLBudget {
    /// The largest process file, in bytes (the built-in files are under 25 kB).
    static let maximumBytes = 1_048_576
    /// The most values (scalars, mappings and lists, keys included) a file may hold.
    static let maximumNodes = 100_000

    var maximumBytes = Self.maximumBytes
    var maximumNodes = Self.maximumNodes

    /// The first limit `text` exceeds, as an error at its place, or nil when the text
    /// is within the budget. Text that is not YAML is left to the parser's own errors.
    func check(_ text: String, file: String) -> Diagnostic? {
        var text = text
        return text.withUTF8 { bytes in
            if bytes.count > maximumBytes {
                let line = 1 + bytes.prefix(maximumBytes).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                return .error(
                    "The file is \(bytes.count) bytes long; a process file may be at most \(maximumBytes) bytes.",
                    at: FileLocation(file: file, line: line, column: 1))
            }
            return walkEvents(bytes, file: file)
        }
    }

    private func walkEvents(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> Diagnostic? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
        var nodes = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let here = FileLocation(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_ALIAS_EVENT:
                let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                return .error(
                    "YAML aliases ('*\(name)') are not supported in process files; write the value out.", at: here)
            case YAML_SCALAR_EVENT, YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                nodes += 1
                if nodes > maximumNodes {
                    return .error(
                        "The file holds more than \(maximumNodes) YAML values (keys, values and list items); a process file may hold at most \(maximumNodes).",
                        at: here)
                }
            default:
                continue
            }
        }
    }
}
