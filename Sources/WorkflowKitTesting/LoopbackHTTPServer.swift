public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A small real HTTP/1.1 server on 127.0.0.1 for tests of webhook delivery: it records
/// every request and answers with the status its `respond` closure chooses.
public final class LoopbackHTTPServer: Sendable {
    /// One request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: Data
    }

    /// An answer: its status and headers, and whether the server then stalls instead of
    /// sending the body it announced (a server that holds a client).
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var stallsBody: Bool
        /// Sent after the head (unless the body stalls).
        public var body: Data

        public init(status: Int, headers: [String: String] = [:], stallsBody: Bool = false, body: Data = Data()) {
            self.status = status
            self.headers = headers
            self.stallsBody = stallsBody
            self.body = body
        }
    }

    /// The port the server listens on.
    public let port: Int
    private let socket: Int32
    private let requests = Mutex<[Request]>([])
    private let respond: @Sendable (Int, Request) -> Response

    /// Starts listening on an ephemeral port.
    ///
    /// - Parameter respond: Given the request's number (from 1) and the request, the status to answer.
    public convenience init(respond: @escaping @Sendable (Int, Request) -> Int = { _, _ in 200 }) throws {
        try self.init(responding: { number, request in Response(status: respond(number, request)) })
    }

    /// Starts listening on an ephemeral port, answering with whole responses.
    ///
    /// - Parameter responding: Given the request's number (from 1) and the request, the answer.
    public init(responding respond: @escaping @Sendable (Int, Request) -> Response) throws {
        self.respond = respond
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw ServerError("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = descriptor
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The URL of `path` on this server.
    public func url(_ path: String = "/reminders") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request received so far.
    public var received: [Request] { requests.withLock { $0 } }

    /// Stops accepting connections.
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(socket, nil, nil)
            if connection < 0 { return }
            handle(connection)
        }
    }

    private func handle(_ connection: Int32) {
        defer { close(connection) }
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { return }
            buffer.append(contentsOf: chunk[0..<count])
            headerEnd = buffer.range(of: Data("\r\n\r\n".utf8))
        }
        let head = String(decoding: buffer[..<headerEnd!.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Data(buffer[headerEnd!.upperBound...])
        while body.count < length {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { break }
            body.append(contentsOf: chunk[0..<count])
        }
        let request = Request(
            method: requestLine.first.map(String.init) ?? "", path: requestLine.count > 1 ? String(requestLine[1]) : "",
            headers: headers, body: body)
        let number = requests.withLock { requests -> Int in
            requests.append(request)
            return requests.count
        }
        let answer = respond(number, request)
        let status = answer.status
        var answerHead = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Failure")\r\n"
        for (name, value) in answer.headers.sorted(by: { $0.key < $1.key }) { answerHead += "\(name): \(value)\r\n" }
        answerHead += "Content-Length: \(answer.stallsBody ? 100 : answer.body.count)\r\nConnection: close\r\n\r\n"
        _ = answerHead.withCString { write(connection, $0, strlen($0)) }
        if !answer.stallsBody && !answer.body.isEmpty {
            _ = answer.body.withUnsafeBytes { write(connection, $0.baseAddress!, $0.count) }
        }
        if answer.stallsBody {
            // Holds the connection with the body unsent until the client gives up.
            _ = read(connection, &chunk, chunk.count)
        }
    }

    struct ServerError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
