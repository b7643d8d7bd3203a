// libFuzzer target: how `--set name=value` (and examples) type a value by its form.
// Compiled together with the expression and calendar sources as one module by
// scripts/fuzz (swiftc -sanitize=fuzzer); not part of the Swift package.
//
// Invariants, each a precondition (a failure is a crash libFuzzer reports):
// - any text is typed without crashing;
// - a value typed as a date, a number or yes/no prints as text that is typed back to
//   the same value (what `show` prints, `--set` takes again);
// - text stays the text it was given.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSetValue(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let value = ExpressionValue(inferringFrom: text)
    switch value {
    case .text(let kept):
        precondition(kept == text, "text '\(text)' was changed to '\(kept)'")
    case .date, .number, .bool:
        let again = ExpressionValue(inferringFrom: value.description)
        precondition(again == value, "'\(text)' was typed as \(value), which prints as '\(value.description)' and reads back as \(again)")
    default:
        break
    }
    return 0
}
