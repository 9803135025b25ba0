import Foundation

/// Where a saved fit came from: the data file (its absolute path and a fingerprint of its bytes)
/// and the options that read it into a design, written with `marginal fit --json` under `model`,
/// so that a later command can rebuild the same design (``LikelihoodRatioTable``'s ML refit of a
/// REML fit) and check that the data have not changed since.
public struct ModelSource: Codable, Sendable, Equatable {
    public var data: String
    /// ``fingerprint(of:)`` of the data file's bytes.
    public var dataFingerprint: String
    public var formula: String
    /// `--factor`, `--levels` and `--contrasts` as given.
    public var factors: [String]
    public var levels: [String]
    public var contrasts: [String]
    /// `--ordered` as given (nil in fits saved before it existed).
    public var ordered: [String]?
    public var weights: String?
    public var offset: String?
    /// The response family, link, quadrature points and Laplace information of a generalized
    /// model (nil for a linear one).
    public var family: String?
    public var link: String?
    public var nAGQ: Int?
    public var information: String?
    /// What the formula's variables learned from the data (``StoredTransformations``): applied
    /// unchanged to new data by `marginal predict`.
    public var transformations: StoredTransformations?

    public init(
        data: String, dataFingerprint: String, formula: String, factors: [String] = [], levels: [String] = [],
        contrasts: [String] = [], ordered: [String] = [], weights: String? = nil, offset: String? = nil, family: String? = nil, link: String? = nil,
        nAGQ: Int? = nil, information: String? = nil, transformations: StoredTransformations? = nil
    ) {
        self.ordered = ordered.isEmpty ? nil : ordered
        self.transformations = transformations
        self.data = data
        self.dataFingerprint = dataFingerprint
        self.formula = formula
        self.factors = factors
        self.levels = levels
        self.contrasts = contrasts
        self.weights = weights
        self.offset = offset
        self.family = family
        self.link = link
        self.nAGQ = nAGQ
        self.information = information
    }

    /// The 64-bit FNV-1a hash of `bytes` in hexadecimal (Fowler, Noll & Vo): not a cryptographic
    /// digest, a check that a file is the one a fit read.
    public static func fingerprint(of bytes: [UInt8]) -> String {
        let hash = bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
        return "fnv1a64:" + String(hash, radix: 16)
    }
}
