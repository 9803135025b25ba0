extension PriorVarianceExample.Result {
    /// The example's findings for the terminal.
    public var text: String {
        func f(_ x: Double) -> String { NumberFormat.significant(x, 5) }
        var lines = [
            "Learning a prior variance: y = w x + e, e ~ N(0, s^2), w ~ N(0, sigma^2)",
            "  n = \(model.n), true w = \(f(trueW)), s = \(f(model.noiseSD)) (known), seed \(seed)",
            "  least squares: w_hat = \(f(wHat)), Var(w_hat) = s^2/Sxx = \(f(wHatVariance))",
            "",
            "Joint maximization over (w, log sigma^2) has no maximum.",
        ]
        if stationaryPoints.isEmpty {
            lines.append("  No stationary point: w_hat^2 < 4 Var(w_hat), so the joint log density has no critical point at all.")
        } else {
            lines.append("  Stationary points (sigma^2 = w^2, w = (w_hat +- sqrt(w_hat^2 - 4 Var w_hat))/2):")
            let table = TextTable(
                header: ["w", "sigma^2", "log density", "Hessian eigenvalues", "kind"],
                rows: stationaryPoints.map {
                    [f($0.w), f($0.sigma2), f($0.logDensity), $0.hessianEigenvalues.map(f).joined(separator: ", "), $0.kind]
                },
                leftAligned: [3, 4])
            lines.append(table.render(indent: "    "))
        }
        lines.append("  Along w = sigma -> 0 the joint log density grows without bound:")
        let pathTable = TextTable(
            header: ["w = sigma", "log density"], rows: path.map { [f($0.w), f($0.logDensity)] }, leftAligned: [])
        lines.append(pathTable.render(indent: "    "))
        if let local = stationaryPoints.first(where: { $0.kind == "local maximum" }) {
            if let above = path.first(where: { abs($0.w) < abs(local.w) && $0.logDensity > local.logDensity }) {
                lines.append("  The local maximum (log density \(f(local.logDensity))) is exceeded from w = \(f(above.w)) on.")
            } else {
                lines.append("  The local maximum (log density \(f(local.logDensity))) is exceeded only closer to w = 0 than shown.")
            }
        }
        var rows = [
            ["empirical Bayes, closed form max(0, w_hat^2 - Var w_hat)", f(empiricalBayes.closedForm)],
            ["empirical Bayes, L-BFGS on log m(sigma^2) (\(empiricalBayes.numericalEvaluations) evaluations)", f(empiricalBayes.numerical)],
            ["\(crossValidation.folds)-fold cross-validation of the log predictive density", f(crossValidation.sigma2)],
        ]
        if let estimated = empiricalBayes.noiseEstimated {
            rows.append(["empirical Bayes with s estimated too (s_hat = \(f(estimated.noiseSD)); ML of the mixed model)", f(estimated.sigma2)])
        }
        let sound = TextTable(header: ["method", "sigma^2"], rows: rows)
        lines += ["", "Sound ways to choose sigma^2:", sound.render(indent: "  ")]
        if empiricalBayes.noiseEstimated != nil {
            lines += [
                "",
                "As a mixed model, w is the random slope of x in a grouping factor g with one level:",
                "  marginal example prior-variance --write-data DATA.csv",
                "  marginal compare DATA.csv -f '\(PriorVarianceExample.formula)'",
                "`marginal compare` estimates s as well, so its ml column gives sigma^2 = sd[g][x]^2 equal to the",
                "last row above (the closed form with s^2 replaced by s_hat^2 = RSS/(n - 1)), not to the first.",
            ]
        }
        return lines.joined(separator: "\n")
    }
}
