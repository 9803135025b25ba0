extension AladynModel {
    /// m_ik = r_k + Σ_p g_ip γ_pk for k < K and the healthy reference for k = K (the λ prior mean,
    /// constant over ages; published lines 305–314), into `mean` (N × (K+1)). `gamma` is P × K.
    func fillLambdaMean(gamma: ArraySlice<Double>, into mean: inout [Double]) {
        let d = dimensions
        let (kt, k, p) = (d.totalSignatures, d.signatures, d.covariates)
        let start = gamma.startIndex
        for i in 0..<d.individuals {
            for kk in 0..<k {
                var value = signatureReferences[kk]
                for c in 0..<p { value += covariates[i * p + c] * gamma[start + c * k + kk] }
                mean[i * kt + kk] = value
            }
            mean[i * kt + k] = healthyReference
        }
    }

    /// The same point in the other form: δ = λ − m(γ), ε = φ − μ − ψ (or back).
    public func converted(_ parameters: AladynParameters, to form: AladynParameters.Form) throws(AladynError) -> AladynParameters {
        guard parameters.dimensions == dimensions else {
            throw .sizeMismatch(what: "the parameters", expected: AladynParameters.count(dimensions), found: parameters.values.count)
        }
        guard parameters.form != form else { return parameters }
        let d = dimensions
        let (kt, t, dCount) = (d.totalSignatures, d.ages, d.diseases)
        let sign: Double = form == .nonCentred ? -1 : 1
        var out = parameters
        out.form = form
        var mean = [Double](repeating: 0, count: d.individuals * kt)
        fillLambdaMean(gamma: parameters[.covariateEffects], into: &mean)
        let lambdaStart = parameters.range(.trajectories).lowerBound
        for row in 0..<(d.individuals * kt) {
            for a in 0..<t { out.values[lambdaStart + row * t + a] += sign * mean[row] }
        }
        let phiStart = parameters.range(.diseaseLogits).lowerBound, psiStart = parameters.range(.diseaseOffsets).lowerBound
        for kk in 0..<kt {
            for dd in 0..<dCount {
                let psi = parameters.values[psiStart + kk * dCount + dd]
                for a in 0..<t {
                    out.values[phiStart + (kk * dCount + dd) * t + a] += sign * (logitPrevalence[dd * t + a] + psi)
                }
            }
        }
        return out
    }
}
