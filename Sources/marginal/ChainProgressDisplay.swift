import Foundation
import Synchronization

/// A progress display for several sampler chains on stderr: one line per chain,
///
///     chain 1  sampling  1200/2000 [███████████·······]  60%  divergences 0
///
/// redrawn in place at most ten times a second. Chains report from their own threads, so the
/// state sits behind a mutex. Silent when disabled or when stderr is not a terminal.
final class ChainProgressDisplay: Sendable {
    struct ChainState: Sendable {
        var phase = "warmup"
        var iteration = 0
        var total = 1
        var divergences = 0
    }

    private struct State: Sendable {
        var chains: [ChainState]
        var lastDraw: ContinuousClock.Instant?
        var linesDrawn = 0
    }

    private let enabled: Bool
    private let state: Mutex<State>

    init(chains: Int, enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
        state = Mutex(State(chains: Array(repeating: ChainState(), count: chains)))
    }

    /// Records chain `chain`'s progress and redraws if the last redraw is 100 ms old.
    func update(chain: Int, phase: String, iteration: Int, total: Int, divergences: Int) {
        guard enabled else { return }
        state.withLock { state in
            guard state.chains.indices.contains(chain) else { return }
            state.chains[chain] = ChainState(phase: phase, iteration: iteration, total: max(total, 1), divergences: divergences)
            let now = ContinuousClock.now
            if let last = state.lastDraw, last.duration(to: now) < .milliseconds(100) { return }
            state.lastDraw = now
            Self.draw(&state)
        }
    }

    /// Draws the final state and leaves it on screen.
    func finish() {
        guard enabled else { return }
        state.withLock { Self.draw(&$0) }
    }

    private static func draw(_ state: inout State) {
        var text = state.linesDrawn > 0 ? "\u{1B}[\(state.linesDrawn)A" : ""
        for (index, chain) in state.chains.enumerated() {
            let fraction = Double(chain.iteration) / Double(chain.total)
            let width = 24
            let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let percent = Int((fraction * 100).rounded(.down))
            let phase = chain.phase.padding(toLength: 8, withPad: " ", startingAt: 0)
            text += "\r\u{1B}[Kchain \(index + 1)  \(phase) \(chain.iteration)/\(chain.total) [\(bar)] \(percent)%"
                + "  divergences \(chain.divergences)\n"
        }
        state.linesDrawn = state.chains.count
        FileHandle.standardError.write(Data(text.utf8))
    }
}
