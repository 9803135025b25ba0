/// Finding one end of a profile interval: bracket ζ(c) = ±z by steps growing from `scale`, then
/// Illinois' false position inside the bracket.
enum ProfileSearch {
    static func end(
        estimate: Double, direction: Double, scale: Double, level z: Double, bounds: ClosedRange<Double>,
        zeta: (Double) -> Double?
    ) -> (value: Double, atBound: Bool) {
        let target = direction * z
        var inside = (c: estimate, f: -target)            // ζ − target at the estimate
        var step = max(abs(scale), 1e-8)
        var outside: (c: Double, f: Double)?
        for _ in 0..<60 {
            var c = estimate + direction * step
            var atBound = false
            if c <= bounds.lowerBound || c >= bounds.upperBound {
                c = direction < 0 ? bounds.lowerBound : bounds.upperBound
                atBound = true
            }
            guard let value = zeta(c) else { return (.nan, false) }
            let f = value - target
            if f * direction >= 0 {
                outside = (c, f)
                break
            }
            if atBound { return (c, true) }
            inside = (c, f)
            step *= 2
        }
        guard var b = outside else { return (.nan, false) }
        var a = inside
        // Illinois: false position, halving the retained end's value when it is kept twice.
        var side = 0
        for _ in 0..<100 {
            let c = (a.c * b.f - b.c * a.f) / (b.f - a.f)
            guard let value = zeta(c) else { return (.nan, false) }
            let f = value - target
            if abs(b.c - a.c) <= 1e-8 * max(abs(c), abs(scale)) || f == 0 { return (c, false) }
            if f * direction < 0 {
                a = (c, f)
                if side == -1 { b.f /= 2 }
                side = -1
            } else {
                b = (c, f)
                if side == 1 { a.f /= 2 }
                side = 1
            }
        }
        return ((a.c + b.c) / 2, false)
    }
}
