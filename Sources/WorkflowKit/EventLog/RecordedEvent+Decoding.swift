extension RecordedEvent {
    /// The error for a stored event whose payload cannot be read as its type: it names
    /// the stream, version, position, type and schema version, and what did not fit,
    /// never a value of the payload.
    public func undecodable(_ error: any Error) -> EventStoreError {
        EventStoreError(
            .undecodable,
            "The stored event at position \(position) (stream '\(stream)', version \(version), type '\(type)', schema version \(schemaVersion)) could not be decoded: \(Self.reason(error)).")
    }

    /// What did not fit, by coding path only.
    static func reason(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        guard let error = error as? DecodingError else { return "\(Swift.type(of: error))" }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "the key '\(parent.isEmpty ? "" : parent + ".")\(key.stringValue)' is missing"
        case .typeMismatch(let expected, let context):
            return "'\(path(context))' is not of type \(expected)"
        case .valueNotFound(let expected, let context):
            return "'\(path(context))' has no value (expected \(expected))"
        case .dataCorrupted(let context):
            let at = path(context)
            return at.isEmpty ? "the payload is not JSON of this type" : "'\(at)' holds a value its type cannot read"
        @unknown default:
            return "the payload does not fit its type"
        }
    }
}
