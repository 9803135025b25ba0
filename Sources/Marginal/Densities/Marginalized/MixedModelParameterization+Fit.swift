import Foundation

extension MixedModelParameterization {
    /// The unconstrained x of an ML or REML fit of the same model: β̂, σ̂ and per block
    /// T = σ̂ λ(θ̂), a natural starting point for a sampler or optimizer. θ̂ is read in lme4's order
    /// (block by block, part by part, column-major lower triangle for a correlated part, the
    /// diagonal otherwise; a structure's SDs then φ). An SD estimated at zero (a singular fit) is raised to 10⁻⁴·σ̂, and a
    /// correlation at ±1 is pulled just inside, so that x is finite.
    public func unconstrained(fit: LinearMixedModelFit) -> [Double] {
        var offset = 0
        var factors: [[Double]] = []
        var structured: [Double] = []
        let floor = 1e-4 * fit.sigma
        for block in blocks {
            let s = block.dimension
            var t = [Double](repeating: 0, count: s * s)
            for part in block.parts {
                let columns = part.columns
                if let structure = part.structure {
                    // θ's slice (the SDs relative to σ, then φ) through the structure itself: T = σ̂ λ(θ̂).
                    let count = structure.parameterCount
                    guard offset + count <= fit.theta.count else { continue }
                    let slice = Array(fit.theta[offset..<(offset + count)])
                    structured += slice[structure.sdCount...]
                    offset += count
                    let corner = columns.lowerBound * (s + 1)
                    t.withUnsafeMutableBufferPointer { tp in
                        _ = slice.withUnsafeBufferPointer { structure.fill(tp.baseAddress! + corner, ld: s, theta: $0) }
                    }
                    for j in columns {
                        for i in j..<columns.upperBound { t[i + j * s] *= fit.sigma }
                    }
                } else {
                    for j in columns {
                        let rows = part.hasCorrelation || part.dimension == 1 ? j..<columns.upperBound : j..<(j + 1)
                        for i in rows where offset < fit.theta.count {
                            t[i + j * s] = fit.sigma * fit.theta[offset]
                            offset += 1
                        }
                    }
                }
                // Row norms are the SDs: raise a zero row to the floor on its diagonal.
                for i in columns {
                    var norm = 0.0
                    for j in columns.lowerBound...i { norm += t[i + j * s] * t[i + j * s] }
                    if !(norm.squareRoot() >= floor) { t[i + i * s] = max(t[i + i * s], floor) }
                }
            }
            factors.append(t)
        }
        return unconstrained(beta: fit.fixedEffects.map(\.estimate), sigma: fit.sigma, factors: factors, structured: structured)
    }
}
