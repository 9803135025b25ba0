/// The style sheet of every HTML report, inline in the file: system fonts only, the
/// Okabe–Ito series colours (``Palette``) as CSS variables, and a dark variant chosen by the
/// browser's `prefers-color-scheme`.
enum ReportStyle {
    static var css: String {
        func variables(_ colours: [String]) -> String {
            colours.enumerated().map { "--c\($0.offset):\($0.element);" }.joined()
        }
        let seriesRules = (0..<Palette.okabeIto.count).map { index in
            ".s\(index){stroke:var(--c\(index));fill:var(--c\(index));color:var(--c\(index))}"
        }.joined()
        return """
            :root{\(variables(Palette.okabeIto))--bg:#ffffff;--fg:#1a1a1a;--muted:#555;--grid:#e3e3e3;--panel:#f6f6f6;--note:#fff6d6;--flag:#ffd9cc;--ref:#444}
            @media (prefers-color-scheme: dark){:root{\(variables(Palette.okabeItoDark))--bg:#16181c;--fg:#e8e8e8;--muted:#aaa;--grid:#33363c;--panel:#202329;--note:#3a3320;--flag:#5a2a1c;--ref:#ccc}}
            body{background:var(--bg);color:var(--fg);font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1320px;padding:16px 24px;line-height:1.45}
            h1{font-size:1.5em;margin:0.2em 0}h2{font-size:1.2em;border-bottom:1px solid var(--grid);padding-bottom:4px;margin-top:1.6em}
            .subtitle{color:var(--muted);margin:0 0 0.5em 0;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
            nav a{color:var(--c0);text-decoration:none}nav{font-size:0.9em}
            pre{background:var(--panel);padding:10px 12px;overflow-x:auto;font-size:12.5px;line-height:1.3;border-radius:4px}
            .note{background:var(--note);padding:8px 12px;border-radius:4px}
            .charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;max-width:100%}
            figcaption{font-size:0.82em;color:var(--muted);max-width:640px}
            svg.chart{max-width:100%;height:auto;background:var(--bg)}
            \(seriesRules)
            svg text{fill:var(--fg);font-size:12px;font-family:inherit}svg .title{font-weight:600;font-size:13px}
            svg .tick{font-size:10.5px;fill:var(--muted)}svg .warn{fill:var(--c3)}
            svg .halo{paint-order:stroke;stroke:var(--bg);stroke-width:3px;fill:var(--fg)}
            svg .grid{stroke:var(--grid);stroke-width:1}svg .axis{stroke:var(--muted);stroke-width:1}
            svg .ref{stroke:var(--ref);stroke-width:1.2;stroke-dasharray:5 4}svg .mark{stroke:var(--c3);stroke-width:1.4;stroke-dasharray:3 3}
            svg .band{fill:var(--grid);opacity:0.7}svg .panel{fill:var(--panel);stroke:none}
            svg .line{fill:none;stroke-width:1.3}svg .area{stroke:none;fill-opacity:0.18}
            svg .pt{stroke:none;fill-opacity:0.85}svg .faint{fill-opacity:0.35}svg .bar{stroke-width:2}
            svg .hist{stroke:none;fill-opacity:0.8}svg .swatch{stroke:none}
            svg .legend{fill:var(--bg);fill-opacity:0.85;stroke:var(--grid)}
            svg .divergent{fill:#D55E00;fill-opacity:0.95}svg .marker{fill:#ffffff;stroke:#000000;stroke-width:1.5}
            svg .cell{stroke:none}
            table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:3px 10px;text-align:right;border-bottom:1px solid var(--grid)}
            th:first-child,td:first-child{text-align:left;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
            td.flag{background:var(--flag);font-weight:600}
            footer{margin-top:2em;color:var(--muted);font-size:0.85em}
            """
    }
}
