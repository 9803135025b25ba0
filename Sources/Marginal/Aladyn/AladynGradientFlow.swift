/// The gradient-flow report (DESIGN §4): for each parameter block, the norm of the likelihood's
/// gradient ‖∂ℓ‖ and of the prior term's ‖∂(W·prior)‖, at the start and at the end of a fit. In
/// the centred form γ's likelihood norm is exactly 0: γ learns only through the prior.
public struct AladynGradientFlow: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var block: String
        public var likelihoodStart: Double
        public var priorStart: Double
        public var likelihoodEnd: Double
        public var priorEnd: Double
    }

    public var rows: [Row]

    /// The block norms of the objective's last gradient parts.
    static func norms(_ objective: AladynObjective) -> [(likelihood: Double, prior: Double)] {
        let (likelihood, prior) = (objective.likelihoodGradient, objective.priorGradient)
        return AladynParameters.ranges(objective.model.dimensions).map { range in (norm(likelihood[range]), norm(prior[range])) }
    }

    init(rows: [Row]) {
        self.rows = rows
    }

    init(form: AladynParameters.Form, start: [(likelihood: Double, prior: Double)], end: [(likelihood: Double, prior: Double)]) {
        rows = AladynParameters.Block.allCases.map { block in
            Row(block: block.name(in: form), likelihoodStart: start[block.rawValue].likelihood, priorStart: start[block.rawValue].prior,
                likelihoodEnd: end[block.rawValue].likelihood, priorEnd: end[block.rawValue].prior)
        }
    }

    static func norm(_ values: ArraySlice<Double>) -> Double {
        values.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
