/// A table for an HTML report; a cell can be flagged (R̂ above 1.01, a low ESS), which the
/// page shows highlighted and with its reason as a tooltip.
public struct HTMLTable: Sendable {
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var text: String
        /// Why the cell is highlighted (nil: not highlighted).
        public var flag: String?

        public init(_ text: String, flag: String? = nil) {
            self.text = text
            self.flag = flag
        }

        public init(stringLiteral value: String) { self.init(value) }
    }

    public var id: String
    public var header: [String]
    public var rows: [[Cell]]

    public init(id: String, header: [String], rows: [[Cell]]) {
        self.id = id
        self.header = header
        self.rows = rows
    }

    /// The `<table>` element: the first column is left-aligned text, the others numbers.
    func html() -> String {
        var out = "<table id=\"\(XMLEscape.escape(id))\"><thead><tr>"
        for name in header { out += "<th>\(XMLEscape.escape(name))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for cell in row {
                if let flag = cell.flag {
                    out += "<td class=\"flag\" title=\"\(XMLEscape.escape(flag))\">\(XMLEscape.escape(cell.text))</td>"
                } else {
                    out += "<td>\(XMLEscape.escape(cell.text))</td>"
                }
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }
}
