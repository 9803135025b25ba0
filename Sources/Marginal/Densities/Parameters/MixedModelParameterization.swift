import Foundation

/// The global parameters of a linear mixed model, β, σ and each random-effect covariance, as
/// a sampler or optimizer sees them: one unconstrained vector x ∈ ℝᵈ laid out as
///
///     x = [β₁ … β_p, log σ, per block and part: log sd₁ … log sd_m, y₁ … y_{m(m−1)/2}]
///
/// where the y's map to the Cholesky factor L of the part's correlation matrix through
/// ``CorrelationCholeskyTransform`` (only for correlated parts with m ≥ 2). A glmmTMB structured
/// part (`ar1`, `cs`, `toep`, `ou`, `exp`, `gau`, `mat`; ``StructuredCovariance``) has instead its
/// structure's SDs (one, or one per column) and its correlation's unconstrained φ (glmmTMB's
/// `rho.transformed`, `log.range`), with L = chol R(φ). A block's absolute
/// covariance factor is T = blockdiag over parts of diag(sd)·L, so the covariance of one level's
/// effects is Σ = T Tᵀ; in lme4's relative parameterization λ = T/σ, i.e. θ = T/σ at λ's free
/// positions. Blocks are in the fitting engine's order (the grouping factor with most levels first).
///
/// The names users see are `b[(Intercept)]`, `sigma`, `sd[Subject][Days]` and
/// `cor[Subject][(Intercept),Days]`; the prior of a whole correlation matrix is named `cor[Subject]`.
public struct MixedModelParameterization: Sendable {
    /// One term (part) of a block: m consecutive columns of the block.
    public struct Part: Sendable {
        /// The group label in names: the grouping factor, or `g.k` (as lme4's VarCorr labels
        /// them) when a column name repeats within the factor's terms.
        public let label: String
        public let columnNames: [String]
        /// The part's columns within its block.
        public let columns: Range<Int>
        /// Whether the part has a correlation matrix (correlated and m ≥ 2).
        public let hasCorrelation: Bool
        /// Index of the part's first SD among all SDs and its first coordinate in x.
        let sdIndex: Int
        let sdCoordinate: Int
        /// Index among correlated parts (−1 if none) and first correlation coordinate in x.
        let correlationIndex: Int
        let correlationCoordinate: Int
        /// A glmmTMB structure, its index among structured parts and the index of its first φ
        /// among all structured parts' (−1 if none); its φ's coordinates follow its SDs'.
        let structure: (any StructuredCovariance)?
        let structureIndex: Int
        let structureParameterIndex: Int

        var dimension: Int { columns.count }
        /// The part's SDs in x: one for a structure with one SD, else one per column.
        var sdCoordinateCount: Int { structure?.sdCount ?? dimension }
        /// The SD coordinate of column a.
        func sdOffset(column a: Int) -> Int { sdCoordinateCount == dimension ? a : 0 }
        /// The names users see of its SDs (`sd[g][z]`, or `sd[g]` for a structure's one SD) and
        /// of its structure's reported parameters (`rho[g]`, `range[g]`).
        var sdNames: [String] {
            sdCoordinateCount == dimension ? columnNames.map { "sd[\(label)][\($0)]" } : ["sd[\(label)]"]
        }
        var structureNames: [String] {
            guard let structure else { return [] }
            return structure.reported(phi: structure.correlationInitial).map { "\($0.name)[\(label)]" }
        }
        /// The names of its φ's priors, on the unconstrained scale: `rho.transformed[g]`.
        var structurePriorNames: [String] {
            guard let structure else { return [] }
            return structure.correlationParameterNames.map { "\($0)[\(label)]" }
        }
    }

    /// All parts on one grouping factor, S columns in total.
    public struct Block: Sendable {
        public let group: String
        public let dimension: Int
        public let parts: [Part]

        /// Its coordinates in x: every part's log SDs and correlation coordinates.
        var coordinateCount: Int {
            parts.reduce(0) { total, part in
                total + part.sdCoordinateCount + (part.structure?.correlationParameterCount ?? 0)
                    + (part.hasCorrelation ? CorrelationCholeskyTransform.count(dimension: part.dimension) : 0)
            }
        }
    }

    public let fixedNames: [String]
    public let blocks: [Block]
    /// d, the length of x.
    public let dimension: Int
    /// Total number of SDs, of correlated parts, of structured parts and of their φ's.
    public let sdCount: Int
    public let correlatedPartCount: Int
    let structuredPartCount: Int
    let structureParameterCount: Int
    /// The priors, aligned with the parameters.
    public var priors: MixedModelPriors

    /// Index of log σ in x.
    public var sigmaCoordinate: Int { fixedNames.count }
    var p: Int { fixedNames.count }

    /// The layout for a model's blocks, with brms-like default priors scaled to its data
    /// (``MixedModelPriors/defaults(for:)``).
    public init(model: LinearMixedModel) {
        self.init(fixedNames: model.design.fixedEffects.names, blocks: model.blocks)
        priors = MixedModelPriors.defaults(for: self, design: model.design)
    }

    /// Why this layout does not describe `model` (different fixed-effect columns, or grouping
    /// factors with other names, numbers of columns or order), or nil when it does.
    func mismatch(with model: LinearMixedModel) -> String? {
        guard fixedNames == model.design.fixedEffects.names else {
            return "fixed effects \(fixedNames) vs \(model.design.fixedEffects.names)"
        }
        let modelBlocks = model.blocks.map { "\($0.group)/\($0.dimension)" }
        let layoutBlocks = blocks.map { "\($0.group)/\($0.dimension)" }
        guard modelBlocks == layoutBlocks else { return "grouping factors \(layoutBlocks) vs \(modelBlocks)" }
        return nil
    }

    init(fixedNames: [String], blocks engineBlocks: [RandomEffectBlock]) {
        self.fixedNames = fixedNames
        var coordinate = fixedNames.count + 1
        var sdIndex = 0
        var correlationIndex = 0
        var structureIndex = 0, structureParameterIndex = 0
        var blocks: [Block] = []
        for block in engineBlocks {
            var parts: [Part] = []
            var seen: Set<String> = []
            for (k, part) in block.parts.enumerated() {
                let names = part.term.columnNames
                let repeats = names.contains { seen.contains($0) }
                seen.formUnion(names)
                let m = part.columns.count
                let structure = part.term.covarianceStructure as? any StructuredCovariance
                let hasCorrelation = structure == nil && part.term.correlated && m > 1
                let sdCoordinate = coordinate
                let sdCoordinates = structure?.sdCount ?? m
                coordinate += sdCoordinates
                let correlationCoordinate = coordinate
                if hasCorrelation { coordinate += CorrelationCholeskyTransform.count(dimension: m) }
                coordinate += structure?.correlationParameterCount ?? 0
                parts.append(Part(
                    label: repeats ? "\(block.group).\(k)" : block.group, columnNames: names, columns: part.columns,
                    hasCorrelation: hasCorrelation, sdIndex: sdIndex, sdCoordinate: sdCoordinate,
                    correlationIndex: hasCorrelation ? correlationIndex : -1, correlationCoordinate: correlationCoordinate,
                    structure: structure, structureIndex: structure == nil ? -1 : structureIndex,
                    structureParameterIndex: structure == nil ? -1 : structureParameterIndex))
                sdIndex += sdCoordinates
                if hasCorrelation { correlationIndex += 1 }
                if let structure {
                    structureIndex += 1
                    structureParameterIndex += structure.correlationParameterCount
                }
            }
            blocks.append(Block(group: block.group, dimension: block.dimension, parts: parts))
        }
        self.blocks = blocks
        dimension = coordinate
        sdCount = sdIndex
        correlatedPartCount = correlationIndex
        structuredPartCount = structureIndex
        structureParameterCount = structureParameterIndex
        priors = MixedModelPriors(
            fixedEffects: Array(repeating: .flat, count: fixedNames.count), sigma: .flat,
            standardDeviations: Array(repeating: .flat, count: sdIndex), correlations: Array(repeating: .lkj(eta: 1), count: correlationIndex),
            structureParameters: Array(repeating: .flat, count: structureParameterIndex))
    }

    /// Whether some part is a glmmTMB structure (``StructuredCovariance``).
    var hasStructuredParts: Bool { structuredPartCount > 0 }

    // MARK: Names

    /// Names of the reported parameters, one per coordinate of x and in the same order:
    /// `b[…]`, `sigma`, then per part its `sd[…][…]` and `cor[…][a,b]` (row-wise, a > b).
    public var parameterNames: [String] {
        var names = fixedNames.map { "b[\($0)]" }
        names.append("sigma")
        for block in blocks {
            for part in block.parts {
                names += part.sdNames
                names += part.structureNames
                if part.hasCorrelation {
                    for i in 1..<part.dimension {
                        for j in 0..<i { names.append("cor[\(part.label)][\(part.columnNames[j]),\(part.columnNames[i])]") }
                    }
                }
            }
        }
        return names
    }

    // MARK: From x to the parameters

    /// Fills `globals` (β, σ, SDs, correlation factors and each block's T) from x.
    /// Allocates nothing once `globals` has been made by ``makeGlobals()``.
    func decode(_ x: [Double], into globals: inout GlobalParameters) {
        for j in 0..<p { globals.beta[j] = x[j] }
        globals.sigma = exp(x[sigmaCoordinate])
        x.withUnsafeBufferPointer { xp in
            for (k, block) in blocks.enumerated() {
                let s = block.dimension
                globals.factors[k].withUnsafeMutableBufferPointer { t in
                    t.update(repeating: 0)
                    for part in block.parts {
                        let m = part.dimension
                        for a in 0..<part.sdCoordinateCount { globals.sds[part.sdIndex + a] = exp(xp[part.sdCoordinate + a]) }
                        let origin = part.columns.lowerBound * (s + 1)
                        if let structure = part.structure {
                            let phi = UnsafeBufferPointer(rebasing: xp[(part.sdCoordinate + part.sdCoordinateCount)...].prefix(structure.correlationParameterCount))
                            for i in 0..<phi.count { globals.structureParameters[part.structureParameterIndex + i] = phi[i] }
                            globals.structureFactors[part.structureIndex].withUnsafeMutableBufferPointer { l in
                                // A φ without a positive-definite R (only at extreme values) gives NaN, which the densities refuse.
                                if !structure.correlationFactor(l.baseAddress!, phi: phi) { l.update(repeating: .nan) }
                                for b in 0..<m {
                                    for a in b..<m { t[origin + a + b * s] = globals.sds[part.sdIndex + part.sdOffset(column: a)] * l[a + b * m] }
                                }
                            }
                        } else if part.hasCorrelation {
                            globals.correlationFactors[part.correlationIndex].withUnsafeMutableBufferPointer { l in
                                globals.logJacobians[part.correlationIndex] = CorrelationCholeskyTransform.forward(
                                    UnsafeBufferPointer(rebasing: xp[part.correlationCoordinate...]), dimension: m, into: l.baseAddress!)
                                for b in 0..<m {
                                    for a in b..<m { t[origin + a + b * s] = globals.sds[part.sdIndex + a] * l[a + b * m] }
                                }
                            }
                        } else {
                            for a in 0..<m { t[origin + a * (s + 1)] = globals.sds[part.sdIndex + a] }
                        }
                    }
                }
            }
        }
    }

    /// Storage for ``decode(_:into:)``.
    func makeGlobals() -> GlobalParameters {
        GlobalParameters(
            beta: Array(repeating: 0, count: p), sigma: 1,
            sds: Array(repeating: 1, count: sdCount),
            correlationFactors: blocks.flatMap { $0.parts.filter(\.hasCorrelation).map { Array(repeating: 0, count: $0.dimension * $0.dimension) } },
            logJacobians: Array(repeating: 0, count: correlatedPartCount),
            factors: blocks.map { Array(repeating: 0, count: $0.dimension * $0.dimension) },
            factorAdjoints: blocks.map { Array(repeating: 0, count: $0.dimension * $0.dimension) },
            betaAdjoint: Array(repeating: 0, count: p),
            structureParameters: Array(repeating: 0, count: structureParameterCount),
            structureFactors: blocks.flatMap { $0.parts.filter { $0.structure != nil }.map { Array(repeating: 0, count: $0.dimension * $0.dimension) } })
    }

    /// The reported values for x (same order as ``parameterNames``): β, σ, the SDs, and the
    /// correlations Ω_ab = Σ_k L_ak L_bk.
    public func reportedValues(_ x: [Double]) -> [Double] {
        var globals = makeGlobals()
        decode(x, into: &globals)
        var values = globals.beta
        values.append(globals.sigma)
        for block in blocks {
            for part in block.parts {
                values += globals.sds[part.sdIndex..<(part.sdIndex + part.sdCoordinateCount)]
                if let structure = part.structure {
                    let phi = globals.structureParameters[part.structureParameterIndex..<(part.structureParameterIndex + structure.correlationParameterCount)]
                    values += structure.reported(phi: Array(phi)).map(\.value)
                }
                if part.hasCorrelation {
                    let m = part.dimension
                    let l = globals.correlationFactors[part.correlationIndex]
                    for i in 1..<m {
                        for j in 0..<i {
                            var sum = 0.0
                            for k in 0...j { sum += l[i + k * m] * l[j + k * m] }
                            values.append(sum)
                        }
                    }
                }
            }
        }
        return values
    }

    /// The unconstrained x for given β, σ and per-block absolute factors T (Σ = T Tᵀ, lower
    /// triangular with positive diagonal, zero outside the parts' blocks) and the structured
    /// parts' φ in order: the inverse of ``decode(_:into:)``, used for starting points (e.g. from
    /// an ML fit).
    public func unconstrained(beta: [Double], sigma: Double, factors: [[Double]], structured: [Double] = []) -> [Double] {
        var x = beta
        x.append(log(sigma))
        for (k, block) in blocks.enumerated() {
            let s = block.dimension
            let t = factors[k]
            for part in block.parts {
                let m = part.dimension
                let origin = part.columns.lowerBound * (s + 1)
                // Row norms of the part's T give the SDs; L = diag(sd)⁻¹ T.
                var sds = [Double](repeating: 0, count: m)
                for a in 0..<m {
                    var sum = 0.0
                    for b in 0...a { sum += t[origin + a + b * s] * t[origin + a + b * s] }
                    sds[a] = sum.squareRoot()
                }
                x += sds.prefix(part.sdCoordinateCount).map { log($0) }
                if let structure = part.structure {
                    x += (0..<structure.correlationParameterCount).map { i in
                        part.structureParameterIndex + i < structured.count ? structured[part.structureParameterIndex + i] : structure.correlationInitial[i]
                    }
                }
                guard part.hasCorrelation else { continue }
                // Invert the canonical-partial-correlation map row by row.
                for i in 1..<m {
                    var remaining = 1.0
                    for j in 0..<i {
                        let lij = t[origin + i + j * s] / sds[i]
                        let z = remaining > 0 ? lij / remaining.squareRoot() : 0
                        x.append(atanh(min(max(z, -1 + 1e-12), 1 - 1e-12)))
                        remaining -= lij * lij
                    }
                }
            }
        }
        return x
    }

    // MARK: Priors, Jacobians and the chain rule

    /// Completes a log density and its gradient. On entry `globals` holds the decoded x and the
    /// adjoints of the likelihood part: `betaAdjoint` = ∂ℓ/∂β, `sigmaAdjoint` = ∂ℓ/∂σ and
    /// `factorAdjoints[k]` = ∂ℓ/∂T_k (lower triangle; entries outside the parts are ignored).
    /// Writes the full ∇ₓ(ℓ + log prior + log |J|) into `gradient` and returns log prior + log |J|,
    /// where the Jacobian is that of x ↦ (β, σ, sd, L): σ = eˣ contributes x, each sd likewise,
    /// and each correlation factor its ``CorrelationCholeskyTransform`` term.
    func completeGradient(_ x: [Double], globals: inout GlobalParameters, sigmaAdjoint: Double, gradient: inout [Double]) -> Double {
        var total = 0.0
        for j in 0..<p { gradient[j] = globals.betaAdjoint[j] }
        let means = priors.predictorMeans
        for j in 0..<p {
            // The intercept's prior may be on b₀ + Σₖ x̄ₖ bₖ (x̄ = 0 for the intercept itself).
            let centred = !means.isEmpty && fixedNames[j] == "(Intercept)"
            var value = globals.beta[j]
            if centred { for k in 0..<p { value += means[k] * globals.beta[k] } }
            let prior = priors.fixedEffects[j].logDensityAndDerivative(value)
            total += prior.value
            gradient[j] += prior.derivative
            if centred { for k in 0..<p { gradient[k] += prior.derivative * means[k] } }
        }
        let sigmaPrior = priors.sigma.logDensityAndDerivative(globals.sigma)
        total += sigmaPrior.value + x[sigmaCoordinate]
        gradient[sigmaCoordinate] = globals.sigma * (sigmaAdjoint + sigmaPrior.derivative) + 1
        x.withUnsafeBufferPointer { xp in
            gradient.withUnsafeMutableBufferPointer { g in
                for (k, block) in blocks.enumerated() {
                    let s = block.dimension
                    for part in block.parts {
                        let m = part.dimension
                        let origin = part.columns.lowerBound * (s + 1)
                        for i in 0..<part.sdCoordinateCount { g[part.sdCoordinate + i] = 0 }
                        for a in 0..<m {
                            // ∂ℓ/∂sd_a = Σ_b ∂ℓ/∂T_ab · L_ab (L = I for parts without correlations).
                            var sdAdjoint = 0.0
                            if part.hasCorrelation {
                                let l = globals.correlationFactors[part.correlationIndex]
                                for b in 0...a { sdAdjoint += globals.factorAdjoints[k][origin + a + b * s] * l[a + b * m] }
                            } else if part.structure != nil {
                                let l = globals.structureFactors[part.structureIndex]
                                for b in 0...a { sdAdjoint += globals.factorAdjoints[k][origin + a + b * s] * l[a + b * m] }
                            } else {
                                sdAdjoint = globals.factorAdjoints[k][origin + a * (s + 1)]
                            }
                            g[part.sdCoordinate + part.sdOffset(column: a)] += sdAdjoint
                        }
                        for i in 0..<part.sdCoordinateCount {
                            let sd = globals.sds[part.sdIndex + i]
                            let prior = priors.standardDeviations[part.sdIndex + i].logDensityAndDerivative(sd)
                            total += prior.value + xp[part.sdCoordinate + i]
                            g[part.sdCoordinate + i] = sd * (g[part.sdCoordinate + i] + prior.derivative) + 1
                        }
                        if let structure = part.structure {
                            total += structuredTerms(
                                part, structure, block: k, size: s, x: xp, globals: &globals,
                                gradient: UnsafeMutableBufferPointer(rebasing: g[(part.sdCoordinate + part.sdCoordinateCount)...]))
                        }
                        guard part.hasCorrelation else { continue }
                        let c = part.correlationIndex
                        total += globals.logJacobians[c]
                        for i in 0..<CorrelationCholeskyTransform.count(dimension: m) { g[part.correlationCoordinate + i] = 0 }
                        var scratch: [Double] = []
                        swap(&scratch, &globals.correlationScratch)
                        scratch.withUnsafeMutableBufferPointer { lAdjoint in
                            globals.correlationFactors[c].withUnsafeBufferPointer { l in
                                lAdjoint.update(repeating: 0)
                                // ∂ℓ/∂L_ab = ∂ℓ/∂T_ab · sd_a, plus the LKJ prior's ∂/∂L_ii.
                                for b in 0..<m {
                                    for a in b..<m {
                                        lAdjoint[a + b * m] = globals.factorAdjoints[k][origin + a + b * s] * globals.sds[part.sdIndex + a]
                                    }
                                }
                                if case .lkj(let eta) = priors.correlations[c] {
                                    for i in 1..<m {
                                        let coefficient = Double(m - i - 1) + 2 * eta - 2
                                        total += coefficient * log(l[i + i * m])
                                        lAdjoint[i + i * m] += coefficient / l[i + i * m]
                                    }
                                }
                                CorrelationCholeskyTransform.pullBack(
                                    UnsafeBufferPointer(rebasing: xp[part.correlationCoordinate...]), dimension: m,
                                    l: l.baseAddress!, lAdjoint: lAdjoint.baseAddress!,
                                    into: UnsafeMutableBufferPointer(rebasing: g[part.correlationCoordinate...]))
                            }
                        }
                        swap(&scratch, &globals.correlationScratch)
                    }
                }
            }
        }
        return total
    }

    /// A structured part's φ: its priors' log density, and ∂/∂φ of ℓ (through L, with
    /// ∂ℓ/∂L_ab = ∂ℓ/∂T_ab · sd_a) and of the priors, written into `gradient` (φ's coordinates).
    private func structuredTerms(
        _ part: Part, _ structure: any StructuredCovariance, block k: Int, size s: Int, x: UnsafeBufferPointer<Double>,
        globals: inout GlobalParameters, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let m = part.dimension
        let origin = part.columns.lowerBound * (s + 1)
        let count = structure.correlationParameterCount
        let phi = UnsafeBufferPointer(rebasing: x[(part.sdCoordinate + part.sdCoordinateCount)...].prefix(count))
        var total = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: m * m) { lAdjoint in
            lAdjoint.update(repeating: 0)
            for b in 0..<m {
                for a in b..<m {
                    lAdjoint[a + b * m] = globals.factorAdjoints[k][origin + a + b * s] * globals.sds[part.sdIndex + part.sdOffset(column: a)]
                }
            }
            structure.correlationPullBack(lAdjoint.baseAddress!, phi: phi, into: gradient)
        }
        for i in 0..<count {
            let prior = priors.structureParameters[part.structureParameterIndex + i].logDensityAndDerivative(phi[i])
            total += prior.value
            gradient[i] += prior.derivative
        }
        return total
    }
}
