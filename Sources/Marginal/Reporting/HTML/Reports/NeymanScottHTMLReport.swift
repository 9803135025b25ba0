import Foundation

extension NeymanScottExample {
    /// The numbers of pairs the report's sweep uses: 10, 30, 100, 300, … below ``pairs``, then
    /// ``pairs`` itself.
    var pairSweep: [Int] {
        var counts: [Int] = []
        var next = 10
        while next < pairs {
            counts.append(next)
            next = next % 3 == 1 ? next * 3 : next * 10 / 3
        }
        return counts + [pairs]
    }

    /// The HTML report of `marginal example neyman-scott --report`: the printed result, the
    /// joint and marginal MLEs of θ against the number of pairs (the example rerun with the same
    /// seed at each count of ``pairSweep``), and θ after each EM step.
    public func htmlReport(result: Result) throws(EstimationError) -> HTMLReport {
        var joint: [(x: Double, y: Double)] = [], marginal: [(x: Double, y: Double)] = []
        for count in pairSweep {
            var smaller = self
            smaller.pairs = count
            let run = count == pairs ? result : try smaller.run()
            joint.append((Double(count), run.jointMLE))
            marginal.append((Double(count), run.marginalMLE))
        }
        var sweep = LineChart(title: "Estimates of θ against the number of pairs", xLabel: "number of pairs (log scale)", yLabel: "estimate of θ",
                              series: [LineChart.Series(name: "joint MLE over (μ, θ)", points: joint, markers: true),
                                       LineChart.Series(name: "marginal MLE (μ integrated out)", points: marginal, markers: true)])
        sweep.logX = true
        sweep.references = [(theta, "θ = \(ChartText.number(theta))"), (theta / 2, "θ/2")]
        var em = LineChart(title: "EM: θ after each step", xLabel: "EM step", yLabel: "θ",
                           series: [LineChart.Series(name: "EM", points: result.emTrace.enumerated().map { (Double($0.offset + 1), $0.element) },
                                                     markers: result.emTrace.count <= 60)])
        em.references = [(result.marginalMLE, "marginal MLE"), (result.jointMLE, "joint MLE (start)")]
        var report = HTMLReport(title: "Neyman–Scott: joint against marginal maximum likelihood",
                                subtitle: "\(pairs) pairs, true θ = \(ChartText.number(theta)), seed \(seed)")
        report.sections = [
            HTMLReport.Section(title: "Result", blocks: [.preformatted(result.text)]),
            HTMLReport.Section(title: "Consistency", blocks: [
                .paragraph("The same simulation (same seed) with 10, 30, 100, … pairs: the joint MLE settles at θ/2 however many pairs there are, the marginal MLE at θ."),
                .charts([sweep.render(id: "neyman-scott-sweep"), em.render(id: "neyman-scott-em")]),
            ]),
        ]
        return report
    }
}
