/// θ, the relative covariance parameters of every block, and the one place that knows its order:
/// block after block in the engine's order (``RandomEffectBlock/blocks(of:)``), each block's
/// parts in order (``CovarianceFactor``): lme4's free elements of λ, column-major within a part,
/// or a structure's parameters (``CovarianceStructure``). Everything that splits θ into blocks,
/// names it, bounds it, starts it, maps it to the blocks' λ or pulls a gradient in λ back to it
/// goes through here.
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

    /// Whether θ is lme4's for every block (``CovarianceFactor/isUnstructured``).
    var isUnstructured: Bool { factors.allSatisfy(\.isUnstructured) }

    /// Writes each block's λ at θ into `lambdas` (one S × S buffer per block), allocating nothing.
    /// False when a structured block has no positive-definite correlation at θ.
    func fill(_ lambdas: inout [[Double]], theta: [Double]) -> Bool {
        theta.withUnsafeBufferPointer { t in
            var valid = true
            for (k, factor) in factors.enumerated() {
                lambdas[k].withUnsafeMutableBufferPointer { l in
                    valid = factor.fill(l.baseAddress!, theta: UnsafeBufferPointer(rebasing: t[range(ofBlock: k)])) && valid
                }
            }
            return valid
        }
    }

    /// ∂f/∂θ from ∂f/∂λₖ for every block (S × S, column-major each): the chain rule of each
    /// block's structures, the identity on lme4's elements.
    func pullBack(_ lambdaGradients: [[Double]], theta: [Double]) -> [Double] {
        var gradient = [Double](repeating: 0, count: count)
        theta.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                for (k, factor) in factors.enumerated() {
                    lambdaGradients[k].withUnsafeBufferPointer { lg in
                        factor.pullBack(
                            lg.baseAddress!, theta: UnsafeBufferPointer(rebasing: t[range(ofBlock: k)]),
                            into: UnsafeMutableBufferPointer(rebasing: g[range(ofBlock: k)]))
                    }
                }
            }
        }
        return gradient
    }

    /// θ from absolute factors T (S × S per block, column-major) and σ, written into `theta`
    /// (allocating nothing): T/σ at λ's free positions for lme4's parts; for a glmmTMB structure
    /// (``StructuredCovariance``: T = D_sd L, whose rows have length sd since L's have length 1)
    /// its SDs sd/σ, read as row lengths, then its φ, taken in turn from `structured` (every
    /// structured part's φ in θ's order). False when σ or a diagonal of T is not positive and finite.
    func relative(_ absolute: [[Double]], sigma: Double, structured: [Double] = [], into theta: inout [Double]) -> Bool {
        guard sigma > 0, sigma.isFinite else { return false }
        var index = 0, next = 0
        for (k, factor) in factors.enumerated() {
            let s = factor.dimension
            let t = absolute[k]
            for a in 0..<s where !(t[a * (s + 1)] > 0 && t[a * (s + 1)].isFinite) { return false }
            for part in factor.parts {
                let first = part.columns.lowerBound
                if let unstructured = part.structure as? UnstructuredCovariance {
                    for position in unstructured.freePositions {
                        let value = t[first + position.row + (first + position.column) * s] / sigma
                        guard value.isFinite else { return false }
                        theta[index] = value
                        index += 1
                    }
                } else if let structure = part.structure as? any StructuredCovariance {
                    for a in 0..<structure.sdCount {
                        let row = first + a
                        var squares = 0.0
                        for b in first...row { squares += t[row + b * s] * t[row + b * s] }
                        theta[index] = squares.squareRoot() / sigma
                        index += 1
                    }
                    for _ in 0..<structure.correlationParameterCount {
                        guard next < structured.count else { return false }
                        theta[index] = structured[next]
                        index += 1
                        next += 1
                    }
                }
            }
        }
        return true
    }

    /// Every glmmTMB structure's φ in θ, in order: what ``relative(_:sigma:structured:into:)``
    /// reads back.
    func structuredParameters(_ theta: [Double]) -> [Double] {
        factors.enumerated().flatMap { k, factor in
            factor.parts.flatMap { part -> [Double] in
                guard let structure = part.structure as? any StructuredCovariance else { return [] }
                let start = offsets[k] + part.parameters.lowerBound + structure.sdCount
                return Array(theta[start..<(start + structure.correlationParameterCount)])
            }
        }
    }

    /// The adjoint of ``relative(_:sigma:into:)`` at σ = 1: ∂f/∂θ written onto each block's
    /// free positions of ∂f/∂T (S × S, column-major; the other positions 0). For unstructured
    /// layouts only (``isUnstructured``).
    func scatter(_ thetaGradient: [Double], into factorGradients: inout [[Double]]) {
        var index = 0
        for (k, factor) in factors.enumerated() {
            let s = factor.dimension
            for i in factorGradients[k].indices { factorGradients[k][i] = 0 }
            for position in factor.freePositions {
                factorGradients[k][position.row + position.column * s] = thetaGradient[index]
                index += 1
            }
        }
    }

    /// For each element, its block and the block column whose size scales it, or nil
    /// (``CovarianceStructure/scaleColumns``).
    var scaleColumns: [(block: Int, column: Int?)] {
        factors.enumerated().flatMap { k, factor in factor.scaleColumns.map { (k, $0) } }
    }

    /// Names in lme4's spelling for its terms (`Subject.(Intercept)`, `Subject.Days.(Intercept)`),
    /// and the structures' for theirs (`id.ar1.sd`, `id.ar1.rho.transformed`).
    func names(of blocks: [RandomEffectBlock]) -> [String] {
        blocks.enumerated().flatMap { k, block in
            zip(factors[k].parts, block.parts).flatMap { part, term in
                part.structure.parameterNames(group: block.group, columns: term.term.columnNames)
            }
        }
    }
}
