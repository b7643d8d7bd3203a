import Foundation
import WorkflowKit

/// A process drawn as SVG on the server: states as boxes in columns by their distance
/// from the initial state, transitions as arrows labelled with their events. No script
/// and no layout tool is needed in the browser or on the server.
///
/// The drawing has a text alternative: its `<title>` names the states in order and a
/// `<desc>` lists every transition, so that a screen reader gets what the picture shows.
struct ProcessDiagram {
    let definition: ProcessDefinition
    let language: Language

    static let boxWidth = 168
    static let boxHeight = 46
    static let columnGap = 124
    static let rowGap = 30
    static let margin = 16

    /// Columns of the states that are not final: breadth-first from the initial state
    /// (and the fast track's state, which a case may also start in); states neither
    /// reaches come last. Final states are drawn in a row of their own below.
    func columns() -> [[String]] {
        var layer: [String: Int] = [:]
        var queue: [String] = []
        for start in [definition.initialState?.id ?? definition.states.first?.id, definition.fastTrack?.state].compactMap({ $0 })
        where layer[start] == nil && definition.state(start)?.final == false {
            layer[start] = 0
            queue.append(start)
        }
        var index = 0
        while index < queue.count {
            let id = queue[index]
            index += 1
            for transition in definition.state(id)?.transitions ?? [] where layer[transition.to] == nil {
                guard let target = definition.state(transition.to), !target.final else { continue }
                layer[transition.to] = layer[id]! + 1
                queue.append(transition.to)
            }
        }
        let deepest = (layer.values.max() ?? -1) + 1
        for state in definition.states where layer[state.id] == nil && !state.final { layer[state.id] = deepest }
        var result: [[String]] = Array(repeating: [], count: (layer.values.max() ?? -1) + 1)
        for state in definition.states where !state.final { result[layer[state.id]!].append(state.id) }
        return result.filter { !$0.isEmpty }
    }

    func svg(current: String? = nil) -> HTML {
        let columns = columns()
        let finals = definition.states.filter(\.final).map(\.id)
        let step = Self.boxWidth + Self.columnGap
        let rowStep = Self.boxHeight + Self.rowGap
        let top = Self.margin + 40
        var position: [String: (x: Int, y: Int)] = [:]
        for (column, ids) in columns.enumerated() {
            for (row, id) in ids.enumerated() {
                position[id] = (Self.margin + column * step, top + row * rowStep)
            }
        }
        let rows = max(1, columns.map(\.count).max() ?? 1)
        let finalRow = top + rows * rowStep + 30
        let width = max(Self.margin * 2 + max(1, columns.count) * step - Self.columnGap, Self.margin * 2 + finals.count * step - Self.columnGap)
        for (index, id) in finals.enumerated() {
            // Spread the final states under the columns, from the right.
            let slots = max(columns.count, finals.count)
            position[id] = (Self.margin + (slots - finals.count + index) * step, finalRow)
        }
        let height = finalRow + Self.boxHeight + (finals.isEmpty ? 0 : 34) + Self.margin
        var edges: [HTML] = []
        var descriptions: [String] = []
        var intoFinal: [String: [String]] = [:]
        var arcs = 0
        for state in definition.states {
            guard let from = position[state.id] else { continue }
            for transition in state.transitions {
                guard let to = position[transition.to], let target = definition.state(transition.to) else { continue }
                let event = definition.events.first { $0.id == transition.event }?.title ?? transition.event
                descriptions.append("\(title(state.id)) → \(title(transition.to)): \(event)")
                if target.final {
                    // Down into the row of final states; their events are written under them.
                    if !(intoFinal[target.id]?.contains(event) ?? false) { intoFinal[target.id, default: []].append(event) }
                    let x1 = from.x + Self.boxWidth / 2
                    let y1 = from.y + Self.boxHeight
                    let x2 = to.x + Self.boxWidth / 2
                    edges.append("<g class=\"edge edge-final\"><path d=\"M\(x1),\(y1) C\(x1),\(y1 + 40) \(x2),\(to.y - 40) \(x2),\(to.y - 2)\" marker-end=\"url(#arrow)\"/></g>")
                    continue
                }
                let path: String
                let label: (x: Int, y: Int)
                if to.x > from.x {
                    let x1 = from.x + Self.boxWidth
                    let y1 = from.y + Self.boxHeight / 2
                    let x2 = to.x
                    let y2 = to.y + Self.boxHeight / 2
                    let middle = (x1 + x2) / 2
                    path = "M\(x1),\(y1) C\(middle),\(y1) \(middle),\(y2) \(x2 - 2),\(y2)"
                    label = (middle, min(y1, y2) - 6)
                } else {
                    // Backwards, within a column or to itself: an arc over the top.
                    arcs += 1
                    let x1 = from.x + Self.boxWidth / 2 - 12
                    let x2 = to.x + Self.boxWidth / 2 + 12
                    let height = 26 + (arcs % 3) * 8
                    let y = min(from.y, to.y)
                    path = "M\(x1),\(from.y) C\(x1),\(y - height) \(x2),\(y - height) \(x2),\(to.y - 2)"
                    label = ((x1 + x2) / 2, y - height + 2)
                }
                edges.append(
                    """
                    <g class="edge"><path d="\(path)" marker-end="url(#arrow)"/><text x="\(label.x)" y="\(label.y)" text-anchor="middle">\(Self.shorten(event, 21))</text></g>
                    """)
            }
        }
        let boxes: [HTML] = definition.states.compactMap { state in
            guard let at = position[state.id] else { return nil }
            var classes = ["state"]
            if state.id == current { classes.append("current") }
            if state.final { classes.append("final") }
            if state.initial { classes.append("initial") }
            let name = title(state.id)
            let lines = Self.wrap((state.id == current ? "▶ " : "") + name, width: 24, lines: 2)
            let first = at.y + Self.boxHeight / 2 + (lines.count == 1 ? 5 : -2)
            let texts: [HTML] = lines.enumerated().map { index, line in
                "<text x=\"\(at.x + Self.boxWidth / 2)\" y=\"\(first + index * 14)\" text-anchor=\"middle\">\(line)</text>"
            }
            let events: [HTML] = (intoFinal[state.id] ?? []).prefix(2).enumerated().map { index, event in
                "<text class=\"final-events\" x=\"\(at.x + Self.boxWidth / 2)\" y=\"\(at.y + Self.boxHeight + 14 + index * 13)\" text-anchor=\"middle\">\(Self.shorten(event, 32))</text>"
            }
            return """
                <g class="\(classes.joined(separator: " "))"><title>\(name)</title><rect x="\(at.x)" y="\(at.y)" width="\(Self.boxWidth)" height="\(Self.boxHeight)" rx="8"/>\(texts)\(events)</g>
                """
        }
        let order = (columns.flatMap { $0 } + finals).map(title).joined(separator: ", ")
        let currentText = current.map { " (\(title($0)))" } ?? ""
        return """
            <svg class="process-diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-labelledby="diagram-title diagram-desc">
            <title id="diagram-title">\(definition.localizedTitle(language))\(currentText): \(order)</title>
            <desc id="diagram-desc">\(descriptions.joined(separator: "; "))</desc>
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
            \(edges)
            \(boxes)
            </svg>
            """
    }

    /// `text` in at most `lines` lines of about `width` characters, broken at spaces.
    static func wrap(_ text: String, width: Int, lines limit: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        guard lines.count > limit else { return lines.map { shorten($0, width + 2) } }
        var kept = Array(lines.prefix(limit))
        kept[limit - 1] = shorten(kept[limit - 1] + " …", width)
        if !kept[limit - 1].hasSuffix("…") { kept[limit - 1] += "…" }
        return kept.map { shorten($0, width + 2) }
    }

    private func title(_ state: String) -> String { definition.state(state)?.localizedTitle(language) ?? state }

    static func shorten(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
