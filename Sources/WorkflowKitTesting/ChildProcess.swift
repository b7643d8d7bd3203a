public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A built product of this package run as a real OS process, its standard output read
/// line by line as it comes (a line cut short by a kill has no newline and is dropped:
/// the process never finished saying it).
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var buffer = Data()
    private var complete: [String] = []
    private var errorText = Data()
    private var ended = false
    private let done = DispatchGroup()

    /// Starts `product` (e.g. `eventlog-worker`) with `arguments`.
    public init(_ product: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = try BuiltProduct.url(named: product)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        done.enter()
        done.enter()
        let outputHandle = output.fileHandleForReading
        Thread { [self] in
            while true {
                let data = outputHandle.availableData
                if data.isEmpty { break }
                lock.withLock {
                    buffer.append(data)
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        complete.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                        buffer.removeSubrange(buffer.startIndex...newline)
                    }
                }
            }
            lock.withLock { ended = true }
            done.leave()
        }.start()
        let errorHandle = errors.fileHandleForReading
        Thread { [self] in
            let data = errorHandle.readDataToEndOfFile()
            lock.withLock { errorText = data }
            done.leave()
        }.start()
    }

    /// The complete lines printed so far.
    public var lines: [String] { lock.withLock { complete } }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// Waits until a printed line satisfies `predicate`, or the process ends, or `timeout`
    /// passes. The predicate runs under this object's lock: it must not call back into it.
    @discardableResult
    public func waitForLine(timeout: Duration = .seconds(60), where predicate: (String) -> Bool) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (found, over) = lock.withLock { (complete.first(where: predicate), ended) }
            if let found { return found }
            if over { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Waits until the process has printed at least `count` complete lines, or ends, or
    /// `timeout` passes; returns whether it printed them.
    public func waitForLines(_ count: Int, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (printed, over) = lock.withLock { (complete.count, ended) }
            if printed >= count { return true }
            if over { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// Sends `signal` (SIGKILL by default).
    public func kill(_ signal: Int32 = SIGKILL) {
        Glibc.kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit and returns its status, the complete lines it
    /// printed and what it wrote to standard error.
    public func finish() -> (status: Int32, lines: [String], errors: String) {
        process.waitUntilExit()
        done.wait()
        return lock.withLock { (process.terminationStatus, complete, String(decoding: errorText, as: UTF8.self)) }
    }
}
