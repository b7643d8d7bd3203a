import Foundation
import Testing

@testable import WorkflowKit

extension CalendarTests {
    /// Checks every day of 1991–2100 against an independent source: the PyPI
    /// package `holidays` (see the fixture's header and
    /// `scripts/generate-holiday-fixture.py`).
    @Suite struct FinnishHolidayFixtureTests {
        /// Days on which the source disagrees with the working-day rules of
        /// DOMAIN.md, which win, each with the reason.
        ///
        /// Empty: holidays 0.109 lists exactly the days of DOMAIN.md (Midsummer Eve
        /// and Christmas Eve included) for 1991–2100. A regenerated fixture that
        /// disagrees anywhere fails the test until the day is explained here; an
        /// entry that no longer differs fails too, so the list stays true.
        static let knownDifferences: [LocalDate: String] = [:]

        struct Row {
            let date: LocalDate
            let weekday: String
            let working: Bool
            /// The source's Finnish holiday names, lower-cased.
            let names: Set<String>
        }

        static func loadFixture() throws -> [Row] {
            let name = "finnish-holidays-1991-2100"
            let url = try #require(
                Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures")
                    ?? Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "csv"),
                "The fixture Fixtures/\(name).csv is missing from the test bundle."
            )
            let text = try String(contentsOf: url, encoding: .utf8)
            var rows: [Row] = []
            var sawHeader = false
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.isEmpty || line.hasPrefix("#") { continue }
                if !sawHeader {
                    #expect(line == "date,weekday,working,name")
                    sawHeader = true
                    continue
                }
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                let date = LocalDate(String(fields[0]))
                guard fields.count == 4, let date, fields[2] == "yes" || fields[2] == "no" else {
                    Issue.record("Fixture line \(index + 1) is malformed: \(line)")
                    continue
                }
                let names = fields[3].isEmpty ? [] : fields[3].split(separator: "; ").map { $0.lowercased() }
                rows.append(Row(date: date, weekday: String(fields[1]), working: fields[2] == "yes", names: Set(names)))
            }
            return rows
        }

        /// The Finnish names in parentheses in a closure's name, e.g.
        /// "May Day (vappu) and Ascension Day (helatorstai)" gives vappu and helatorstai.
        static func finnishNames(in closure: String?) -> Set<String> {
            guard let closure else { return [] }
            var names: Set<String> = []
            var rest = closure[...]
            while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
                names.insert(rest[rest.index(after: open)..<close].lowercased())
                rest = rest[rest.index(after: close)...]
            }
            return names
        }

        @Test func coversEveryDayOf1991To2100() throws {
            let rows = try Self.loadFixture()
            #expect(rows.first?.date == date("1991-01-01"))
            #expect(rows.last?.date == date("2100-12-31"))
            #expect(rows.count == date("1991-01-01").days(until: date("2100-12-31")) + 1)
            for (previous, next) in zip(rows, rows.dropFirst()) where previous.date.adding(days: 1) != next.date {
                Issue.record("The fixture skips from \(previous.date) to \(next.date).")
                return
            }
        }

        @Test func agreesOnEveryWorkingDayAndHolidayName() throws {
            let fi = FinnishCalendar()
            let abbreviations = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            var differing: Set<LocalDate> = []
            for row in try Self.loadFixture() {
                #expect(abbreviations[row.date.weekday.rawValue - 1] == row.weekday, "weekday of \(row.date)")
                let working = fi.isWorkingDay(row.date)
                let names = Self.finnishNames(in: fi.closure(on: row.date))
                guard working != row.working || names != row.names else { continue }
                differing.insert(row.date)
                if Self.knownDifferences[row.date] == nil {
                    Issue.record(
                        """
                        \(row.date): the calendar says \(working ? "working day" : "day off") \(names.sorted()), \
                        the source says \(row.working ? "working day" : "day off") \(row.names.sorted()).
                        """)
                }
            }
            for (day, reason) in Self.knownDifferences where !differing.contains(day) {
                Issue.record("\(day) is listed as a known difference (\(reason)) but the source now agrees.")
            }
        }
    }
}
