public import WorkflowKit

/// Logic for a process that its YAML file should not express — a Swift plug-in.
///
/// A plug-in says which processes it serves; commands and embedders look plug-ins up
/// in a ``PluginRegistry``. To add one: write a type conforming to this protocol (and
/// to the protocol of what it provides, e.g. ``AgendaPlugin``), register it in
/// ``PluginRegistry/builtIn`` or in your own registry, and test it with plain values —
/// plug-ins are pure, like the engine's decisions.
public protocol ProcessPlugin: Sendable {
    /// The plug-in's id, e.g. `meeting-agenda`.
    var id: String { get }
    /// Whether the plug-in serves cases of `definition`.
    func serves(_ definition: ProcessDefinition) -> Bool
}

/// The plug-ins an engine knows.
public struct PluginRegistry: Sendable {
    /// The plug-ins that ship with the project.
    public static let builtIn = PluginRegistry([MeetingAgendaPlugin()])

    public private(set) var plugins: [any ProcessPlugin]

    public init(_ plugins: [any ProcessPlugin]) {
        self.plugins = plugins
    }

    /// Adds a plug-in; a later one with the same id replaces the earlier.
    public mutating func register(_ plugin: any ProcessPlugin) {
        plugins.removeAll { $0.id == plugin.id }
        plugins.append(plugin)
    }

    /// The first agenda plug-in that serves `definition`.
    public func agendaPlugin(for definition: ProcessDefinition) -> (any AgendaPlugin)? {
        for plugin in plugins {
            if let agenda = plugin as? any AgendaPlugin, agenda.serves(definition) { return agenda }
        }
        return nil
    }
}
