/// Choices in turning a formula and data into a ``ModelDesign``.
public struct DesignOptions: Sendable {
    /// The contrasts for factors that `contrasts` does not name (R's `options(contrasts=)`);
    /// applies to X and to the left-hand sides of random-effect terms.
    public var defaultContrast: ContrastKind
    /// Contrasts per factor of the fixed part, by column name (R's `contrasts =` argument of
    /// `lmer`/`model.matrix`, which likewise affects only X). A name that is not a factor of
    /// the fixed part is reported in the warnings and otherwise ignored.
    public var contrasts: [String: ContrastKind]
    /// A column of X whose norm, after removing its projection on the columns before it,
    /// is below `aliasTolerance` times its original norm is aliased and dropped
    /// (R's `qr(X, tol = 1e-7)`, which lme4 uses).
    public var aliasTolerance: Double
    /// Factors that are ordered (R's `ordered()`), by column name: coded by polynomial contrasts
    /// (``ContrastKind/polynomial``, R's default for them) in X unless `contrasts` names them, and in
    /// the left-hand sides of random-effect terms.
    public var ordered: Set<String> = []
    /// A numeric column of prior weights (lme4's `weights =`), or nil.
    public var weights: String?
    /// A numeric column added to the formula's offset (lme4's `offset =`), or nil.
    public var offset: String?
    /// Whether a categorical response with two levels is read as 0/1 (the second level is 1, a
    /// success, as R's `binomial` family reads a factor); for binomial models.
    public var binaryFactorResponse = false
    /// What a fit learned from its training data (``ModelDesign/transformations``), to apply to
    /// new data instead of learning it again (prediction); nil when fitting.
    public var transformations: StoredTransformations? = nil

    public init(
        defaultContrast: ContrastKind = .treatment,
        contrasts: [String: ContrastKind] = [:],
        aliasTolerance: Double = 1e-7,
        weights: String? = nil,
        offset: String? = nil
    ) {
        self.defaultContrast = defaultContrast
        self.contrasts = contrasts
        self.aliasTolerance = aliasTolerance
        self.weights = weights
        self.offset = offset
    }

    /// The contrasts of the factor `name` in X: as `contrasts` names them, else polynomial for an
    /// ordered factor, else the default.
    func fixedContrast(_ name: String?) -> ContrastKind {
        guard let name else { return defaultContrast }
        return contrasts[name] ?? randomContrast(name)
    }

    /// The contrasts of the factor `name` in a random-effect term: polynomial for an ordered factor,
    /// else the default (`contrasts` applies to X only, as R's `contrasts =` argument).
    func randomContrast(_ name: String?) -> ContrastKind {
        name.map { ordered.contains($0) } == true ? .polynomial : defaultContrast
    }
}
