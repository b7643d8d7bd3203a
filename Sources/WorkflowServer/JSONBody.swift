import Foundation
import Hummingbird
import NIOCore
import WorkflowKit

/// A request's JSON object, read field by field: a missing or mistyped field is a
/// `400`/`422` problem naming the field, never a crash.
struct JSONBody: @unchecked Sendable {  // immutable after reading
    let object: [String: Any]
    /// The body's bytes, for the idempotency fingerprint.
    let data: Data

    /// Reads the body (at most ``APIServer/maximumBodySize`` bytes) as a JSON object;
    /// an empty body is an empty object.
    static func read(_ request: Request, context: APIContext) async throws -> JSONBody {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return JSONBody(object: [:], data: data) }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw Problem(.unsupportedMediaType, "unsupported-media-type", title: "Send JSON", detail: "The body must be 'application/json', not '\(type)'.", field: "Content-Type")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Problem.badRequest("The body is not valid JSON (\(Self.describe(error))).", field: "body")
        }
        guard let object = parsed as? [String: Any] else {
            throw Problem.badRequest("The body must be a JSON object ({…}).", field: "body")
        }
        return JSONBody(object: object, data: data)
    }

    /// Only what JSONSerialization says of where the JSON broke, never the body's text.
    private static func describe(_ error: any Error) -> String {
        let description = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "unreadable"
        return description.count > 120 ? String(description.prefix(120)) + "…" : description
    }

    /// Refuses members other than `known`, naming the first unknown one.
    func allowOnly(_ known: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            let hint = known.isEmpty ? "this request takes no members" : "known: \(known.sorted().joined(separator: ", "))"
            throw Problem.invalid("Unknown member '\(unknown)' in the body (\(hint)).", field: unknown)
        }
    }

    func text(_ name: String, required: Bool = true) throws -> String? {
        guard let value = object[name], !(value is NSNull) else {
            if required { throw Problem.invalid("The body needs '\(name)' (a string).", field: name) }
            return nil
        }
        guard let text = value as? String else { throw Problem.invalid("'\(name)' must be a string.", field: name) }
        if required && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw Problem.invalid("'\(name)' must not be empty.", field: name)
        }
        return text
    }

    func texts(_ name: String, required: Bool = true) throws -> [String] {
        guard let value = object[name], !(value is NSNull) else {
            if required { throw Problem.invalid("The body needs '\(name)' (an array of strings).", field: name) }
            return []
        }
        guard let array = value as? [Any] else { throw Problem.invalid("'\(name)' must be an array of strings.", field: name) }
        return try array.enumerated().map { index, element in
            guard let text = element as? String else { throw Problem.invalid("'\(name)[\(index)]' must be a string.", field: "\(name)[\(index)]") }
            return text
        }
    }

    /// Field values: strings typed by their form as on the command line (2026-12-23 is a
    /// date, "P3D" a duration…), JSON numbers and booleans as themselves.
    func values(_ name: String) throws -> [String: ExpressionValue] {
        guard let value = object[name], !(value is NSNull) else { return [:] }
        guard let members = value as? [String: Any] else { throw Problem.invalid("'\(name)' must be an object of field values.", field: name) }
        var values: [String: ExpressionValue] = [:]
        for (key, member) in members {
            let path = "\(name).\(key)"
            if let number = member as? NSNumber {
                // JSON true/false arrive as NSNumber too: tell them apart by their type.
                if String(cString: number.objCType) == "c" {
                    values[key] = .bool(number.boolValue)
                } else {
                    let double = number.doubleValue
                    guard double.isFinite else { throw Problem.invalid("'\(path)' must be a finite number.", field: path) }
                    values[key] = .number(double)
                }
            } else if let text = member as? String {
                values[key] = ExpressionValue(inferringFrom: text)
            } else {
                throw Problem.invalid("'\(path)' must be a string, a number or true/false.", field: path)
            }
        }
        return values
    }
}
