/// B-splines of order k (degree k − 1) on a knot sequence t₀ ≤ … ≤ t_{m−1}, as R's
/// `splines::splineDesign` evaluates them: the m − k functions Bᵢ, with their derivatives.
///
/// Cox–de Boor: Bᵢ,₁ is 1 on the knot interval [t_j, t_{j+1}) that holds x (the last one
/// includes its right end), and Bᵢ,ₖ = (x − tᵢ)/(tᵢ₊ₖ₋₁ − tᵢ) Bᵢ,ₖ₋₁ + (tᵢ₊ₖ − x)/(tᵢ₊ₖ − tᵢ₊₁) Bᵢ₊₁,ₖ₋₁
/// (a zero denominator makes its term zero); the derivative is
/// B′ᵢ,ₖ = (k − 1)(Bᵢ,ₖ₋₁/(tᵢ₊ₖ₋₁ − tᵢ) − Bᵢ₊₁,ₖ₋₁/(tᵢ₊ₖ − tᵢ₊₁)). Outside the boundary
/// knots the polynomial piece of the nearest interval is continued, which is the Taylor
/// expansion at the boundary that R's `bs` uses there.
struct BSplineBasis {
    /// The full knot sequence (boundary knots repeated `order` times).
    let knots: [Double]
    let order: Int

    var count: Int { knots.count - order }

    /// The values (derivative 0) or a derivative of the `count` functions at x.
    func values(at x: Double, derivative: Int = 0) -> [Double] {
        let interval = self.interval(of: x)
        // table[m − 1][i] = B_{i,m}(x) for orders m = 1 … order.
        var table: [[Double]] = []
        var level = [Double](repeating: 0, count: knots.count - 1)
        level[interval] = 1
        table.append(level)
        for m in stride(from: 2, through: order, by: 1) {
            var next = [Double](repeating: 0, count: knots.count - m)
            for i in next.indices {
                let left = knots[i + m - 1] - knots[i]
                let right = knots[i + m] - knots[i + 1]
                let a = left > 0 ? (x - knots[i]) / left * level[i] : 0
                let b = right > 0 ? (knots[i + m] - x) / right * level[i + 1] : 0
                next[i] = a + b
            }
            table.append(next)
            level = next
        }
        return derivatives(table, order: order, derivative: derivative)
    }

    private func derivatives(_ table: [[Double]], order m: Int, derivative d: Int) -> [Double] {
        guard d > 0 else { return table[m - 1] }
        guard m > 1 else { return [Double](repeating: 0, count: knots.count - m) }
        let lower = derivatives(table, order: m - 1, derivative: d - 1)
        return (0..<(knots.count - m)).map { i in
            let left = knots[i + m - 1] - knots[i]
            let right = knots[i + m] - knots[i + 1]
            return Double(m - 1) * ((left > 0 ? lower[i] / left : 0) - (right > 0 ? lower[i + 1] / right : 0))
        }
    }

    /// The index j of the knot interval [t_j, t_{j+1}) used at x, between order − 1 and count − 1.
    private func interval(of x: Double) -> Int {
        let first = order - 1
        let last = count - 1
        var j = first
        while j < last, x >= knots[j + 1] { j += 1 }
        return j
    }
}
