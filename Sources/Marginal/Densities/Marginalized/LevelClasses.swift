import Foundation

/// Sufficient statistics of a model with a single grouping factor, with its levels grouped into
/// classes of equal Z_cᵀZ_c, so that the marginal likelihood and its gradient cost O(classes)
/// instead of O(levels).
///
/// With one grouping factor (S × S relative factor λ, levels c) and d = p + 1 columns [X y], the
/// matrix M = ΛᵀZᵀZΛ + I is block-diagonal with blocks B_c = λᵀA_cλ + I, A_c = Z_cᵀZ_c, and the
/// blocked factor of ``PenalizedLeastSquares`` is, per level, L_c = chol(B_c), the panel
/// P_c = F_c λ L_c⁻ᵀ with F_c = [X y]ᵀZ_c (d × S), and the d × d trailing factor
/// chol([X y]ᵀ[X y] − Σ_c P_cP_cᵀ). Every level-dependent quantity the density needs depends on
/// the level only through A_c and F_c, and on F_c only through outer products:
///
/// - Σ_c P_cP_cᵀ = Σ_c F_c K_c F_cᵀ with K_c = λ B_c⁻¹ λᵀ, i.e. Σ_{s≤t} K_c[s,t] H_c^{st} with
///   H^{ss} = F[:,s]F[:,s]ᵀ and H^{st} = F[:,s]F[:,t]ᵀ + F[:,t]F[:,s]ᵀ (s < t);
/// - with v = [−β; 1] and ũ_c = B_c⁻¹λᵀF_cᵀv: Σ_c ũ_cũ_cᵀ = Σ_c B_c⁻¹ λᵀ R_c λ B_c⁻¹ with
///   R_c[s,t] = vᵀF_c[:,s] F_c[:,t]ᵀv = vᵀH_c^{st}v (halved for s < t);
/// - log det M = Σ_c log det B_c and Σ_c (M⁻¹)_cc = Σ_c B_c⁻¹.
///
/// So levels with equal A_c form one class whose H's are summed once, at construction: a
/// balanced design (every level with the same rows of Z, as in most designed experiments and in
/// sleepstudy) has a single class, and random intercepts have one class per distinct group size.
/// The statistics are used only when they save work: classes × (S + 1) ≤ levels.
/// Evaluation: ``accumulate(lambda:v:into:scratch:)``; recovery of the random effects:
/// ``solveEffects(lambda:v:noise:scale:scratch:into:)``. A reference type (shared, immutable),
/// so that evaluations pass it around without retaining its arrays.
final class LevelClasses: Sendable {
    /// S, the random effects per level.
    let dimension: Int
    /// d = p + 1.
    let columns: Int
    /// d(d + 1)/2: symmetric d × d matrices are stored packed, lower triangle column by column.
    let packedCount: Int
    /// S(S + 1)/2 pairs s ≤ t, in the order (0,0), (1,0), …, (S−1,0), (1,1), …
    let pairCount: Int
    let levelCount: Int
    let classCount: Int
    /// Number of levels in each class.
    let multiplicity: [Double]
    /// A_k, S × S column-major per class.
    let crossProducts: [Double]
    /// Σ_{c∈k} H_c^{st}: per class, per pair, `packedCount` values.
    let outerProducts: [Double]
    /// [X y]ᵀ[X y] packed.
    let fixedCrossProducts: [Double]
    /// The class of each level, and F_c = [X y]ᵀZ_c per level (d × S column-major, level after
    /// level: the cross-product panels), for drawing the random effects.
    let classOfLevel: [Int32]
    let levelCrossProducts: [Double]

    /// The classes of a single-factor model, or nil when the model has more than one grouping
    /// factor or (with `onlyIfCheaper`) the classes would not save work or memory.
    init?(products: CrossProducts, onlyIfCheaper: Bool = true) {
        guard products.fixedOffset == 0 else { return nil }
        let s = products.first.dimension
        let levels = products.first.levels
        let d = products.trailingSize
        let ss = s * s
        var classOf: [[UInt64]: Int] = [:]
        var classes: [Int] = []
        var levelClass = [Int](repeating: 0, count: levels)
        for c in 0..<levels {
            let key = (0..<ss).map { products.first.diagonal[c * ss + $0].bitPattern }
            if let k = classOf[key] {
                levelClass[c] = k
            } else {
                classOf[key] = classes.count
                levelClass[c] = classes.count
                classes.append(c)
            }
        }
        let packed = d * (d + 1) / 2
        let pairs = s * (s + 1) / 2
        guard !onlyIfCheaper || (classes.count * (s + 1) <= levels && classes.count * pairs * packed <= 1 << 22) else { return nil }
        dimension = s
        columns = d
        packedCount = packed
        pairCount = pairs
        levelCount = levels
        classCount = classes.count
        var multiplicity = [Double](repeating: 0, count: classes.count)
        for c in 0..<levels { multiplicity[levelClass[c]] += 1 }
        self.multiplicity = multiplicity
        crossProducts = classes.flatMap { c in products.first.diagonal[(c * ss)..<((c + 1) * ss)] }
        var outer = [Double](repeating: 0, count: classes.count * pairs * packed)
        for c in 0..<levels {
            // F_c = panel c: d × S column-major (its rows are the X columns, then y).
            let f = c * d * s
            var pair = 0
            for t in 0..<s {
                for u in t..<s {
                    let base = (levelClass[c] * pairs + pair) * packed
                    var index = 0
                    for j in 0..<d {
                        for i in j..<d {
                            var value = products.first.values[f + i + t * d] * products.first.values[f + j + u * d]
                            if u != t { value += products.first.values[f + i + u * d] * products.first.values[f + j + t * d] }
                            outer[base + index] += value
                            index += 1
                        }
                    }
                    pair += 1
                }
            }
        }
        outerProducts = outer
        var fixed = [Double](repeating: 0, count: packed)
        var index = 0
        for j in 0..<d {
            for i in j..<d {
                fixed[index] = products.trailing[i + j * d]
                index += 1
            }
        }
        fixedCrossProducts = fixed
        classOfLevel = levelClass.map { Int32($0) }
        levelCrossProducts = products.first.values
    }
}
