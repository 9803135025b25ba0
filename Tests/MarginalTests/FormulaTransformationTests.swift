import Foundation
import Testing
@testable import Marginal

/// The formula functions that learn from the data (`poly`, `ns`, `bs`, `scale`), polynomial
/// contrasts and their column names, against R 4.2's numbers
/// (Fixtures/reference/formula/formula_functions.R prints them), on the training values and,
/// with the stored coefficients, on new values (R's `predict` of the basis).
@Suite struct FormulaTransformationTests {
    static let x = [0.5, 1.2, 2.0, 2.7, 3.1, 4.4, 5.0, 6.3, 7.7, 9.0]
    static let newX = [-1.0, 3, 10.5]

    /// Columns stored column-major, as R prints `as.vector` of a matrix.
    static func columns(_ values: [Double], rows: Int) -> [[Double]] {
        stride(from: 0, to: values.count, by: rows).map { Array(values[$0..<($0 + rows)]) }
    }

    static func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        guard a.count == b.count, zip(a, b).allSatisfy({ $0.count == $1.count }) else { return .infinity }
        return zip(a.joined(), b.joined()).map { abs($0 - $1) }.max() ?? 0
    }

    /// poly(x, 3): the basis, attr(, "coefs") and predict(poly, newx).
    @Test func orthogonalPolynomialMatchesR() throws {
        let polynomial = try #require(OrthogonalPolynomial(fitting: Self.x, degree: 3))
        let expected: [Double] = [
            -0.4367888669425007420, -0.3539291902867416906, -0.2592324169658744570, -0.1763727403101154889, -0.1290243536496818166,
            0.0248579029967276911, 0.0958804829873781683, 0.2497627396337876449, 0.4154820929453055256, 0.5693643495917151132,
            0.4992250687335398895, 0.2361742817221067769, -0.0058468215759306151, -0.1663329653360633154, -0.2365495984225332027,
            -0.3568165790081441746, -0.3566464670079400601, -0.2356423344214440274, 0.0792861662163541481, 0.5431492491000545764,
            -0.4557148420730701699, 0.0148765011536004400, 0.2841685289332230857, 0.3346205507160747716, 0.3038681242295795948,
            0.0189632028368611205, -0.1514342056067077003, -0.4345806390765883931, -0.3389983396086773126, 0.4242311184957047177,
        ]
        #expect(Self.maxDifference(polynomial.columns(at: Self.x), Self.columns(expected, rows: 10)) < 1e-12)
        let alpha: [Double] = [
            4.1899999999999995, 5.2041949585954690, 4.6892873510570690,
        ]
        let norm2: [Double] = [
            1.00000000000000, 10.00000000000000, 71.36900000000000, 419.22120497134608, 2153.14738361928539,
        ]
        #expect(zip(polynomial.alpha, alpha).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(polynomial.norm2, norm2).allSatisfy { abs($0 - $1) < 1e-10 * $1 } && polynomial.norm2.count == 5)
        let predicted: [Double] = [
            -0.61434531691912697, -0.14086145031479014, 0.74692079956834134,
            1.22407833743865435, -0.22046064934022003, 1.28350516969923323,
            -2.41592593585657545, 0.31497212679935216, 2.49209982716586476,
        ]
        #expect(Self.maxDifference(polynomial.columns(at: Self.newX), Self.columns(predicted, rows: 3)) < 1e-12)
    }

    /// bs(x, df = 5) and ns(x, df = 4): knots, basis and predict at new values (two outside the range).
    @Test func splineBasesMatchR() throws {
        let bs = try #require(SplineBasis(fitting: Self.x, df: 5, natural: false))
        #expect(bs.knots == [2.7, 5.0] && bs.boundary == [0.5, 9.0])
        let bsExpected: [Double] = [
            0.00000000000000000000, 0.55800182727179969966, 0.51668544953668915642, 0.26123456790123450455, 0.14726784755770261359,
            0.00463768115942028193, 0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000,
            0.00000000000000000000, 0.12096118643355717459, 0.41099497650299782192, 0.61222948438634716695, 0.64587468481756638017,
            0.44456136077619451408, 0.29878618113912230880, 0.09189075630252102611, 0.01025676937441642907, 0.00000000000000000000,
            0.00000000000000000000, 0.00407605466428995721, 0.04010695187165774778, 0.12653594771241832850, 0.20615638203751709967,
            0.49698168478341431253, 0.56793087605412528873, 0.45671893757503007061, 0.15529957353311690804, 0.00000000000000000000,
            0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000, 0.00070108558721395113,
            0.05381927328097103197, 0.13328294280675229144, 0.41706218112244897167, 0.52689678209246659790, 0.00000000000000000000,
            0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000, 0.00000000000000000000,
            0.00000000000000000000, 0.00000000000000000000, 0.03432812499999998712, 0.30754687500000005285, 1.00000000000000000000,
        ]
        #expect(Self.maxDifference(bs.columns(at: Self.x), Self.columns(bsExpected, rows: 10)) < 1e-10)
        let bsPredicted: [Double] = [
            -4.66957801152015861135, 0.17176596886741815617, 0.00000000000000000000,
            0.95264138713336499187, 0.64340067750127416524, -0.01575630252100840289,
            -0.04010695187165770614, 0.18453758314920165606, 0.33835409163665458587,
            0.00000000000000000000, 0.00029577048210588537, -1.92220716411564618298,
            0.00000000000000000000, 0.00000000000000000000, 2.59960937500000000000,
        ]
        #expect(Self.maxDifference(bs.columns(at: Self.newX), Self.columns(bsPredicted, rows: 3)) < 1e-10)

        let ns = try #require(SplineBasis(fitting: Self.x, df: 4, natural: true))
        let knots: [Double] = [
            2.1749999999999998, 3.7500000000000000, 5.9749999999999996,
        ]
        #expect(zip(ns.knots, knots).allSatisfy { abs($0 - $1) < 1e-14 } && ns.knots.count == 3)
        let nsExpected: [Double] = [
            0.000000000000000000, 0.011508317212672150, 0.113237815139266812, 0.339284195736971661, 0.491384318256292807,
            0.660862466108264934, 0.534201641673453409, 0.181595028348275095, 0.020269485204550127, 0.000000000000000000,
            0.000000000000000000, -0.112279573292577844, -0.188368875211160858, -0.167450349719025782, -0.115881829462062241,
            0.205986479169270292, 0.379907302889938681, 0.565350452324594466, 0.314183488940523448, -0.150978597996458769,
            0.000000000000000000, 0.307144948428456799, 0.515290063594167402, 0.467757327332231188, 0.370002122445270976,
            0.125587662689082530, 0.124912866066482525, 0.224674406266124393, 0.328615670224284340, 0.413007569725850066,
            0.000000000000000000, -0.194865375135878927, -0.326921188383006489, -0.296764467491747896, -0.234744548983404550,
            -0.076836897979011998, -0.059044209631842995, 0.028380113061005990, 0.336931355630641916, 0.737971028270608675,
        ]
        #expect(Self.maxDifference(ns.columns(at: Self.x), Self.columns(nsExpected, rows: 10)) < 1e-10)
        let nsPredicted: [Double] = [
            0.00000000000000000, 0.45449032033644260, 0.00000000000000000,
            0.25514045102680366, -0.13126431116743348, -0.72958134781523698,
            -0.69794619247828127, 0.39668271790934778, 0.50819360435407823,
            0.44280574145147750, -0.25167181498780372, 1.22138774346115886,
        ]
        #expect(Self.maxDifference(ns.columns(at: Self.newX), Self.columns(nsPredicted, rows: 3)) < 1e-10)
    }

    /// contr.poly(5) and scale(x)'s centre and scale.
    @Test func polynomialContrastsAndScaleMatchR() {
        let expected: [Double] = [
            -6.3245553203367588e-01, -3.1622776601683777e-01, -3.5108334685767005e-17, 3.1622776601683783e-01, 6.3245553203367588e-01,
            5.3452248382484879e-01, -2.6726124191242440e-01, -5.3452248382484868e-01, -2.6726124191242440e-01, 5.3452248382484879e-01,
            -3.1622776601683777e-01, 6.3245553203367577e-01, 1.7554167342883514e-16, -6.3245553203367599e-01, 3.1622776601683783e-01,
            1.1952286093343928e-01, -4.7809144373375756e-01, 7.1713716560063634e-01, -4.7809144373375728e-01, 1.1952286093343928e-01,
        ]
        let matrix = ContrastKind.polynomial.matrix(levelCount: 5)
        let columns = (0..<4).map { c in matrix.map { $0[c] } }
        #expect(Self.maxDifference(columns, Self.columns(expected, rows: 5)) < 1e-14)
        #expect(ContrastKind.polynomial.columnSuffixes(levels: ["a", "b", "c", "d", "e"]) == [".L", ".Q", ".C", "^4"])
        let scaling = Scaling(fitting: Self.x)
        #expect(abs(scaling.center - 4.19) < 1e-14 && abs(scaling.scale - 2.8160058396404097) < 1e-14)
    }

    /// model.matrix's column names and the raw polynomial's values.
    @Test func columnNamesAreR() throws {
        let data = try DataFrame([("y", .numeric(NumericColumn(Self.x))), ("x", .numeric(NumericColumn(Self.x)))])
        let (names, columns) = try ModelDesign.unreducedFixedMatrix(
            formula: "y ~ poly(x, 2) + ns(x, 2) + bs(x, 4) + scale(x) + poly(x, 2, raw = TRUE)", data: data)
        #expect(names == [
            "(Intercept)", "poly(x, 2)1", "poly(x, 2)2", "ns(x, 2)1", "ns(x, 2)2", "bs(x, 4)1", "bs(x, 4)2", "bs(x, 4)3",
            "bs(x, 4)4", "scale(x)", "poly(x, 2, raw = TRUE)1", "poly(x, 2, raw = TRUE)2",
        ])
        #expect(columns[11] == Self.x.map { $0 * $0 })
    }

    /// Errors name the problem with a caret under the call.
    @Test(arguments: [
        ("y ~ poly(x, 10)", "the degree 10 must be less than the number of distinct values, 10", "    ^~~~~~~~~~~"),
        ("y ~ ploy(x, 2)", "unknown function 'ploy': did you mean 'poly'?", "    ^~~~"),
        ("y ~ bs(x, 2)", "df = 2 is too small; this basis needs df ≥ 3", "    ^~~~~~~~"),
        ("y ~ poly(x)", "poly() takes a numeric expression and a degree", "    ^~~~~~~"),
        ("y ~ poly(x, 2, raw = 3)", "poly() takes a numeric expression and a degree", "    ^~~~~~~~~~~~~~~~~~~"),
    ])
    func badCallsAreClear(_ formula: String, _ message: String, _ caret: String) throws {
        let data = try DataFrame([("y", .numeric(NumericColumn(Self.x))), ("x", .numeric(NumericColumn(Self.x)))])
        #expect {
            _ = try ModelDesign(formula: formula, data: data)
        } throws: { error in
            let text = String(describing: error)
            return text.contains(message) && (text.contains("\n  " + caret + "\n") || text.hasSuffix("\n  " + caret))
        }
    }
}
