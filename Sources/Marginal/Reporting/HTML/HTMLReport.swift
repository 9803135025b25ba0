/// A self-contained HTML report: a title, sections of paragraphs, printed text, tables and
/// charts (inline SVG), one style sheet inline (``ReportStyle``). It refers to nothing outside
/// the file (no script, font, image or network address), so it opens from disk in any browser.
public struct HTMLReport: Sendable {
    public enum Block: Sendable {
        case paragraph(String)
        /// Text as the terminal prints it (a summary), in a `<pre>`.
        case preformatted(String)
        /// A warning or note in words, shown in a box.
        case note(String)
        case table(HTMLTable)
        /// Charts laid out side by side where they fit.
        case charts([Chart])
    }

    public struct Section: Sendable {
        public var title: String
        public var blocks: [Block]

        public init(title: String, blocks: [Block]) {
            self.title = title
            self.blocks = blocks
        }
    }

    public var title: String
    /// One line under the title (the formula, the data).
    public var subtitle: String
    public var sections: [Section]

    public init(title: String, subtitle: String, sections: [Section] = []) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    /// Every chart of the report, in order.
    public var charts: [Chart] {
        sections.flatMap { section in
            section.blocks.flatMap { block -> [Chart] in
                if case .charts(let charts) = block { return charts }
                return []
            }
        }
    }

    /// The whole document.
    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<meta name=\"color-scheme\" content=\"light dark\">"
        out += "<title>\(XMLEscape.escape(title))</title><style>\(ReportStyle.css)</style></head><body>\n"
        out += "<header><h1>\(XMLEscape.escape(title))</h1><p class=\"subtitle\">\(XMLEscape.escape(subtitle))</p>"
        if sections.count > 1 {
            out += "<nav>" + sections.enumerated().map { index, section in
                "<a href=\"#section-\(index)\">\(XMLEscape.escape(section.title))</a>"
            }.joined(separator: " · ") + "</nav>"
        }
        out += "</header>\n"
        for (index, section) in sections.enumerated() {
            out += "<section id=\"section-\(index)\"><h2>\(XMLEscape.escape(section.title))</h2>\n"
            for block in section.blocks { out += Self.html(block) + "\n" }
            out += "</section>\n"
        }
        out += "<footer>Written by marginal. Hover over a point or a bar for its value.</footer></body></html>\n"
        return out
    }

    private static func html(_ block: Block) -> String {
        switch block {
        case .paragraph(let text): return "<p>\(XMLEscape.escape(text))</p>"
        case .preformatted(let text): return "<pre>\(XMLEscape.escape(text))</pre>"
        case .note(let text): return "<p class=\"note\">\(XMLEscape.escape(text))</p>"
        case .table(let table): return "<div class=\"table\">\(table.html())</div>"
        case .charts(let charts):
            return "<div class=\"charts\">" + charts.map { chart in
                "<figure>\(chart.svg)" + (chart.notes.isEmpty ? "" : "<figcaption>" + chart.notes.map(XMLEscape.escape).joined(separator: " ") + "</figcaption>") + "</figure>"
            }.joined() + "</div>"
        }
    }
}
