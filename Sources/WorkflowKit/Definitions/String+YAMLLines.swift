extension String {
    /// The lines of a process file as libyaml counts them, and so as every diagnostic
    /// numbers them: each ended by `\n`, `\r\n`, `\r`, NEL (U+0085), LS (U+2028) or
    /// PS (U+2029). Splitting on `"\n"` alone would keep a CRLF file as one line (in Swift,
    /// `"\r\n"` is one `Character`, not `"\n"`) and miss a lone `\r`.
    var yamlLines: [Substring] {
        var lines: [Substring] = []
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var index = start
        while index < scalars.endIndex {
            let scalar = scalars[index]
            switch scalar {
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(Substring(scalars[start..<index]))
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            default:
                index = scalars.index(after: index)
            }
        }
        lines.append(Substring(scalars[start..<scalars.endIndex]))
        return lines
    }
}
