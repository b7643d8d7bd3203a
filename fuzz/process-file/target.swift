// libFuzzer target: the process-file loader and validator, as `aso-engine validate`
// runs them (ProcessLoader: YAML budget, parse, extends, read, validate, examples).
// Compiled by scripts/fuzz (swiftc -sanitize=fuzzer) together with the WorkflowKit
// sources it needs as one module, and Yams (with libyaml) built as a module of its own;
// not part of the Swift package.
//
// Invariants, each checked with fatalError, whose message an -O build still prints
// (a failure is a crash libFuzzer reports):
// - any bytes, read as UTF-8 text, load without crashing, and in bounded time and
//   memory (libFuzzer's -timeout and -rss_limit_mb);
// - every diagnostic names the file and a place inside the text: line from 1 to the
//   number of lines, column from 1 to that line's length + 1 (in Unicode scalars;
//   lines ended as libyaml ends them: \n, \r\n, \r, NEL, LS or PS);
// - a text with errors yields no process, and a process is given only for a text
//   without errors.
import Foundation

private let file = "fuzz.yaml"

/// The length in Unicode scalars of each line of `text`.
private func lineLengths(_ text: String) -> [Int] {
    var lengths = [0]
    var previous: Unicode.Scalar?
    for scalar in text.unicodeScalars {
        if scalar == "\n" {
            if previous != "\r" { lengths.append(0) }
        } else if scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}" {
            lengths.append(0)
        } else {
            lengths[lengths.count - 1] += 1
        }
        previous = scalar
    }
    return lengths
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcessFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let library = ProcessLoader().load(sources: [.init(file: file, text: text)])
    let lengths = lineLengths(text)
    for diagnostic in library.diagnostics {
        check(diagnostic.file == file, "a diagnostic names the file '\(diagnostic.file)': \(diagnostic)")
        check(
            diagnostic.line >= 1 && diagnostic.line <= lengths.count,
            "line \(diagnostic.line) outside a text of \(lengths.count) lines: \(diagnostic)")
        check(
            diagnostic.column >= 1 && diagnostic.column <= lengths[diagnostic.line - 1] + 1,
            "column \(diagnostic.column) outside line \(diagnostic.line) of \(lengths[diagnostic.line - 1]) characters: \(diagnostic)")
    }
    check(library.isValid || library.processes.isEmpty, "a process was loaded from a text with errors")
    return 0
}
