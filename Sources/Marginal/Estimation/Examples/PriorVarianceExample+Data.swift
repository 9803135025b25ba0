extension PriorVarianceExample {
    /// The formula that fits the simulated data as a linear mixed model: w is the random slope of x
    /// in a grouping factor `g` with one level, w ~ N(0, σ²), no fixed effects. Its ML fit is
    /// empirical Bayes with the noise SD estimated too
    /// (``PriorVarianceModel/noiseEstimatedEmpiricalBayes``).
    public static let formula = "y ~ 0 + (0 + x | g)"

    /// The one level of `g`.
    public static let groupLevel = "w"

    /// x and y as ``run()`` draws them: xᵢ ~ N(0, 1), yᵢ = w xᵢ + s εᵢ, in the order xᵢ, εᵢ.
    func simulate(_ random: inout RandomSource) -> (x: [Double], y: [Double]) {
        var x = [Double](repeating: 0, count: observations), y = x
        for i in 0..<observations {
            x[i] = random.normal()
            y[i] = w * x[i] + noiseSD * random.normal()
        }
        return (x, y)
    }

    /// The data ``run()`` simulates: columns `y`, `x` and `g` (every row the level
    /// ``groupLevel``). For `marginal compare` with ``formula``.
    public func simulatedData() throws(EstimationError) -> DataFrame {
        try validate()
        var random = RandomSource(seed: seed)
        let (x, y) = simulate(&random)
        do {
            return try DataFrame([
                ("y", .numeric(NumericColumn(y))),
                ("x", .numeric(NumericColumn(x))),
                ("g", .categorical(CategoricalColumn(codes: [Int32](repeating: 0, count: observations), levels: [Self.groupLevel]))),
            ])
        } catch {
            throw .invalidOption(name: "data", value: "\(error)", requirement: "a consistent data frame")
        }
    }
}
