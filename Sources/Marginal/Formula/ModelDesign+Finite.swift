extension ModelDesign {
    /// The first NaN or infinite value the model would use, as (variable, 1-based row among the
    /// model's rows): the response first, then X column by column, then each random-effect
    /// term's columns. Nil when every value is finite.
    func firstNonFiniteValue() -> (variable: String, row: Int)? {
        let n = nobs
        if let row = response.firstIndex(where: { !$0.isFinite }) { return (responseName, row + 1) }
        let x = fixedEffects.matrix
        for j in 0..<x.columns {
            if let row = (0..<n).first(where: { !x[$0, j].isFinite }) { return (fixedEffects.names[j], row + 1) }
        }
        for term in randomEffects {
            for s in 0..<term.dimension {
                if let row = (0..<n).first(where: { !term.z[s, $0].isFinite }) { return (term.columnNames[s], row + 1) }
            }
        }
        return nil
    }
}
