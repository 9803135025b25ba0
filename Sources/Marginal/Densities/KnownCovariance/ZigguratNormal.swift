import Foundation

/// Standard normal deviates by the ziggurat method of Marsaglia & Tsang (2000) in Doornik's
/// (2005) form, "An improved ziggurat method to generate normal random samples": 128 layers of
/// equal area v under f(x) = exp(−x²/2), the base layer continuing into the tail beyond r.
/// A draw takes one 64-bit output (7 bits pick the layer, 53 others give u uniform in [−1, 1))
/// and is accepted at once when |u| < x_{i+1}/x_i (about 99 % of draws); otherwise the wedge
/// is tested against f, or, in the base layer, Marsaglia's (1964) tail method is used.
///
/// Recovery needs D normals per posterior draw (413 million for the course-evaluation run), where
/// the polar method's logarithm per pair dominates; this is about three times faster. It lives
/// here, next to its only user, and could move to Random/.
enum ZigguratTables {
    static let layers = 128
    /// r, the start of the tail, and v, the area of each layer (Doornik 2005, for 128 layers).
    static let r = 3.442619855899
    static let v = 9.91256303526217e-3
    /// x_0 = v/f(r) (the base layer's width as a rectangle), x_1 = r, …, x_128 = 0.
    static let x: [Double] = {
        var x = [Double](repeating: 0, count: layers + 1)
        var f = exp(-0.5 * r * r)
        x[0] = v / f
        x[1] = r
        for i in 2..<layers {
            x[i] = (-2 * log(v / x[i - 1] + f)).squareRoot()
            f = exp(-0.5 * x[i] * x[i])
        }
        x[layers] = 0
        return x
    }()
    /// x_{i+1}/x_i: below it, u·x_i lies inside layer i's rectangle under the curve.
    static let ratio: [Double] = (0..<layers).map { x[$0 + 1] / x[$0] }
}

extension RandomSource {
    /// A standard normal deviate by the ziggurat method (``ZigguratTables``).
    @inline(__always)
    mutating func zigguratNormal() -> Double {
        while true {
            let bits = next()
            let layer = Int(bits & 0x7F)
            let u = 2 * (Double(bits >> 11) * 0x1p-53) - 1
            if abs(u) < ZigguratTables.ratio[layer] { return u * ZigguratTables.x[layer] }
            if let value = zigguratSlowPath(u: u, layer: layer) { return value }
        }
    }

    /// The tail (layer 0) or the wedge test of layer i; nil to start over.
    mutating func zigguratSlowPath(u: Double, layer: Int) -> Double? {
        let x = ZigguratTables.x
        if layer == 0 {
            // Tail beyond r: Marsaglia (1964), exponential proposals accepted with prob. exp(−t²/2)·….
            let r = ZigguratTables.r
            while true {
                let t = log(openUniform()) / r
                let e = log(openUniform())
                if -2 * e >= t * t { return u < 0 ? t - r : r - t }
            }
        }
        let value = u * x[layer]
        let f0 = exp(-0.5 * (x[layer] * x[layer] - value * value))
        let f1 = exp(-0.5 * (x[layer + 1] * x[layer + 1] - value * value))
        return f1 + uniform() * (f0 - f1) < 1 ? value : nil
    }
}
