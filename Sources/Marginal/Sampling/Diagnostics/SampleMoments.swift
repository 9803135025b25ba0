/// Sample mean and variance (denominator n − 1).
enum SampleMoments {
    static func mean(_ x: [Double]) -> Double {
        x.reduce(0, +) / Double(x.count)
    }

    static func variance(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let mean = mean(x)
        var sum = 0.0
        for value in x { sum += (value - mean) * (value - mean) }
        return sum / Double(x.count - 1)
    }
}
