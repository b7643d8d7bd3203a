public import Foundation

/// A fresh directory under the system's temporary folder, removed when dropped.
///
/// Every test that touches files gets its own, so tests never see each other's files.
public final class TemporaryDirectory: Sendable {
    /// The directory's location.
    public let url: URL

    public init(prefix: String = "workflowkit") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
