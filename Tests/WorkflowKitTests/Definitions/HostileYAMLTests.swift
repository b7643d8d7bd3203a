import Foundation
import Testing
import WorkflowKitTesting

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Process files written to exhaust the loader ("billion laughs" and its
    /// variants, huge files, huge lists) are refused quickly, with an error at the line.
    @Suite(.timeLimit(.minutes(1))) struct HostileYAMLTests {
        /// Each anchor a list of nine references to the previous one: 9^9 values once expanded.
        static let bomb = """
            process: bomb
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            title: *i

            """

        /// Refused, not expanded: expanding it would not end within the time limit.
        @Test(.timeLimit(.minutes(1))) func billionLaughsIsRefusedAtTheFirstAlias() {
            let errors = ProcessLanguageTests.errors(ProcessLanguageTests.load(Self.bomb))
            #expect(errors == ["3:8: YAML aliases ('*a') are not supported in process files; write the value out."])
        }

        /// The same bomb in block style, as a merge key, and with an alias as a mapping
        /// key (whose hashing alone would take exponential time).
        @Test(arguments: [
            ("block", "a: &a\n  - lol\n  - lol\nb: &b\n  - *a\n  - *a\n", "5:5: YAML aliases ('*a')"),
            ("merge", "base: &base { title: T }\nstates:\n  start:\n    <<: *base\n", "4:9: YAML aliases ('*base')"),
            ("key", "a: &a [x, y]\nmap:\n  ? *a\n  : value\n", "3:5: YAML aliases ('*a')"),
            ("implicit key", "a: &a x\nmap: { *a : value }\n", "2:8: YAML aliases ('*a')"),
        ])
        func aliasVariantsAreRefused(name: String, yaml: String, expected: String) {
            let errors = ProcessLanguageTests.errors(ProcessLanguageTests.load(yaml))
            #expect(errors.count == 1, "\(name): \(errors)")
            #expect(errors.first?.hasPrefix(expected) == true, "\(name): \(errors)")
        }

        @Test func anAsteriskInsideTextIsNotAnAlias() {
            let yaml = "process: p\ntitle: \"*not an alias\"\nnote: a * b\n"
            let errors = ProcessLanguageTests.errors(ProcessLanguageTests.load(yaml))
            #expect(!errors.contains { $0.contains("alias") }, "\(errors)")
        }

        @Test func tooManyValuesAreRefusedWhereTheLimitIsCrossed() {
            let budget = YAMLBudget(maximumNodes: 10)
            let yaml = "a: 1\nb: 2\nc: [1, 2, 3]\nd: [4, 5, 6]\n"
            let refused = budget.check(yaml, file: "f.yaml")
            // The document mapping, 'a', 1, 'b', 2, 'c', the list and its three items: 10; 'd' is the 11th.
            #expect(refused?.location == FileLocation(file: "f.yaml", line: 4, column: 1))
            #expect(refused?.message.contains("more than 10 YAML values") == true)
            #expect(YAMLBudget(maximumNodes: 14).check(yaml, file: "f.yaml")?.location == FileLocation(file: "f.yaml", line: 4, column: 11))
            #expect(YAMLBudget(maximumNodes: 15).check(yaml, file: "f.yaml") == nil)
        }

        @Test func theRealNodeLimitHolds() {
            let items = String(repeating: "1,", count: YAMLBudget.maximumNodes) + "1"
            let errors = ProcessLanguageTests.errors(ProcessLanguageTests.load("process: p\nlist: [\(items)]\n"))
            #expect(errors.count == 1)
            #expect(errors.first?.hasPrefix("2:") == true, "\(errors)")
            #expect(errors.first?.contains("more than \(YAMLBudget.maximumNodes) YAML values") == true, "\(errors)")
        }

        @Test func anOversizedTextIsRefusedAtTheLineOfTheLimit() {
            let line = "# " + String(repeating: "x", count: 1021) + "\n"  // 1024 bytes
            let text = String(repeating: line, count: 1025)
            let errors = ProcessLanguageTests.errors(ProcessLanguageTests.load(text))
            #expect(errors == ["1025:1: The file is 1049600 bytes long; a process file may be at most 1048576 bytes."])
        }

        /// A 4 GB (sparse) file on disk is refused by its size, without being read.
        @Test func anOversizedFileIsRefusedUnread() throws {
            let directory = try TemporaryDirectory()
            let path = directory.url.appendingPathComponent("huge.yaml").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data("process: huge\n".utf8)))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 4 << 30)
            try handle.close()
            let library = ProcessLoader().load(paths: [path])
            let errors = library.diagnostics.filter { $0.severity == .error }.map(\.description)
            #expect(errors == ["\(path):1:1: error: The file is \(4 << 30) bytes long; a process file may be at most 1048576 bytes."])
        }
    }
}
