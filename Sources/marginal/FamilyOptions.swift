import ArgumentParser
import Marginal

/// The options that choose a generalized linear mixed model (`fit`, `compare`): the family, the
/// link and the quadrature points. The default family, gaussian, is the linear mixed model.
struct FamilyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The response's distribution: gaussian (the default, a linear mixed model), binomial, bernoulli, poisson, negative-binomial (its shape k estimated) or gamma (its dispersion φ estimated).", valueName: "NAME"))
    var family: String = "gaussian"

    @Option(help: ArgumentHelp("The link of a generalized model: logit, probit, cloglog, log, identity or inverse (default: the family's canonical link).", valueName: "NAME"))
    var link: String?

    @Option(help: ArgumentHelp("Adaptive Gauss-Hermite quadrature points per random effect for a generalized model with one term of up to three columns, such as (1 | g) or (1 + x | g), or two nested scalar terms, (1 | a/b); for (1 | g) it is lme4's nAGQ (1, the default, is the Laplace approximation).", valueName: "K"))
    var nagq: Int = 1

    @Option(help: ArgumentHelp("The information in the Laplace log-determinant where the link is not canonical: expected (lme4's glmer and glmer.nb, the default) or observed (glmmTMB's exact Laplace).", valueName: "expected|observed"))
    var information: LaplaceInformation = .expected

    /// The family of a generalized model, or nil for the linear one.
    var responseFamily: (any ResponseFamily)? { ResponseFamilies.named(family) }

    /// Whether a two-level categorical response is read as 0/1.
    var readsBinaryFactor: Bool { responseFamily?.name == BinomialFamily().name }

    var chosenLink: Link? { link.flatMap { Link(rawValue: $0.lowercased()) } }

    func validate() throws {
        let gaussian = family.lowercased() == "gaussian"
        guard gaussian || responseFamily != nil else {
            throw ValidationError("--family is gaussian, binomial, bernoulli, poisson, negative-binomial or gamma; got '\(family)'")
        }
        if let link, Link(rawValue: link.lowercased()) == nil {
            throw ValidationError("--link is one of \(Link.allCases.map(\.rawValue).joined(separator: ", ")); got '\(link)'")
        }
        if gaussian && link != nil && link?.lowercased() != "identity" {
            throw ValidationError("--link applies to a generalized model: give --family binomial, bernoulli, poisson, negative-binomial or gamma")
        }
        if gaussian && information != .expected {
            throw ValidationError("--information applies to a generalized model")
        }
        if gaussian && nagq != 1 {
            throw ValidationError("--nagq applies to a generalized model: give --family binomial, bernoulli, poisson, negative-binomial or gamma")
        }
    }

    /// The generalized model of `design` with the chosen link and information.
    func generalizedModel(design: ModelDesign, family: any ResponseFamily) throws -> GeneralizedLinearMixedModel {
        var model = try GeneralizedLinearMixedModel(design: design, family: family, link: chosenLink)
        model.information = information
        return model
    }

    /// The model for `design`: generalized when a family is chosen, else linear.
    func model(design: ModelDesign) throws -> any MixedModel {
        if let responseFamily { return try generalizedModel(design: design, family: responseFamily) }
        return try LinearMixedModel(design: design)
    }
}

extension LaplaceInformation: ExpressibleByArgument {}
