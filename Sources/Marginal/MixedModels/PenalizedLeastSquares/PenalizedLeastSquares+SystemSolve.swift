import CLapack

extension PenalizedLeastSquares {
    /// x = M⁻¹b for the random-effect system M = ΛᵀZᵀWZΛ + I = L_u L_uᵀ of the last update, in the
    /// layout of ``randomEffectCount`` (the first block's levels, then the trailing random rows):
    /// forward through the first block's levels (L_cc y_c = b_c, then b_R −= L_{R,c} y_c over the
    /// panel's random rows) and the dense part, then back the same way with the transposes.
    /// Designs without nested blocks, at a positive-definite factor.
    func solveRandomSystem(_ b: [Double]) -> [Double] {
        let d = products.trailingSize
        let s1 = products.first.dimension
        let levels = products.first.levels
        let firstCount = levels * s1
        let r = products.fixedOffset
        var x = b
        /// The level's panel: its first position, height and number of random rows.
        func panel(_ c: Int) -> (base: Int, height: Int, rows: ArraySlice<Int32>, random: Int) {
            let start = products.first.start[c]
            let rows = products.first.rows[start..<products.first.start[c + 1]]
            return (start * s1, rows.count, rows, rows.partitioningIndex { Int($0) >= r } - start)
        }
        for c in 0..<levels {
            let l = c * s1 * s1
            for i in 0..<s1 {
                var value = x[c * s1 + i]
                for k in 0..<i { value -= first[l + i + k * s1] * x[c * s1 + k] }
                x[c * s1 + i] = value / first[l + i + i * s1]
            }
            let (base, height, rows, random) = panel(c)
            for (i, row) in rows.prefix(random).enumerated() {
                for t in 0..<s1 { x[firstCount + Int(row)] -= panels[base + i + t * height] * x[c * s1 + t] }
            }
        }
        trailing.withUnsafeBufferPointer { tp in
            x.withUnsafeMutableBufferPointer { xp in
                guard r > 0, let t = tp.baseAddress, let dense = xp.baseAddress.map({ $0 + firstCount }) else { return }
                cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, blasint(r), t, blasint(d), dense, 1)
                cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, blasint(r), t, blasint(d), dense, 1)
            }
        }
        for c in 0..<levels {
            let (base, height, rows, random) = panel(c)
            for (i, row) in rows.prefix(random).enumerated() {
                for t in 0..<s1 { x[c * s1 + t] -= panels[base + i + t * height] * x[firstCount + Int(row)] }
            }
            let l = c * s1 * s1
            for i in stride(from: s1 - 1, through: 0, by: -1) {
                var value = x[c * s1 + i]
                for k in (i + 1)..<max(s1, i + 1) { value -= first[l + k + i * s1] * x[c * s1 + k] }
                x[c * s1 + i] = value / first[l + i + i * s1]
            }
        }
        return x
    }
}
