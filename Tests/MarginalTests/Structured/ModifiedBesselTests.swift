import Foundation
import Testing
@testable import Marginal

/// K_ν(x) and K_ν₊₁(x) against R's `besselK` (make_structured_references.R prints them), across
/// both of its methods (x ≤ 2 and x > 2) and orders below and above ½.
@Suite struct ModifiedBesselTests {
    static let references: [(nu: Double, x: Double, value: Double, next: Double)] = [
        (0.1, 0.05, 3.1867422277141122, 27.427419501081623),
        (0.1, 0.7, 0.66369455661086552, 1.1535135613233258),
        (0.1, 1.9, 0.12912526780729541, 0.16692707422404801),
        (0.1, 2.1, 0.10098431524751701, 0.1278814290000567),
        (0.1, 5, 0.0036944832782554548, 0.0041228375512407586),
        (0.1, 30, 2.1328272173424445e-14, 2.1752084025020692e-14),
        (0.5, 0.05, 5.3316325691057598, 111.96428395122093),
        (0.5, 0.7, 0.74388325232069374, 1.8065736127788281),
        (0.5, 1.9, 0.13599521326566796, 0.20757164130023004),
        (0.5, 2.1, 0.10590875899695357, 0.15634150137645525),
        (0.5, 5, 0.0037766133746428825, 0.0045319360495714592),
        (0.5, 30, 2.1412375659560111e-14, 2.2126121514878782e-14),
        (1.3, 0.05, 54.184172983522089, 2821.3889614799155),
        (1.3, 0.7, 1.4232613423144329, 5.9759617612105806),
        (1.3, 1.9, 0.18468370951991148, 0.38410450146420694),
        (1.3, 2.1, 0.14036645784977472, 0.27638911348666839),
        (1.3, 5, 0.004307078824168609, 0.0059613503174411019),
        (1.3, 30, 2.192393272358468e-14, 2.3256344452638286e-14),
        (2.5, 0.05, 6723.1886696423617, 672430.83124818734),
        (2.5, 0.7, 8.4863415928013861, 62.423299275645874),
        (2.5, 1.9, 0.46373991005550486, 1.4279398256568219),
        (2.5, 2.1, 0.32925376096331821, 0.9402790274795938),
        (2.5, 5, 0.0064957750043857579, 0.011027711053957216),
        (2.5, 30, 2.362498781104799e-14, 2.6063619483386778e-14),
        (4.7, 0.05, 261206668.80556539, 49108618534.975296),
        (4.7, 0.7, 1037.4404920650761, 14028.319733511529),
        (4.7, 1.9, 7.7671918700277844, 40.275830153561941),
        (4.7, 2.1, 4.6170856259222806, 21.864536806475186),
        (4.7, 5, 0.025624697665719565, 0.06067338357782727),
        (4.7, 30, 3.0613182003421886e-14, 3.6277143177406734e-14),
    ]

    @Test func matchesR() {
        for reference in Self.references {
            let (value, next) = ModifiedBessel.secondKind(order: reference.nu, reference.x)
            #expect(relativeError(value, reference.value, floor: 1e-300) < 1e-13, "K_\(reference.nu)(\(reference.x)) = \(value) vs \(reference.value)")
            #expect(relativeError(next, reference.next, floor: 1e-300) < 1e-13, "K_\(reference.nu + 1)(\(reference.x)) = \(next) vs \(reference.next)")
        }
    }

    /// At κ = ½ the Matérn correlation is the exponential kernel exp(−d/φ).
    @Test func maternAtOneHalfIsExponential() {
        for d in [0.01, 0.3, 1.0, 2.5, 7.0] {
            let value = MaternCorrelation.correlation(distance: d, range: 1.7, smoothness: 0.5)
            #expect(abs(value - Foundation.exp(-d / 1.7)) < 1e-14, "\(d): \(value)")
        }
    }

    /// Orders and arguments out of reach give NaN, not a trap: an optimizer's step to a huge
    /// smoothness (found by L-BFGS on the Matérn fit) is a failed evaluation it steps back from.
    @Test func outOfReachIsNaN() {
        for (nu, x) in [(1e300, 1.0), (.infinity, 1.0), (.nan, 1.0), (-1, 1.0), (1.5, 0), (1.5, .infinity), (1.5, -2)] {
            #expect(ModifiedBessel.secondKind(order: nu, x).value.isNaN, "K_\(nu)(\(x))")
        }
        #expect(MaternCorrelation.correlation(distance: 1, range: 2, smoothness: 1e300).isNaN)
    }
}
