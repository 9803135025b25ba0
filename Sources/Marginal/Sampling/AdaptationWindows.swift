/// Stan's windowed warmup schedule for metric adaptation (Stan Reference Manual, "HMC
/// algorithm parameters — automatic parameter tuning"; `windowed_adaptation`).
///
/// Warmup iterations 0…W−1 are split into an initial fast buffer (step size only, default 75
/// iterations), a run of slow windows whose draws estimate the metric (the first of 25
/// iterations, each next one twice as long; a window whose successor would run past the end of
/// the slow phase is stretched to that end), and a terminal fast buffer (default 50) where only
/// the step size adapts. For W = 1000 the windows are 75–99, 100–149, 150–249, 250–449, 450–949.
///
/// When the three stages do not fit (init + base + term > W), they become 15 % / 75 % / 10 % of W
/// (rounded down, the window taking the rest): one slow window. Below 20 warmup iterations the
/// metric is not adapted at all. (Stan's `windowed_adaptation::set_window_params`, as of its
/// 2024 sources, sets the reduced stages without calling `restart()`, so the end of its first
/// window keeps the value computed for empty stages and the metric is never updated when
/// 20 ≤ W < 150; this schedule follows the documented intent and adapts in the 75 % window.)
struct AdaptationWindows: Equatable {
    let warmup: Int
    let initBuffer: Int
    let termBuffer: Int
    let baseWindow: Int
    /// False when warmup < 20: no metric adaptation.
    let adaptsMetric: Bool

    /// Iterations seen so far (the index of the next warmup iteration).
    private(set) var counter = 0
    private(set) var windowSize: Int
    /// Index of the last iteration of the current slow window.
    private(set) var windowEnd: Int

    static let defaultInitBuffer = 75
    static let defaultTermBuffer = 50
    static let defaultBaseWindow = 25

    init(
        warmup: Int, initBuffer: Int = defaultInitBuffer, termBuffer: Int = defaultTermBuffer,
        baseWindow: Int = defaultBaseWindow
    ) {
        self.warmup = warmup
        if warmup < 20 {
            adaptsMetric = false
            self.initBuffer = 0
            self.termBuffer = 0
            self.baseWindow = 0
        } else if initBuffer + baseWindow + termBuffer > warmup {
            adaptsMetric = true
            self.initBuffer = Int(0.15 * Double(warmup))
            self.termBuffer = Int(0.10 * Double(warmup))
            self.baseWindow = warmup - (self.initBuffer + self.termBuffer)
        } else {
            adaptsMetric = true
            self.initBuffer = initBuffer
            self.termBuffer = termBuffer
            self.baseWindow = baseWindow
        }
        windowSize = self.baseWindow
        windowEnd = self.initBuffer + self.baseWindow - 1
    }

    /// Whether the current iteration's draw belongs to a slow window.
    var isInSlowWindow: Bool {
        adaptsMetric && counter >= initBuffer && counter < warmup - termBuffer
    }

    /// Whether the current iteration closes a slow window (the metric is updated after it).
    var isWindowEnd: Bool {
        adaptsMetric && counter == windowEnd && counter != warmup
    }

    /// Moves to the next iteration; at a window end, first schedules the next window.
    mutating func advance() {
        if isWindowEnd { scheduleNextWindow() }
        counter += 1
    }

    /// Doubles the window; stretches it to the end of the slow phase when the window after it
    /// would not fit.
    private mutating func scheduleNextWindow() {
        let lastSlow = warmup - termBuffer - 1
        guard windowEnd != lastSlow else { return }
        windowSize *= 2
        windowEnd = counter + windowSize
        guard windowEnd != lastSlow else { return }
        if windowEnd + 2 * windowSize >= warmup - termBuffer {
            windowEnd = lastSlow
        }
    }

    /// The 0-based warmup iterations after which the metric is updated.
    static func windowEnds(warmup: Int) -> [Int] {
        var windows = AdaptationWindows(warmup: warmup)
        var ends: [Int] = []
        for _ in 0..<warmup {
            if windows.isWindowEnd { ends.append(windows.counter) }
            windows.advance()
        }
        return ends
    }
}
