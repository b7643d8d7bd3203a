import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The README's embedding example, compiled and run; the test also checks that the
/// README still shows exactly this code.
@Suite("README examples")
struct ReadmeExampleTests {
    @Test("the event-log embedding example runs and matches the README")
    func eventLogExample() async throws {
        let directory = try TemporaryDirectory()
        let databasePath = directory.path("example.sqlite")
        // README-BEGIN event-log
        let store = try SQLiteEventStore(path: databasePath)
        let opened = try NewEvent(type: "CaseOpened", encoding: ["process": "vat-generic"])
        let result = try await store.append(
            [opened], to: "case-42", expected: .noStream,
            metadata: EventMetadata(actor: "worker:anna", role: "responsible-worker", commandID: "open-42"))
        print("case-42 is at version \(result.version), position \(result.lastPosition)")

        for try await event in store.read(stream: "case-42") {
            print(event.version, event.type, event.metadata.actor ?? "-")
        }
        let report = try await store.verify()
        print(report)
        // README-END event-log
        #expect(result.version == 1)
        #expect(report.isIntact)

        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../README.md"), encoding: .utf8)
        let begin = source.range(of: "// README-BEGIN event-log\n")!
        let end = source.range(of: "        // README-END event-log")!
        let code = source[begin.upperBound..<end.lowerBound]
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
            .joined(separator: "\n")
        #expect(readme.contains("```swift\nimport WorkflowKit\nimport WorkflowSQLite\n\n" + code + "```"))
    }
}
