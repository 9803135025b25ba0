import Foundation

/// Where the gradient of the joint MAP objective comes from, block by block: the Euclidean norm of
/// the likelihood term's gradient and of the prior term's gradient (the effects' prior, the
/// globals' priors and, if included, log |J|), over the coordinates of each parameter block, at
/// the start and at the end of the optimization.
///
/// In the centered form a hyperparameter that enters only the prior (a covariance block; with
/// hierarchical centering, the group-level coefficients) has likelihood norm 0: the data reach it
/// only through the random effects. At a stationary point the two norms of each free block are
/// equal (the terms cancel).
public struct GradientFlow: Sendable, Codable, Equatable {
    public struct Norms: Sendable, Codable, Equatable {
        public var likelihood: Double
        public var prior: Double
        /// ‖∇F‖ over the block: the norm of the sum of the two gradients.
        public var total: Double
    }

    public struct Block: Sendable, Codable, Equatable {
        /// `fixed effects`, `sigma`, `covariance[g]`, `b[g]` / `z[g]` / `u[g]`.
        public var name: String
        public var coordinates: Int
        /// True when every coordinate of the block was held fixed.
        public var held: Bool
        public var start: Norms
        public var end: Norms
    }

    public var blocks: [Block]

    init(start: ObjectivePieces, end: ObjectivePieces, blocks: [(name: String, coordinates: [Int])], held: Set<Int>) {
        func norms(_ pieces: ObjectivePieces, _ indices: [Int]) -> Norms {
            func norm(_ v: [Double]) -> Double { indices.reduce(0) { $0 + v[$1] * v[$1] }.squareRoot() }
            return Norms(likelihood: norm(pieces.likelihoodGradient), prior: norm(pieces.priorGradient), total: norm(pieces.gradient))
        }
        self.blocks = blocks.map { block in
            Block(name: block.name, coordinates: block.coordinates.count,
                  held: !block.coordinates.isEmpty && block.coordinates.allSatisfy(held.contains),
                  start: norms(start, block.coordinates), end: norms(end, block.coordinates))
        }
    }

    /// A text table: one row per block, the likelihood and prior norms at start and end.
    public var text: String {
        var table = TextTable(header: ["block", "start |grad lik|", "start |grad prior|", "end |grad lik|", "end |grad prior|"], rows: [])
        for block in blocks {
            table.rows.append([
                block.name + (block.held ? " (held)" : ""),
                Self.format(block.start.likelihood), Self.format(block.start.prior),
                Self.format(block.end.likelihood), Self.format(block.end.prior),
            ])
        }
        return table.render()
    }

    static func format(_ value: Double) -> String {
        value == 0 ? "0" : String(format: "%.3g", value)
    }
}
