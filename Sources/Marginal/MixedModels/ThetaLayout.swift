/// θ, the relative covariance parameters of every block, and the one place that knows its order:
/// block after block in the engine's order (``RandomEffectBlock/blocks(of:)``), each block's free
/// elements of λ part by part, column-major within a part (lme4's order within a term;
/// ``CovarianceFactor``). Everything that splits θ into blocks, names it, bounds it, starts it or
/// maps it to and from the blocks' λ and absolute factors T = σλ goes through here.
struct ThetaLayout: Sendable {
    let factors: [CovarianceFactor]
    /// Where each block's elements start in θ.
    let offsets: [Int]
    /// The length of θ.
    let count: Int

    init(factors: [CovarianceFactor]) {
        self.factors = factors
        var offsets: [Int] = []
        var count = 0
        for factor in factors {
            offsets.append(count)
            count += factor.parameterCount
        }
        self.offsets = offsets
        self.count = count
    }

    /// The elements of block k.
    func range(ofBlock k: Int) -> Range<Int> { offsets[k]..<(offsets[k] + factors[k].parameterCount) }

    /// lme4's start, λ = I for every block.
    var initial: [Double] { factors.flatMap(\.initialTheta) }
    /// 0 on the diagonals of each λ, −∞ elsewhere.
    var lowerBounds: [Double] { factors.flatMap(\.lowerBounds) }
    /// BOBYQA's first steps (``CovarianceFactor/initialSteps``).
    var initialSteps: [Double] { factors.flatMap(\.initialSteps) }

    /// Each block's λ (S × S, column-major) at θ.
    func lambdas(_ theta: [Double]) -> [Matrix] {
        factors.indices.map { factors[$0].lambda(theta: Array(theta[range(ofBlock: $0)])) }
    }

    /// Writes each block's λ at θ into `lambdas` (one S × S buffer per block), allocating nothing.
    func fill(_ lambdas: inout [[Double]], theta: [Double]) {
        theta.withUnsafeBufferPointer { t in
            for (k, factor) in factors.enumerated() {
                lambdas[k].withUnsafeMutableBufferPointer { l in
                    factor.fill(l.baseAddress!, theta: UnsafeBufferPointer(rebasing: t[range(ofBlock: k)]))
                }
            }
        }
    }

    /// θ = T/σ at λ's free positions, from absolute factors T (S × S per block, column-major),
    /// written into `theta` (allocating nothing); false when σ or a diagonal of T is not positive
    /// and finite.
    func relative(_ absolute: [[Double]], sigma: Double, into theta: inout [Double]) -> Bool {
        guard sigma > 0, sigma.isFinite else { return false }
        var index = 0
        for (k, factor) in factors.enumerated() {
            let s = factor.dimension
            let t = absolute[k]
            for a in 0..<s where !(t[a * (s + 1)] > 0 && t[a * (s + 1)].isFinite) { return false }
            for position in factor.freePositions {
                let value = t[position.row + position.column * s] / sigma
                guard value.isFinite else { return false }
                theta[index] = value
                index += 1
            }
        }
        return true
    }

    /// For each element, the block it belongs to and its (row, column) in that block's λ.
    var positions: [(block: Int, row: Int, column: Int)] {
        factors.enumerated().flatMap { k, factor in factor.freePositions.map { (k, $0.row, $0.column) } }
    }

    /// Names in lme4's spelling: `Subject.(Intercept)`, `Subject.Days.(Intercept)`.
    func names(of blocks: [RandomEffectBlock]) -> [String] {
        positions.map { position in
            let block = blocks[position.block]
            let names = block.parts.flatMap(\.term.columnNames)
            return position.row == position.column
                ? "\(block.group).\(names[position.row])"
                : "\(block.group).\(names[position.row]).\(names[position.column])"
        }
    }
}
