import Foundation
@testable import Marginal

/// Small data sets for the Bayesian tests, simulated with ``RandomSource`` so that every run
/// sees the same numbers.
enum BayesianTestData {
    /// y = 1 + 0.5 x + u_g + v_h + ε with crossed factors g (`groups` levels) and h (`others`
    /// levels), SDs 0.8 and 0.5 and residual SD 1, every (g, h) cell observed `replicates` times.
    static func crossed(groups: Int = 12, others: Int = 6, replicates: Int = 2, seed: UInt64 = 5) throws -> DataFrame {
        var random = RandomSource(seed: seed)
        let u = (0..<groups).map { _ in 0.8 * random.normal() }
        let v = (0..<others).map { _ in 0.5 * random.normal() }
        var y: [Double] = [], x: [Double] = [], g: [String?] = [], h: [String?] = []
        for i in 0..<groups {
            for j in 0..<others {
                for _ in 0..<replicates {
                    let xi = random.normal()
                    x.append(xi)
                    y.append(1 + 0.5 * xi + u[i] + v[j] + random.normal())
                    g.append("g\(i)")
                    h.append("h\(j)")
                }
            }
        }
        return try frame(y: y, x: x, g: g, h: h)
    }

    static func frame(y: [Double], x: [Double]? = nil, g: [String?], h: [String?]? = nil) throws -> DataFrame {
        var pairs: [(String, Column)] = [("y", .numeric(NumericColumn(y)))]
        if let x { pairs.append(("x", .numeric(NumericColumn(x)))) }
        pairs.append(("g", .categorical(CategoricalColumn(labels: g))))
        if let h { pairs.append(("h", .categorical(CategoricalColumn(labels: h)))) }
        return try DataFrame(pairs)
    }

    /// The largest |difference| of two posterior means in MCSE units over the parameters they share.
    static func largestZScore(_ a: PosteriorSample, _ b: PosteriorSample) -> (name: String, z: Double) {
        var worst = (name: "", z: 0.0)
        for p in a.parameters {
            guard let q = b.parameters.first(where: { $0.name == p.name }) else { continue }
            let z = abs(p.mean - q.mean) / (p.mcse * p.mcse + q.mcse * q.mcse).squareRoot()
            if !(z <= worst.z) { worst = (p.name, z) }
        }
        return worst
    }
}
