public import Foundation

/// Finds executables built by this package (`aso-engine`, test workers), so that
/// tests can run them as real OS processes.
public enum BuiltProduct {
    /// The built executable named `name`.
    ///
    /// Looks beside the running test bundle first (where `swift build --build-tests`
    /// puts every product), then in `.build/debug` of the current directory.
    public static func url(named name: String) throws -> URL {
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/\(name)"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw BuiltProductError(name: name, searched: candidates.map(\.path))
    }
}

/// A product the tests need was not built.
public struct BuiltProductError: Error, CustomStringConvertible {
    public var name: String
    public var searched: [String]
    public var description: String {
        "The executable '\(name)' was not found (searched \(searched.joined(separator: ", "))); run `swift build --build-tests` first."
    }
}

/// The outcome of running a built executable to completion.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

extension BuiltProduct {
    /// Runs the built executable `name` with `arguments` to completion.
    ///
    /// - Parameters:
    ///   - input: Written to the process's standard input, which is then closed.
    ///   - environment: Added to this process's environment.
    public static func run(
        _ name: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
        currentDirectory: URL? = nil
    ) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = try url(named: name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Read both pipes concurrently with the process so that neither fills up.
        let errorData = ReadBox()
        let errorReader = Thread { errorData.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isDone { usleep(1000) }
        return ProcessOutput(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.data, as: UTF8.self))
    }
}

private final class ReadBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _data: Data?
    var data: Data {
        get { lock.withLock { _data ?? Data() } }
        set { lock.withLock { _data = newValue } }
    }
    var isDone: Bool { lock.withLock { _data != nil } }
}
