import Foundation

/// The verdicts a backend's `verify` adds to the walk of the chain, worded once for every
/// backend.
extension VerificationReport {
    /// The problem of a log that has a chain key and `events` events but records no start of
    /// its authentication and has no authenticated event: the authentications were removed.
    public static func authenticationsRemoved(events: Int64) -> String {
        "the log has a chain key, but none of its \(events) events is authenticated, and it does not record from which position they are: the authentications were removed outside the engine. (A log written by a version before 2026-12-08 that never appended to it since it made the key gets that record the first time a command opens it.)"
    }

    /// This report, or — when it is intact and `misdated` (an event recorded far from the
    /// time it was written) is given — the report of that event, after `checked` events.
    ///
    /// - Parameter why: Why the log's events are recorded when they are written (it is not
    ///   a simulation), as the end of the sentence.
    public func flagging(misdated: RecordedEvent?, checked: Int64, authenticationChecked: Bool, why: String) -> VerificationReport {
        guard isIntact, let misdated, let written = misdated.writtenAt else { return self }
        var report = VerificationReport(
            eventsChecked: checked, firstBrokenPosition: misdated.position,
            problem:
                "the event (\(misdated.type) of \(Identifier.escaped(misdated.stream.rawValue))) is recorded as of \(Self.timestamp(misdated.recordedAt)) but was written at \(Self.timestamp(written)): \(why), so its events are recorded when they are written; its time was set by hand.")
        report.authenticationChecked = authenticationChecked
        return report
    }

    /// A time in milliseconds since 1970 as ISO 8601 in UTC.
    private static func timestamp(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
