import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// The shipped files, mutated line by line and character by character (with the
/// regional file extending the generic one), never crash the loader: they only
/// produce diagnostics. Seeded, so every run is the same.
@Suite struct ProcessFileFuzzTests {
    static func read(_ name: String) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: ProcessCatalogTests.directory).appendingPathComponent(name), encoding: .utf8)
    }

    static func mutate(_ text: String, _ rng: inout SeededRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !lines.isEmpty {
            let index = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: lines.remove(at: index)
            case 1: lines.insert(lines[index], at: index)
            case 2:
                var chars = Array(lines[index])
                if chars.count > 1 {
                    let i = Int.random(in: 0..<chars.count - 1, using: &rng)
                    chars.swapAt(i, i + 1)
                }
                lines[index] = String(chars)
            default:
                lines[index] = String(lines[index].prefix(Int.random(in: 0...max(lines[index].count, 1), using: &rng)))
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func mutatedShippedFilesOnlyGiveDiagnostics() throws {
        let generic = try Self.read("vat-generic.yaml")
        let turku = try Self.read("vat-turku.yaml")
        var rng = SeededRandom(seed: 150_1930)
        var invalid = 0
        for round in 0..<150 {
            let sources: [ProcessLoader.Source] = [
                .init(file: "vat-generic.yaml", text: round.isMultiple(of: 2) ? Self.mutate(generic, &rng) : generic),
                .init(file: "vat-turku.yaml", text: Self.mutate(turku, &rng)),
            ]
            let library = ProcessLoader().load(sources: sources)
            #expect(library.diagnostics.count < 400)
            if !library.isValid { invalid += 1 }
        }
        #expect(invalid > 20)
    }
}
