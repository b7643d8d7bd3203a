import Foundation
import WorkflowKitTesting

/// A temporary directory whose files are written with their parent folders.
struct TemporaryDirectoryForTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "process-language") }
    func path(_ name: String) -> String { directory.path(name) }
}

extension String {
    /// Writes the string as UTF-8 to `path`, creating parent folders.
    func write(toFile path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(utf8).write(to: url)
    }
}
