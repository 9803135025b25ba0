/// The sizes of an ALADYN problem (Urbut et al., "ALADYN", surbut/aladynoulli2): N individuals,
/// D diseases, T yearly ages, K disease signatures plus one healthy signature, P individual
/// covariates.
///
/// Arrays are row-major with the last index fastest: λ is N × (K+1) × T (index (i·(K+1) + k)·T + t),
/// φ is (K+1) × D × T, ψ is (K+1) × D, γ is P × K, the covariates G are N × P.
public struct AladynDimensions: Sendable, Equatable, Codable {
    public var individuals: Int
    public var diseases: Int
    public var ages: Int
    /// K, the disease signatures (the healthy signature is extra).
    public var signatures: Int
    public var covariates: Int

    public init(individuals: Int, diseases: Int, ages: Int, signatures: Int, covariates: Int) {
        self.individuals = individuals
        self.diseases = diseases
        self.ages = ages
        self.signatures = signatures
        self.covariates = covariates
    }

    /// K + 1: the disease signatures and the healthy one (the last).
    public var totalSignatures: Int { signatures + 1 }

    /// Throws unless every size is positive (P may be 0).
    func validate() throws(AladynError) {
        for (name, value) in [("individuals", individuals), ("diseases", diseases), ("ages", ages), ("signatures", signatures)] where value < 1 {
            throw .invalidDimension(name: name, value: value)
        }
        guard covariates >= 0 else { throw .invalidDimension(name: "covariates", value: covariates) }
    }
}
