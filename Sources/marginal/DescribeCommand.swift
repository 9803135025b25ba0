import ArgumentParser
import Foundation
import Marginal

/// `marginal describe`: what a formula selects from a data file, without fitting anything.
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show the model a formula defines on a data file: n, the fixed-effect columns, the random-effect terms.",
        discussion: """
            Rows with a missing value in a column the formula uses are dropped first. \
            Example: marginal describe Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)'
            """)

    @OptionGroup var dataOptions: DataOptions

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let design = try dataOptions.design()
        try OutputDestination(path: nil).write(json ? try Self.json(design) : Self.text(design))
    }

    /// The JSON form: `nobs`, `p`, `fixedNames`, `terms` (`group`, `levels` = number of levels,
    /// `columns`, and `structure` for glmmTMB's structures), `q`, `droppedRows`, `warnings`
    /// (aliased columns dropped from X are named there).
    static func json(_ design: ModelDesign) throws -> String {
        struct Term: Encodable {
            var group: String
            var levels: Int
            var columns: [String]
            var structure: CovarianceStructureKind?
        }
        struct Summary: Encodable {
            var nobs: Int
            var p: Int
            var fixedNames: [String]
            var terms: [Term]
            var q: Int
            var droppedRows: Int
            var warnings: [String]
        }
        let summary = Summary(
            nobs: design.nobs,
            p: design.fixedEffects.p,
            fixedNames: design.fixedEffects.names,
            terms: design.randomEffects.map { Term(group: $0.group, levels: $0.levelCount, columns: $0.columnNames, structure: $0.structure) },
            q: design.q,
            droppedRows: design.droppedRows,
            warnings: design.warnings)
        return try JSONOutput.encode(summary)
    }

    /// The text form, one fact a line.
    static func text(_ design: ModelDesign) -> String {
        var lines: [String] = []
        lines.append("formula: \(design.formula)")
        let dropped = switch design.droppedRows {
        case 0: "no rows dropped for missing values"
        case 1: "1 row dropped for missing values"
        default: "\(design.droppedRows) rows dropped for missing values"
        }
        lines.append("n = \(design.nobs) observations (\(dropped))")
        let fixed = design.fixedEffects
        lines.append("p = \(fixed.p) fixed-effect column\(fixed.p == 1 ? "" : "s")\(fixed.p > 0 ? ": " : "")\(fixed.names.joined(separator: ", "))")
        if !fixed.aliased.isEmpty {
            lines.append("aliased (dropped): \(fixed.aliased.joined(separator: ", "))")
        }
        let count = design.randomEffects.count
        lines.append("q = \(design.q) random effects in \(count) term\(count == 1 ? "" : "s")\(count > 0 ? ":" : "")")
        if count > 0 {
            var table = [["group", "levels", "columns", "q"]]
            for term in design.randomEffects {
                let columns = term.columnNames.joined(separator: ", ")
                    + (term.structure.map { " (\($0.rawValue))" } ?? (term.correlated || term.dimension == 1 ? "" : " (uncorrelated)"))
                table.append([term.group, String(term.levelCount), columns, String(term.levelCount * term.dimension)])
            }
            let widths = (0..<4).map { column in table.map { $0[column].count }.max() ?? 0 }
            for row in table {
                let cells = row.enumerated().map { column, cell in
                    let padding = String(repeating: " ", count: widths[column] - cell.count)
                    // Names left-aligned, counts right-aligned.
                    return column == 1 || column == 3 ? padding + cell : cell + padding
                }
                lines.append("  " + cells.joined(separator: "  ").trimmingTrailingSpaces())
            }
        }
        for warning in design.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
