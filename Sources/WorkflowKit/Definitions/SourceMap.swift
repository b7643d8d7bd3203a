/// Where each part of a resolved definition was written, by a dotted path such
/// as `states.mapping.tasks.map-housing.role`. Kept beside the definition (not
/// inside it) so that positions never reach the content hash.
public struct SourceMap: Sendable {
    var values: [String: SourceNode] = [:]
    var keys: [String: FileLocation] = [:]
    /// The file the process itself was loaded from.
    public internal(set) var file: String

    init(file: String) { self.file = file }

    /// Where the value at `path` was written.
    public func location(of path: String) -> FileLocation? { values[path]?.location }

    /// Where the key at `path` was written (falls back to the value).
    public func keyLocation(of path: String) -> FileLocation? { keys[path] ?? values[path]?.location }

    /// Where character `offset` of the expression at `path` was written.
    func location(of path: String, offset: Int) -> FileLocation? { values[path]?.location(ofOffset: offset) }

    /// The best location for `path`: its key, or the nearest enclosing path's.
    func nearest(_ path: String) -> FileLocation {
        var current = path
        while true {
            if let location = keyLocation(of: current) { return location }
            guard let dot = current.lastIndex(of: ".") else { break }
            current = String(current[..<dot])
        }
        return keys[""] ?? FileLocation(file: file, line: 1, column: 1)
    }
}
