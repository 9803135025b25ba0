/// An SVG document under construction: elements appended in drawing order, every coordinate
/// checked to be finite (an element with a NaN or an infinity is dropped and counted in
/// ``droppedElements``, so no non-finite number ever reaches the file) and every text escaped.
///
/// Colours come from CSS classes (``ReportStyle``): `s0`…`s7` for series, `axis`, `grid`,
/// `label`, `ref` (a reference line), `band` (a shaded region), so the charts follow the page's
/// light or dark scheme.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var body = ""
    /// Elements not drawn because a coordinate was not finite.
    private(set) var droppedElements = 0

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        body.reserveCapacity(4096)
    }

    private static func finite(_ values: Double...) -> Bool { values.allSatisfy(\.isFinite) }

    private static func attributes(_ cssClass: String?, _ extra: String?) -> String {
        var text = ""
        if let cssClass { text += " class=\"\(XMLEscape.escape(cssClass))\"" }
        if let extra { text += " " + extra }
        return text
    }

    /// Closes an element, with a `<title>` child (the browser's tooltip) when `title` is given.
    private mutating func close(_ name: String, title: String?) {
        if let title {
            body += "><title>\(XMLEscape.escape(title))</title></\(name)>"
        } else {
            body += "/>"
        }
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class cssClass: String? = nil, title: String? = nil) {
        guard Self.finite(x1, y1, x2, y2) else { droppedElements += 1; return }
        body += "<line x1=\"\(SVGNumber.text(x1))\" y1=\"\(SVGNumber.text(y1))\" x2=\"\(SVGNumber.text(x2))\" y2=\"\(SVGNumber.text(y2))\"\(Self.attributes(cssClass, nil))"
        close("line", title: title)
    }

    /// A rectangle; negative sizes are normalized.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, class cssClass: String? = nil, fill: String? = nil, title: String? = nil) {
        guard Self.finite(x, y, width, height) else { droppedElements += 1; return }
        let left = min(x, x + width), top = min(y, y + height)
        let style = fill.map { "fill=\"\(XMLEscape.escape($0))\"" }
        body += "<rect x=\"\(SVGNumber.text(left))\" y=\"\(SVGNumber.text(top))\" width=\"\(SVGNumber.text(abs(width)))\" height=\"\(SVGNumber.text(abs(height)))\"\(Self.attributes(cssClass, style))"
        close("rect", title: title)
    }

    mutating func circle(_ cx: Double, _ cy: Double, radius: Double, class cssClass: String? = nil, title: String? = nil) {
        guard Self.finite(cx, cy, radius) else { droppedElements += 1; return }
        body += "<circle cx=\"\(SVGNumber.text(cx))\" cy=\"\(SVGNumber.text(cy))\" r=\"\(SVGNumber.text(radius))\"\(Self.attributes(cssClass, nil))"
        close("circle", title: title)
    }

    /// An open polyline (`closed`: a polygon) through the finite points; a non-finite point
    /// is skipped and counted.
    mutating func polyline(_ points: [(x: Double, y: Double)], closed: Bool = false, class cssClass: String? = nil, title: String? = nil) {
        var text = ""
        text.reserveCapacity(points.count * 12)
        var drawn = 0
        for point in points {
            guard Self.finite(point.x, point.y) else { droppedElements += 1; continue }
            if drawn > 0 { text += " " }
            text += SVGNumber.text(point.x) + "," + SVGNumber.text(point.y)
            drawn += 1
        }
        guard drawn >= 2 else { return }
        let name = closed ? "polygon" : "polyline"
        body += "<\(name) points=\"\(text)\"\(Self.attributes(cssClass, nil))"
        close(name, title: title)
    }

    /// Text at (x, y); `anchor` is start, middle or end; `rotate` turns it about its anchor.
    mutating func text(_ string: String, x: Double, y: Double, anchor: String = "start", rotate: Double? = nil, class cssClass: String? = "label") {
        guard Self.finite(x, y) else { droppedElements += 1; return }
        var extra = "text-anchor=\"\(anchor)\""
        if let rotate, rotate.isFinite { extra += " transform=\"rotate(\(SVGNumber.text(rotate)) \(SVGNumber.text(x)) \(SVGNumber.text(y)))\"" }
        body += "<text x=\"\(SVGNumber.text(x))\" y=\"\(SVGNumber.text(y))\"\(Self.attributes(cssClass, extra))>\(XMLEscape.escape(string))</text>"
    }

    /// Opens a group (`<g>`); close it with ``endGroup()``.
    mutating func beginGroup(class cssClass: String? = nil, translateX: Double = 0, translateY: Double = 0) {
        let shift = (translateX != 0 || translateY != 0) && Self.finite(translateX, translateY)
            ? "transform=\"translate(\(SVGNumber.text(translateX)),\(SVGNumber.text(translateY)))\"" : nil
        body += "<g\(Self.attributes(cssClass, shift))>"
    }

    mutating func endGroup() { body += "</g>" }

    /// The whole `<svg>` element: `id`, the chart kind as a class (`chart KIND`), and an
    /// accessible title.
    func render(id: String, kind: String, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(XMLEscape.escape(id))\" class=\"chart \(XMLEscape.escape(kind))\" "
            + "viewBox=\"0 0 \(SVGNumber.text(width)) \(SVGNumber.text(height))\" width=\"\(SVGNumber.text(width))\" height=\"\(SVGNumber.text(height))\" "
            + "role=\"img\" aria-label=\"\(XMLEscape.escape(title))\"><title>\(XMLEscape.escape(title))</title>\(body)</svg>"
    }
}
