import CLapack
import Synchronization

extension BLAS {
    /// The number of threads OpenBLAS uses (all cores unless `OPENBLAS_NUM_THREADS` says
    /// otherwise); Marginal's own parallel kernels beside BLAS calls use as many.
    static var threadCount: Int { max(1, Int(openblas_get_num_threads())) }

    /// Runs `body` with OpenBLAS limited to one thread (if `condition`), then restores the
    /// thread count.
    ///
    /// For work that is parallel already (chains on the cores): several threads each calling a
    /// multi-threaded BLAS oversubscribe the cores, and OpenBLAS's spinning workers then cost
    /// more than they save (NUTS on Pastes: 0.15 s with one BLAS thread, 0.45–6 s with two,
    /// depending on the machine's load). Calls nest and may overlap from several threads: the
    /// first one in saves the count, the last one out restores it.
    static func singleThreaded<T>(when condition: Bool = true, _ body: () throws -> T) rethrows -> T {
        guard condition else { return try body() }
        singleThreadedSections.withLock { state in
            if state.depth == 0 { state.saved = Int32(threadCount) }
            state.depth += 1
            openblas_set_num_threads(1)
        }
        defer {
            singleThreadedSections.withLock { state in
                state.depth -= 1
                if state.depth == 0 { openblas_set_num_threads(state.saved) }
            }
        }
        return try body()
    }

    private struct SingleThreadedSections {
        var depth = 0
        var saved: Int32 = 1
    }

    private static let singleThreadedSections = Mutex(SingleThreadedSections())
}
