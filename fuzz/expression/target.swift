// libFuzzer target: the expression language's parser, type checker and evaluator.
// Compiled together with the expression and calendar sources as one module by
// scripts/fuzz (swiftc -sanitize=fuzzer); not part of the Swift package.
//
// Invariants, each a precondition (a failure is a crash libFuzzer reports):
// - parsing any text either succeeds or throws an error whose offset is inside the text;
// - the canonical text of a parsed expression parses again to the same canonical text;
// - type checking reports errors at offsets inside the text;
// - evaluating in a context with every kind of value never crashes.
import Foundation

private let environment = ExpressionEnvironment(
    fields: ["releaseDate": .date, "n": .number, "flag": .bool, "name": .text, "parties": ExpressionType?.none],
    events: ["met", "done"], parties: ["prison", "kela"])

private let context = EvaluationContext(
    fields: [
        "releaseDate": .date(LocalDate(year: 2026, month: 12, day: 23)!), "n": .number(3), "flag": .bool(true),
        "name": .text("x"),
    ],
    openedOn: LocalDate(year: 2026, month: 6, day: 1), today: LocalDate(year: 2026, month: 7, day: 1),
    eventDates: ["met": LocalDate(year: 2026, month: 6, day: 15)!], consent: .init(parties: ["prison"]),
    calendar: FinnishCalendar())

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let length = text.unicodeScalars.count
    let expression: ProcessExpression
    do {
        expression = try ProcessExpression(parsing: text)
    } catch {
        precondition(error.offset >= 0 && error.offset <= length, "error offset \(error.offset) outside a text of \(length)")
        return 0
    }
    do {
        let again = try ProcessExpression(parsing: expression.text)
        precondition(again.text == expression.text, "canonical text is not stable: '\(expression.text)' → '\(again.text)'")
    } catch {
        preconditionFailure("the canonical text '\(expression.text)' does not parse: \(error)")
    }
    let (_, errors) = expression.check(in: environment)
    for error in errors {
        precondition(error.offset >= 0 && error.offset <= length, "type error offset \(error.offset) outside a text of \(length)")
    }
    _ = expression.evaluate(in: context)
    return 0
}
