public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `aso-engine serve` running as a real OS process on a loopback port, and a plain
/// HTTP/1.1 client for it (one connection per request, `Connection: close`), so that
/// tests see exactly the bytes the server sends.
public final class RunningServer: @unchecked Sendable {
    public let process: Process
    public let port: Int
    private let errors: Pipe
    private let errorText = ErrorText()

    /// Starts `aso-engine serve --port 0` with `arguments` and waits until it listens.
    public init(_ arguments: [String], currentDirectory: URL? = nil, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = try BuiltProduct.url(named: "aso-engine")
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let output = Pipe()
        errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        self.process = process
        // The first line of standard output names the port.
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(0x0A) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #"Listening on https?://[^:]+:(\d+)"#, options: .regularExpression),
            let port = Int(text[range].split(separator: ":").last ?? "")
        else {
            process.terminate()
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw RunningServerError(description: "The server did not start: \(text) \(stderr)")
        }
        self.port = port
        // Drained all along, so that the server never blocks on a full pipe.
        let errorText = self.errorText
        let reader = errors.fileHandleForReading
        Thread {
            errorText.set(reader.readDataToEndOfFile())
        }.start()
    }

    /// Sends SIGTERM and waits; returns the exit status and what the server wrote to standard error.
    @discardableResult
    public func stop() -> (status: Int32, stderr: String) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return (process.terminationStatus, errorText.wait())
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// An HTTP response as received.
    public struct Response: Sendable {
        public var status: Int
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    }

    /// Sends one request and reads the whole response.
    public func request(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], body: Data? = nil
    ) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        var headers = headers
        if let body {
            headers["Content-Length"] = String(body.count)
            if headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var bytes = Data(head.utf8)
        if let body { bytes.append(body) }
        let received = try Self.exchange(bytes, port: port)
        return try Self.parse(received)
    }

    /// A JSON request: `body` is serialised.
    public func request(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], json: Any
    ) throws -> Response {
        try request(method, path, token: token, headers: headers, body: try JSONSerialization.data(withJSONObject: json))
    }

    /// A TCP connection to `port` on 127.0.0.1: its descriptor, which the caller closes.
    public static func connection(to port: Int) throws -> Int32 {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw RunningServerError(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw RunningServerError(description: "connect() to port \(port) failed")
        }
        return descriptor
    }

    /// The answer to a request made on another thread (a long poll), once it comes.
    public final class PendingAnswer: @unchecked Sendable {
        private let condition = NSCondition()
        private var response: Response?
        private var done = false

        public init() {}

        /// Hands over the answer (nil when the request failed) and wakes the waiter.
        public func set(_ response: Response?) {
            condition.lock()
            self.response = response
            done = true
            condition.broadcast()
            condition.unlock()
        }

        /// The answer, or nil when none came within `seconds`.
        public func wait(seconds: Double) -> Response? {
            condition.lock()
            defer { condition.unlock() }
            let deadline = Date().addingTimeInterval(seconds)
            while !done && condition.wait(until: deadline) {}
            return response
        }
    }

    private static func exchange(_ bytes: Data, port: Int) throws -> Data {
        let descriptor = try connection(to: port)
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let count = send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, 0)
                guard count > 0 else { throw RunningServerError(description: "send() failed") }
                sent += count
            }
        }
        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count <= 0 { break }
            received.append(contentsOf: chunk[0..<count])
        }
        return received
    }

    private static func parse(_ data: Data) throws -> Response {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw RunningServerError(description: "No HTTP response head in \(data.count) bytes")
        }
        let head = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw RunningServerError(description: "Bad status line: \(head[0])")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            // A repeated header (Set-Cookie) keeps every value, one per line.
            headers[name] = headers[name].map { $0 + "\n" + value } ?? value
        }
        var body = Data(data[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: Data) -> Data {
        var result = Data()
        var index = data.startIndex
        while let lineEnd = data[index...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let stop = data.index(start, offsetBy: size, limitedBy: data.endIndex) ?? data.endIndex
            result.append(data[start..<stop])
            index = data.index(stop, offsetBy: 2, limitedBy: data.endIndex) ?? data.endIndex
        }
        return result
    }
}

private final class ErrorText: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ data: Data) {
        condition.lock()
        self.data = data
        condition.broadcast()
        condition.unlock()
    }

    /// What the server wrote to standard error, once it closed it.
    func wait() -> String {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return String(decoding: data!, as: UTF8.self)
    }
}

public struct RunningServerError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
