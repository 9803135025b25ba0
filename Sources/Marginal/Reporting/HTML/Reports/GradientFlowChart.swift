extension GradientFlow {
    /// The gradient flow as a bar chart: per block, the norms of the likelihood's and the
    /// prior's gradients at the start and at the end (a block the likelihood never reaches has no
    /// likelihood bar; a held block is labelled so).
    func chart(title: String, id: String) -> Chart {
        let chart = BarChart(
            title: title, valueLabel: "gradient norm over the block",
            categories: blocks.map { $0.name + ($0.held ? " (held)" : "") },
            measures: [
                ("likelihood, start", blocks.map(\.start.likelihood)), ("prior, start", blocks.map(\.start.prior)),
                ("likelihood, end", blocks.map(\.end.likelihood)), ("prior, end", blocks.map(\.end.prior)),
            ])
        return chart.render(id: id)
    }
}
