import Foundation
import Testing
import WorkflowKitTesting

/// docs/api.md's worked session, run as written (on a free port) against the built
/// `aso-engine`, with real curl.
@Suite("docs/api.md")
struct APIDocumentationTests {
    static let document = Repository.root(of: #filePath).appendingPathComponent("docs/api.md")

    /// The shell block under "## A worked session".
    static func session() throws -> String {
        let text = try String(contentsOf: document, encoding: .utf8)
        guard let heading = text.range(of: "## A worked session"),
            let start = text.range(of: "```sh\n", range: heading.upperBound..<text.endIndex),
            let end = text.range(of: "```", range: start.upperBound..<text.endIndex)
        else { throw RunningServerError(description: "docs/api.md has no worked session") }
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test("the worked session runs, and each call answers as the document says")
    func workedSession() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") || FileManager.default.isExecutableFile(atPath: "/bin/curl") else {
            Issue.record("curl is needed for the documented session")
            return
        }
        let directory = try TemporaryDirectory()
        let binary = try BuiltProduct.url(named: "aso-engine").deletingLastPathComponent().path
        let port = Int.random(in: 20_000...40_000)
        let script = "set -e\ntrap 'kill %1 2>/dev/null || true' EXIT\n"
            + (try Self.session()).replacingOccurrences(of: "8080", with: String(port))
            .replacingOccurrences(of: "curl -s ", with: "curl -s -w '\\n' ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory.url
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = binary + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        // The answers (JSON), not what the commands print.
        let lines = stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("{") }
        #expect(lines.count == 4, "\(stdout)")
        guard lines.count == 4 else { return }
        #expect(lines[0].contains(#""actor":"anna""#) && lines[0].contains(#""organisation":"prison""#))
        #expect(lines[1] == #"{"appended":["CaseOpened","StateEntered","TaskOpened","TaskOpened"],"case":"vat-7","version":4}"#, "\(lines[1])")
        #expect(lines[2].contains(#""case":"vat-7""#) && lines[2].contains(#""role":"responsible-worker""#))
        #expect(lines[3].hasPrefix(#"{"appended":["ConsentGiven","#) && lines[3].contains(#""case":"vat-7""#), "\(lines[3])")
    }
}
