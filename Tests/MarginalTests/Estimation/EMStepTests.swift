import Foundation
import Testing
@testable import Marginal

/// The pieces of an EM step checked against dense computations: the REML conditional covariance
/// of u (β integrated out) and the structured covariance M-step.
@Suite struct EMStepTests {
    /// Inverse of a symmetric positive-definite matrix by Gauss–Jordan elimination.
    static func inverse(_ a: [[Double]]) -> [[Double]] {
        let n = a.count
        var m = a.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for j in 0..<n {
            let pivot = m[j][j]
            for k in 0..<(2 * n) { m[j][k] /= pivot }
            for i in 0..<n where i != j {
                let f = m[i][j]
                if f != 0 { for k in 0..<(2 * n) { m[i][k] -= f * m[j][k] } }
            }
        }
        return m.map { Array($0[n...]) }
    }

    /// The dense [u; β] system matrix [ΛᵀZᵀZΛ + I, ΛᵀZᵀX; XᵀZΛ, XᵀX] with u in the factor's order
    /// (block, level, column).
    static func systemMatrix(_ model: LinearMixedModel, theta: [Double]) -> [[Double]] {
        let n = model.design.nobs
        var columns: [[Double]] = []
        var offset = 0
        for block in model.blocks {
            let count = block.factor.parameterCount
            let lambda = block.factor.lambda(theta: Array(theta[offset..<(offset + count)]))
            offset += count
            for level in 0..<block.levelCount {
                for t in 0..<block.dimension {
                    var column = [Double](repeating: 0, count: n)
                    for i in 0..<n where Int(block.codes[i]) == level {
                        for a in 0..<block.dimension { column[i] += block.z[a, i] * lambda[a, t] }
                    }
                    columns.append(column)
                }
            }
        }
        let q = columns.count
        for j in 0..<model.design.fixedEffects.p { columns.append(model.design.fixedEffects.matrix.column(j)) }
        return columns.indices.map { i in
            columns.indices.map { j in zip(columns[i], columns[j]).reduce(0) { $0 + $1.0 * $1.1 } + (i == j && i < q ? 1 : 0) }
        }
    }

    @Test(arguments: [("pastes_reml", [0.9, 1.3]), ("sleepstudy_slope_reml", [0.9, 0.05, 0.2]), ("penicillin_reml", [1.5, 3.0])])
    func conditionalCovarianceWithBetaIntegratedOut(_ name: String, _ theta: [Double]) throws {
        let (model, _) = try EMTestSupport.model(name)
        var factor = PenalizedLeastSquares(products: model.products, factors: model.factors)
        let positiveDefinite = factor.update(theta: theta)
        #expect(positiveDefinite)
        let dense = Self.inverse(Self.systemMatrix(model, theta: theta))
        let withBeta = factor.conditionalCovarianceBlocks(integratingFixedEffects: true)
        let withoutBeta = factor.conditionalCovarianceBlocks()
        var row = 0
        var largestExtra = 0.0
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension
            for level in 0..<block.levelCount {
                for b in 0..<s {
                    for a in 0..<s {
                        let value = withBeta[k][level * s * s + a + b * s]
                        #expect(abs(value - dense[row + a][row + b]) < 1e-10, "block \(k) level \(level)")
                        largestExtra = max(largestExtra, value - withoutBeta[k][level * s * s + a + b * s])
                    }
                }
                row += s
            }
        }
        // The β-uncertainty term is really there.
        #expect(largestExtra > 1e-4)
    }

    /// Correlated 2 × 2 part: λλᵀ = R exactly. The same R on the zero-correlation structure
    /// (two 1-column parts) keeps only the diagonal.
    @Test func structuredMStep() {
        let r = [4.0, 1.2, 1.2, 0.9]
        let correlated = CovarianceFactor(structures: [UnstructuredCovariance(dimension: 2, correlated: true)])
        let t = correlated.theta(fromRelativeCovariance: r)
        #expect(t.count == 3)
        let l = correlated.lambda(theta: t)
        for i in 0..<2 {
            for j in 0..<2 {
                let product = (0..<2).reduce(0.0) { $0 + l[i, $1] * l[j, $1] }
                #expect(abs(product - r[i + j * 2]) < 1e-14)
            }
        }
        #expect(t[0] == 2 && abs(t[1] - 0.6) < 1e-15 && abs(t[2] - 0.9.squareRoot() * 0.0 - (0.9 - 0.36).squareRoot()) < 1e-15)
        let uncorrelated = CovarianceFactor(structures: [UnstructuredCovariance(dimension: 1, correlated: true), UnstructuredCovariance(dimension: 1, correlated: true)])
        #expect(uncorrelated.theta(fromRelativeCovariance: r) == [2, 0.9.squareRoot()])
        // A 3-column block: a correlated pair and an independent third column.
        let mixed = CovarianceFactor(structures: [UnstructuredCovariance(dimension: 2, correlated: true), UnstructuredCovariance(dimension: 1, correlated: true)])
        #expect(mixed.partRanges == [0..<2, 2..<3])
        let r3 = [4.0, 1.2, 0.7, 1.2, 0.9, 0.3, 0.7, 0.3, 2.25]
        let t3 = mixed.theta(fromRelativeCovariance: r3)
        #expect(t3.count == 4 && t3[0] == 2 && abs(t3[1] - 0.6) < 1e-15 && t3[3] == 1.5)
    }

    /// A singular positive-semidefinite matrix (rank 1) gives a factor with a zero column whose
    /// product is the matrix.
    @Test func semidefiniteCholeskyOfARankOneMatrix() {
        var a = [1.0, 2.0, 2.0, 4.0]
        let semidefinite = SmallMatrix.Pivots.semidefinite(1e-14)
        _ = a.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: 2, pivots: semidefinite) }
        #expect(a == [1, 2, 0, 0])
        var b = [0.0, 0.0, 0.0, 3.0]
        _ = b.withUnsafeMutableBufferPointer { SmallMatrix.choleskyLower($0.baseAddress!, size: 2, pivots: semidefinite) }
        #expect(b == [0, 0, 0, 3.0.squareRoot()])
    }
}
