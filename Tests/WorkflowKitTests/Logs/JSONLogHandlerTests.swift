import Foundation
import Logging
import Testing
import WorkflowKit

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// The lines a handler wrote.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    static let noon = Date(timeIntervalSince1970: 1_780_315_200.25)  // 2026-06-01T12:00:00.250Z

    static func logger(writingTo lines: Lines, level: Logger.Level = .info) -> Logger {
        Logger(label: "aso-engine.test") { label in
            JSONLogHandler(label: label, level: level, now: { noon }, write: { lines.append($0) })
        }
    }

    @Test("one line of JSON per entry: fixed keys in order, sorted metadata, UTC milliseconds")
    func shape() throws {
        let lines = Lines()
        var logger = Self.logger(writingTo: lines)
        logger[metadataKey: "daemon"] = "d-1"
        logger.info("delivered", metadata: ["count": .stringConvertible(3), "sinks": ["stdout", "jsonl"], "by": ["role": "chair"]])
        #expect(
            lines.all == [
                #"{"timestamp":"2026-06-01T12:00:00.250Z","level":"info","label":"aso-engine.test","message":"delivered","#
                    + #""metadata":{"by":{"role":"chair"},"count":"3","daemon":"d-1","sinks":["stdout","jsonl"]}}"# + "\n"
            ])
    }

    @Test("quotes, backslashes, newlines and control characters are escaped: an entry stays on one line and parses back")
    func escaping() throws {
        let lines = Lines()
        let logger = Self.logger(writingTo: lines)
        let message = "a \"quoted\" C:\\path\nsecond line\r\tend \u{01}\u{1F}\u{7F}\u{08}\u{0C} \u{2028}ä"
        logger.warning("\(message)", metadata: ["key \"x\"\n": "value\n\u{00}"])
        let line = try #require(lines.all.first)
        #expect(lines.all.count == 1)
        #expect(line.hasSuffix("}\n") && line.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" })
        #expect(
            line.contains(
                #""message":"a \"quoted\" C:\\path\nsecond line\r\tend \u0001\u001f\u007f\b\f \u2028ä""#))
        #expect(line.contains(#""metadata":{"key \"x\"\n":"value\n\u0000"}"#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(parsed["message"] as? String == message)
        #expect(parsed["level"] as? String == "warning")
        #expect((parsed["metadata"] as? [String: String])?["key \"x\"\n"] == "value\n\u{00}")
    }

    @Test("entries below the handler's level are not written")
    func level() {
        let lines = Lines()
        let logger = Self.logger(writingTo: lines, level: .warning)
        logger.info("quiet")
        logger.error("loud")
        #expect(lines.all.count == 1 && lines.all[0].contains(#""message":"loud""#))
    }
}
