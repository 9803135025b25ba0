/// The global parameters by name, in the order every table prints them: `b[column]` for each
/// fixed effect, `sigma`, then per random-effect term `sd[group][column]` and
/// `cor[group][a,b]` (a before b). `compare`'s table and the bootstrap intervals both use it.
enum ParameterNames {
    static func rows(
        fixed: [(name: String, estimate: Double)], sigma: Double?, components: [FitReport.VarianceComponent]
    ) -> [(name: String, value: Double)] {
        var rows = fixed.map { (name: "b[\($0.name)]", value: $0.estimate) }
        if let sigma { rows.append((name: "sigma", value: sigma)) }
        for component in components {
            for (a, name) in component.names.enumerated() { rows.append((name: "sd[\(component.group)][\(name)]", value: component.sd[a])) }
            for a in component.names.indices {
                for b in component.names.indices where b > a {
                    rows.append((name: "cor[\(component.group)][\(component.names[a]),\(component.names[b])]", value: component.corr[a][b]))
                }
            }
        }
        return rows
    }
}
