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
    static let columnGap = 72
    static let rowGap = 30
    static let margin = 16

    /// Columns of state ids: breadth-first from the initial state; states it never
    /// reaches come last.
    func columns() -> [[String]] {
        var layer: [String: Int] = [:]
        var queue: [String] = []
        if let initial = definition.initialState?.id ?? definition.states.first?.id {
            layer[initial] = 0
            queue.append(initial)
        }
        var index = 0
        while index < queue.count {
            let id = queue[index]
            index += 1
            for transition in definition.state(id)?.transitions ?? [] where layer[transition.to] == nil && definition.state(transition.to) != nil {
                layer[transition.to] = layer[id]! + 1
                queue.append(transition.to)
            }
            if let fastTrack = definition.fastTrack, id == queue.first, layer[fastTrack.state] == nil, definition.state(fastTrack.state) != nil {
                layer[fastTrack.state] = 1
                queue.append(fastTrack.state)
            }
        }
        let deepest = (layer.values.max() ?? -1) + 1
        for state in definition.states where layer[state.id] == nil { layer[state.id] = deepest }
        var result: [[String]] = Array(repeating: [], count: (layer.values.max() ?? -1) + 1)
        for state in definition.states { result[layer[state.id]!].append(state.id) }
        return result.filter { !$0.isEmpty }
    }

    func svg(current: String? = nil) -> HTML {
        let columns = columns()
        var position: [String: (x: Int, y: Int)] = [:]
        for (column, ids) in columns.enumerated() {
            for (row, id) in ids.enumerated() {
                position[id] = (Self.margin + column * (Self.boxWidth + Self.columnGap), Self.margin + 18 + row * (Self.boxHeight + Self.rowGap))
            }
        }
        let width = Self.margin * 2 + max(1, columns.count) * (Self.boxWidth + Self.columnGap) - Self.columnGap
        let height = Self.margin * 2 + 36 + max(1, columns.map(\.count).max() ?? 1) * (Self.boxHeight + Self.rowGap)
        var edges: [HTML] = []
        var descriptions: [String] = []
        var loops = 0
        for state in definition.states {
            guard let from = position[state.id] else { continue }
            for transition in state.transitions {
                guard let to = position[transition.to] else { continue }
                let event = definition.events.first { $0.id == transition.event }?.title ?? transition.event
                descriptions.append("\(title(state.id)) → \(title(transition.to)): \(event)")
                let path: String
                let label: (x: Int, y: Int)
                if to.x > from.x {
                    let x1 = from.x + Self.boxWidth
                    let y1 = from.y + Self.boxHeight / 2
                    let x2 = to.x
                    let y2 = to.y + Self.boxHeight / 2
                    let middle = (x1 + x2) / 2
                    path = "M\(x1),\(y1) C\(middle),\(y1) \(middle),\(y2) \(x2 - 2),\(y2)"
                    label = (middle, (y1 + y2) / 2 - 4)
                } else {
                    // Backwards or within a column: an arc over the top.
                    loops += 1
                    let x1 = from.x + Self.boxWidth / 2
                    let x2 = to.x + Self.boxWidth / 2 + (to.x == from.x ? 24 : 0)
                    let top = min(from.y, to.y) - 10 - (loops % 3) * 6
                    path = "M\(x1),\(from.y) C\(x1),\(top - 24) \(x2),\(top - 24) \(x2),\(to.y - 2)"
                    label = ((x1 + x2) / 2, top - 14)
                }
                edges.append(
                    """
                    <g class="edge"><path d="\(path)" marker-end="url(#arrow)"/><text x="\(label.x)" y="\(label.y)" text-anchor="middle">\(Self.shorten(event, 26))</text></g>
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
            let mark = state.id == current ? "▶ " : ""
            return """
                <g class="\(classes.joined(separator: " "))"><title>\(name)</title><rect x="\(at.x)" y="\(at.y)" width="\(Self.boxWidth)" height="\(Self.boxHeight)" rx="8"/><text x="\(at.x + Self.boxWidth / 2)" y="\(at.y + Self.boxHeight / 2 + 5)" text-anchor="middle">\(mark + Self.shorten(name, 22))</text></g>
                """
        }
        let order = columns.flatMap { $0 }.map(title).joined(separator: ", ")
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

    private func title(_ state: String) -> String { definition.state(state)?.localizedTitle(language) ?? state }

    static func shorten(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
