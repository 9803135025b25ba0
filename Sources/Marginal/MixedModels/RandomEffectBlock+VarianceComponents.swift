extension RandomEffectBlock {
    /// The block's variance components, one per original term: scale² λλᵀ restricted to the
    /// term's columns (scale = σ for a linear model, 1 for a generalized one), read as SDs and
    /// correlations, with a structured term's kind and correlation parameters as glmmTMB reports
    /// them (``CovarianceStructure/reported(theta:)``).
    ///
    /// - Parameters:
    ///   - lambda: λ at θ (S × S, column-major).
    ///   - theta: the block's elements of θ.
    func varianceComponents(lambda: [Double], theta: ArraySlice<Double>, scale: Double) -> [VarianceComponent] {
        zip(parts, factor.parts).map { part, structured in
            var component = VarianceComponent(
                group: group, names: part.term.columnNames, factor: lambda, ld: dimension,
                rows: Array(part.columns), rank: dimension, scale: scale)
            component.structure = part.term.structure
            let start = theta.startIndex + structured.parameters.lowerBound
            component.structureParameters = structured.structure.reported(
                theta: Array(theta[start..<(start + structured.parameters.count)]))
            return component
        }
    }
}
