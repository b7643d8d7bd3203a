import Foundation
import Hummingbird
import WorkflowKit

/// A request's query parameters, read one by one: a malformed one is a `422` naming it.
struct ListQuery {
    let parameters: [String: String]

    init(_ request: Request) throws {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let key = String(key)
            guard parameters[key] == nil else { throw Problem.invalid("The query parameter '\(key)' is given twice.", field: key) }
            parameters[key] = String(value)
        }
        self.parameters = parameters
    }

    func text(_ name: String) throws -> String? {
        guard let value = parameters[name] else { return nil }
        guard !value.isEmpty else { throw Problem.invalid("The query parameter '\(name)' is empty.", field: name) }
        return value
    }

    func flag(_ name: String) throws -> Bool? {
        guard let value = parameters[name] else { return nil }
        switch value {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw Problem.invalid("The query parameter '\(name)' must be true or false.", field: name)
        }
    }

    func integer(_ name: String) throws -> Int? {
        guard let value = parameters[name] else { return nil }
        guard let integer = Int(value), integer >= 0 else {
            throw Problem.invalid("The query parameter '\(name)' must be a whole number, 0 or more.", field: name)
        }
        return integer
    }

    func date(_ name: String) throws -> LocalDate? {
        guard let value = parameters[name] else { return nil }
        guard let date = LocalDate(value) else {
            throw Problem.invalid("The query parameter '\(name)' must be a date (YYYY-MM-DD).", field: name)
        }
        return date
    }

    /// One page of `items` (sorted by `key`): at most `limit` (default 100, at most 500)
    /// after the `cursor`, and the cursor of the next page when there is one.
    func page<Item>(_ items: [Item], key: (Item) -> String) throws -> (items: [Item], next: String?) {
        let limit = try integer("limit") ?? 100
        guard (1...500).contains(limit) else { throw Problem.invalid("The query parameter 'limit' must be from 1 to 500.", field: "limit") }
        var rest = items[...]
        if let cursor = parameters["cursor"] {
            guard let data = Data(base64Encoded: Self.padded(cursor)), let after = String(data: data, encoding: .utf8) else {
                throw Problem.invalid("The query parameter 'cursor' is not a cursor this server gave.", field: "cursor")
            }
            rest = rest.drop { key($0) <= after }
        }
        let page = Array(rest.prefix(limit))
        guard rest.count > limit, let last = page.last else { return (page, nil) }
        let cursor = Data(key(last).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (page, cursor)
    }

    private static func padded(_ cursor: String) -> String {
        let base = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return base + String(repeating: "=", count: (4 - base.count % 4) % 4)
    }
}
