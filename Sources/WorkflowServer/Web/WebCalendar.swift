import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Processes
import WorkflowKit

/// Calendar feeds: each person's open tasks as all-day events in the calendar they
/// already read, at a secret address that they can replace (which revokes the old one).
///
/// The address holds a token of scope ``APIToken/calendarScope``: it reads this feed
/// and signs in nowhere else. An event's `UID` is stable per task occurrence, its
/// `SEQUENCE` counts how often the task's due date moved (calendars then update it), and
/// its summary holds the task's title and the case id only: feeds end up in cloud
/// calendars, so no name, date of birth or other personal value goes into one.
extension APIServer {
    func addCalendarPages(to router: Router<APIContext>) {
        router.get("/calendar") { request, _ in
            try await web(request) { web in try await calendarPage(web, address: nil) }
        }
        router.post("/calendar/address") { request, _ in
            try await web(request) { web in
                let actor = web.guardian.actor
                let registry = try await database.apiTokens()
                for token in registry.tokens.values where token.actor == actor.id && token.scope == APIToken.calendarScope && token.revokedAt == nil {
                    try await database.revokeToken(token.id, reason: "replaced by a new calendar address", by: actor)
                }
                let issued = try await database.issueToken(
                    actor: actor.id, label: "calendar feed", validFor: Self.calendarValidity, now: now(), by: actor, scope: APIToken.calendarScope)
                return try await calendarPage(web, address: "/calendar/\(issued.text).ics")
            }
        }
        router.get("/calendar/:file") { request, context in
            let file = try context.pathParameter("file")
            guard file.hasSuffix(".ics") else { throw Problem.notFound("There is no such calendar.") }
            let text = String(file.dropLast(4))
            let (registry, directory, overrides) = try await access.current()
            let time = now()
            guard let token = registry.signIn(text, at: time), token.scope == APIToken.calendarScope else {
                throw Problem.notFound("There is no such calendar: its address was replaced or never existed.")
            }
            let guardian = AccessGuard(
                database: database, policy: AccessPolicy(directory: directory, overrides: overrides, now: time), actor: Acting(token.actor))
            if guardian.policy.directory.isEnforced && guardian.principal == nil { throw Problem.notFound("There is no such calendar.") }
            let text2 = try await calendarFeed(for: guardian, now: time)
            return Response(
                status: .ok,
                headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("Referrer-Policy")!: "no-referrer"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text2)))
        }
    }

    /// A calendar address works for two years, then the person replaces it.
    static let calendarValidity: Int64 = 730 * 86_400

    func calendarPage(_ web: WebRequest, address: String?) async throws -> Response {
        let strings = web.strings
        let registry = try await database.apiTokens()
        let current = registry.tokens.values.filter { $0.actor == web.guardian.actor.id && $0.scope == APIToken.calendarScope && $0.isValid(at: now()) }
            .max { $0.issuedAt < $1.issuedAt }
        let shown: HTML
        if let address {
            shown = """
                <div class="notice notice-success" role="status"><p>\(strings["calendar.new"])</p>
                <p><label for="address">\(strings["calendar.address"])</label><br><input id="address" class="wide-input" type="text" readonly value="\(address)"></p>
                <p class="hint">\(strings["calendar.addressHint"])</p></div>
                """
        } else if let current {
            shown = "<p>\(strings.format("calendar.exists", Self.localTime(current.issuedAt, strings)))</p>"
        } else {
            shown = "<p>\(strings["calendar.noneYet"])</p>"
        }
        let body: HTML = """
            <p>\(strings["calendar.intro"])</p>
            \(shown)
            <form method="post" action="/calendar/address">\(web.csrfField)
            <button type="submit" class="button">\(current == nil && address == nil ? strings["calendar.create"] : strings["calendar.replace"])</button></form>
            <p class="hint">\(strings["calendar.privacy"])</p>
            """
        return Self.htmlResponse(page(web, title: strings["calendar.title"], body: body))
    }

    /// The iCalendar text of `guardian`'s open tasks (RFC 5545).
    func calendarFeed(for guardian: AccessGuard, now time: Int64) async throws -> String {
        let tasks = try await visibleTasks(try await database.tasks(TaskQuery()), guardian: guardian, mine: true)
        // How often each task occurrence's due date moved: its SEQUENCE.
        var moves: [String: Int] = [:]
        for caseID in Set(tasks.map(\.caseID)) {
            for try await event in database.eventLog.read(stream: caseID) where event.type == "TaskRescheduled" {
                guard case .taskRescheduled(let moved)? = try? CaseEvent(event), moved.due != moved.previousDue else { continue }
                moves["\(caseID.rawValue)/\(moved.task)", default: 0] += 1
            }
        }
        let stamp = ICalendar.timestamp(time)
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//aso-engine//calendar feed//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "X-WR-CALNAME:aso-engine", "X-PUBLISHED-TTL:PT1H",
        ]
        for task in tasks {
            guard let due = task.due else { continue }
            let title = catalog.process(id: task.process)?.definition.task(task.task)?.task.title ?? task.task
            lines += [
                "BEGIN:VEVENT",
                "UID:\(ICalendar.escape("\(task.caseID.rawValue).\(task.task).\(task.occurrence)"))@aso-engine",
                "DTSTAMP:\(stamp)",
                "DTSTART;VALUE=DATE:\(ICalendar.date(due))",
                "DTEND;VALUE=DATE:\(ICalendar.date(due.adding(days: 1)))",
                "SEQUENCE:\(moves["\(task.caseID.rawValue)/\(task.task)"] ?? 0)",
                "SUMMARY:\(ICalendar.escape("\(title) – \(task.caseID.rawValue)"))",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(ICalendar.fold).joined(separator: "\r\n") + "\r\n"
    }
}

/// The pieces of RFC 5545 the feed needs.
enum ICalendar {
    static func date(_ date: LocalDate) -> String { date.description.replacingOccurrences(of: "-", with: "") }

    static func timestamp(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// Text with `\`, `;`, `,` and line breaks escaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A content line folded at 75 octets, never inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var result = ""
        var count = 0
        for character in line {
            let size = String(character).utf8.count
            if count + size > 75 {
                result += "\r\n "
                count = 1
            }
            result.append(character)
            count += size
        }
        return result
    }
}
