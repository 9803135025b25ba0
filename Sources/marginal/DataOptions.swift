import ArgumentParser
import Foundation
import Marginal

/// The options every modelling command shares: the data file, the formula, and how to read
/// the file's columns.
struct DataOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The data: a CSV file with a header row.", valueName: "DATA.csv"))
    var data: String

    @Option(name: [.short, .long],
            help: "The model formula in lme4 notation, e.g. 'Reaction ~ Days + (Days | Subject)'.")
    var formula: String

    @Option(name: .customLong("factor"),
            help: ArgumentHelp("Read a column as categorical even if it holds numbers (repeatable, or comma-separated).",
                               valueName: "NAME"))
    var factors: [String] = []

    @Option(name: .customLong("levels"),
            help: ArgumentHelp("Read a column as categorical with its levels in this order; the first is the reference level (repeatable).",
                               valueName: "NAME=a,b,c"))
    var levelOrders: [String] = []

    @Option(name: .customLong("contrasts"),
            help: ArgumentHelp("Factor contrasts: treatment (default), sum or helmert; KIND sets the default, NAME=KIND sets one fixed-effect factor (repeatable).",
                               valueName: "KIND|NAME=KIND"))
    var contrasts: [String] = []

    @Option(name: .customLong("ordered"),
            help: ArgumentHelp("Read a column as an ordered factor, coded by polynomial contrasts (R's contr.poly: NAME.L, NAME.Q, NAME.C, NAME^4, …); repeatable, or comma-separated.",
                               valueName: "NAME"))
    var ordered: [String] = []

    @Option(name: .customLong("weights"),
            help: ArgumentHelp("A numeric column of prior weights, as lme4's weights = (residual variance σ²/w; positive).",
                               valueName: "COL"))
    var weights: String?

    @Option(name: .customLong("offset"),
            help: ArgumentHelp("A numeric column added to the linear predictor with coefficient 1, as lme4's offset = (or write offset(expr) in the formula).",
                               valueName: "COL"))
    var offset: String?

    /// Checks the option values that need no file: `--levels` and `--contrasts`.
    func validate() throws {
        _ = try parsedLevelOrders()
        _ = try designOptions()
    }

    /// The formula, parsed.
    func parsedFormula() throws(FormulaError) -> Formula {
        try Formula(formula)
    }

    /// `--levels` as a dictionary; malformed values are a usage error.
    func parsedLevelOrders() throws(ValidationError) -> [String: [String]] {
        var orders: [String: [String]] = [:]
        for option in levelOrders {
            guard let equals = option.firstIndex(of: "=") else {
                throw ValidationError("--levels expects NAME=level1,level2,…; got '\(option)'")
            }
            let name = String(option[..<equals])
            let levels = option[option.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !name.isEmpty, !levels.contains(where: \.isEmpty) else {
                throw ValidationError("--levels expects NAME=level1,level2,… with a name and non-empty levels; got '\(option)'")
            }
            guard orders[name] == nil else {
                throw ValidationError("--levels is given twice for '\(name)'")
            }
            orders[name] = levels
        }
        return orders
    }

    /// `--contrasts` as design options.
    func designOptions() throws(ValidationError) -> DesignOptions {
        var options = DesignOptions(weights: weights, offset: offset)
        let kinds = ContrastKind.allCases.map(\.rawValue).joined(separator: ", ")
        for option in contrasts {
            if let equals = option.firstIndex(of: "=") {
                let name = String(option[..<equals])
                guard !name.isEmpty, let kind = ContrastKind(rawValue: String(option[option.index(after: equals)...])) else {
                    throw ValidationError("--contrasts expects KIND or NAME=KIND with KIND one of \(kinds); got '\(option)'")
                }
                options.contrasts[name] = kind
            } else {
                guard let kind = ContrastKind(rawValue: option) else {
                    throw ValidationError("--contrasts expects KIND or NAME=KIND with KIND one of \(kinds); got '\(option)'")
                }
                options.defaultContrast = kind
            }
        }
        options.ordered = Set(orderedColumns)
        return options
    }

    /// `--ordered`, split at commas.
    var orderedColumns: [String] { ordered.flatMap { $0.split(separator: ",").map(String.init) } }

    /// How to read the CSV file: the requested factors and level orders.
    func csvOptions() throws(ValidationError) -> CSVOptions {
        var options = CSVOptions()
        options.factorColumns = Set(factors.flatMap { $0.split(separator: ",").map(String.init) } + orderedColumns)
        options.levelOrders = try parsedLevelOrders()
        return options
    }

    /// Parses the formula, reads the data file and builds the model design.
    ///
    /// When the formula needs a column to be numeric (the response, an argument of `log()`,
    /// …) that the file holds as categorical, the file is read again with that column
    /// required numeric, so that the error also names the first line with a non-number.
    /// With `binaryFactorResponse`, a two-level categorical response is read as 0/1 (binomial models).
    func design(binaryFactorResponse: Bool = false) throws -> ModelDesign {
        try load(binaryFactorResponse: binaryFactorResponse, fingerprint: false).design
    }

    /// ``design(binaryFactorResponse:)`` and, with `fingerprint`, ``ModelSource/fingerprint(of:)``
    /// of the bytes it read (the file is read once).
    func load(binaryFactorResponse: Bool, fingerprint: Bool) throws -> (design: ModelDesign, fingerprint: String?) {
        let formula = try parsedFormula()
        let csv = try csvOptions()
        var options = try designOptions()
        options.binaryFactorResponse = binaryFactorResponse
        let bytes = try CSVReader.fileBytes(path: data)
        let print = fingerprint ? ModelSource.fingerprint(of: bytes) : nil
        let frame = try CSVReader.read(bytes: bytes, options: csv)
        do {
            var design = try ModelDesign(formula: formula, data: frame, options: options)
            design.warnings += Self.unusedListedLevels(csv.levelOrders, in: frame)
            return (design, print)
        } catch let formulaError {
            let column: String? = switch formulaError.kind {
            case .categoricalResponse(let name): name
            case .categoricalInArithmetic(let name, _): name
            default: nil
            }
            if let column, !csv.factorColumns.contains(column), csv.levelOrders[column] == nil {
                var strict = csv
                strict.numericColumns = [column]
                do {
                    _ = try CSVReader.read(bytes: bytes, options: strict)
                } catch let dataError {
                    throw CommandError(description: "\(formulaError.description)\n\(dataError.description)")
                }
            }
            throw formulaError
        }
    }
}

extension DataOptions {
    /// The options a saved fit records (`source`), reading `data` (its own file or new data).
    init(_ source: ModelSource, data: String) throws {
        var arguments = [data, "-f", source.formula]
        arguments += source.factors.flatMap { ["--factor", $0] } + source.levels.flatMap { ["--levels", $0] }
        arguments += source.contrasts.flatMap { ["--contrasts", $0] } + (source.ordered ?? []).flatMap { ["--ordered", $0] }
        if let weights = source.weights { arguments += ["--weights", weights] }
        if let offset = source.offset { arguments += ["--offset", offset] }
        self = try DataOptions.parse(arguments)
    }

    /// The data file (absolute path and the `fingerprint` of its bytes) and these options, for a saved fit.
    func modelSource(
        fingerprint: String, family: FamilyOptions? = nil, link: Link? = nil, transformations: StoredTransformations? = nil
    ) -> ModelSource {
        ModelSource(
            data: URL(fileURLWithPath: data).standardizedFileURL.path, dataFingerprint: fingerprint, formula: formula,
            factors: factors, levels: levelOrders, contrasts: contrasts, ordered: ordered, weights: weights, offset: offset,
            family: family?.family, link: link?.rawValue, nAGQ: family?.nagq, information: family?.information.rawValue,
            transformations: transformations)
    }

    /// A warning for each `--levels` label that no row of the file has (R keeps such a level empty
    /// and the model drops it; a misspelt reference level would otherwise pass unnoticed).
    static func unusedListedLevels(_ orders: [String: [String]], in frame: DataFrame) -> [String] {
        orders.keys.sorted().compactMap { name in
            guard let column = try? frame.column(name), case .categorical(let factor) = column else { return nil }
            var used = [Bool](repeating: false, count: factor.levels.count)
            for code in factor.codes where code >= 0 { used[Int(code)] = true }
            let unused = factor.levels.indices.filter { !used[$0] }.map { "'\(factor.levels[$0])'" }
            guard !unused.isEmpty else { return nil }
            return "--levels lists \(unused.joined(separator: ", ")) for '\(name)', which no row of the data has"
        }
    }
}

/// An error whose description is the whole message a user sees.
struct CommandError: Error, CustomStringConvertible {
    var description: String
}
