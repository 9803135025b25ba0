extension NeymanScottExample {
    /// The formula that fits the simulated pairs as a linear mixed model: the pair means as random
    /// intercepts, μᵢ ~ N(0, τ²) (the example draws them from N(0, `meanSD`²)), y ~ N(μᵢ, θ).
    public static let formula = "y ~ 0 + (1 | pair)"

    /// The pairs ``run()`` simulates, drawn with the same stream in the same order: columns `y`
    /// and `pair` (labels 1…N), two rows per pair. For `marginal compare` with ``formula``.
    public func simulatedData() throws(EstimationError) -> DataFrame {
        guard pairs >= 1 else { throw .invalidOption(name: "pairs", value: "\(pairs)", requirement: "at least 1") }
        guard theta.isFinite, theta > 0 else { throw .invalidOption(name: "theta", value: "\(theta)", requirement: "a positive finite variance") }
        var random = RandomSource(seed: seed)
        let sd = theta.squareRoot()
        var y = [Double](repeating: 0, count: 2 * pairs)
        var codes = [Int32](repeating: 0, count: 2 * pairs)
        for i in 0..<pairs {
            let mu = random.normal(mean: 0, standardDeviation: meanSD)
            y[2 * i] = random.normal(mean: mu, standardDeviation: sd)
            y[2 * i + 1] = random.normal(mean: mu, standardDeviation: sd)
            codes[2 * i] = Int32(i)
            codes[2 * i + 1] = Int32(i)
        }
        do {
            return try DataFrame([
                ("y", .numeric(NumericColumn(y))),
                ("pair", .categorical(CategoricalColumn(codes: codes, levels: (1...pairs).map(String.init)))),
            ])
        } catch {
            throw .invalidOption(name: "data", value: "\(error)", requirement: "a consistent data frame")
        }
    }
}
