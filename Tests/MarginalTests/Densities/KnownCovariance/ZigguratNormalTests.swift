import Foundation
import Testing
@testable import Marginal

/// The ziggurat normal generator against the standard normal distribution.
@Suite struct ZigguratNormalTests {
    static func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    @Test func layersCoverTheCurve() {
        let x = ZigguratTables.x
        #expect(x[1] == ZigguratTables.r)
        #expect(x[ZigguratTables.layers] == 0)
        // Every layer has area v: x_i (f(x_{i+1}) − f(x_i)) = v for i ≥ 1; the last one closes at x = 0.
        for i in 1..<(ZigguratTables.layers - 1) {
            let area = x[i] * (exp(-0.5 * x[i + 1] * x[i + 1]) - exp(-0.5 * x[i] * x[i]))
            #expect(abs(area - ZigguratTables.v) < 1e-9, "layer \(i)")
        }
        #expect(abs(x[ZigguratTables.layers - 1] * (1 - exp(-0.5 * x[ZigguratTables.layers - 1] * x[ZigguratTables.layers - 1])) - ZigguratTables.v) < 1e-6)
    }

    /// 200,000 draws: Kolmogorov–Smirnov distance below its 0.1 % critical value 1.95/√n, the
    /// first four moments within a few standard errors, and the tail beyond r (the slow path)
    /// as frequent as 2(1 − Φ(r)) says.
    @Test func drawsAreStandardNormal() {
        var random = RandomSource(seed: 42)
        let n = 200_000
        var draws = (0..<n).map { _ in random.zigguratNormal() }
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.reduce(0) { $0 + $1 * $1 } / Double(n) - mean * mean
        let kurtosis = draws.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * 2.0.squareRoot() / Double(n).squareRoot())
        #expect(abs(kurtosis - 3) < 5 * 96.0.squareRoot() / Double(n).squareRoot())
        let tail = draws.filter { abs($0) > ZigguratTables.r }.count
        let expected = Double(n) * 2 * (1 - Self.phi(ZigguratTables.r))
        #expect(abs(Double(tail) - expected) < 5 * expected.squareRoot(), "tail draws \(tail), expected \(expected)")
        draws.sort()
        var distance = 0.0
        for (k, value) in draws.enumerated() {
            let cdf = Self.phi(value)
            distance = max(distance, abs(cdf - Double(k) / Double(n)), abs(cdf - Double(k + 1) / Double(n)))
        }
        #expect(distance < 1.95 / Double(n).squareRoot(), "KS distance \(distance)")
    }
}
