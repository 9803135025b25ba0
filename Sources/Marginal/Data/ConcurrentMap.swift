import Dispatch

/// `(0..<count).map(work)`, with the calls spread over the available cores.
///
/// `work` must be safe to call concurrently from several threads (it may read shared
/// immutable data only); results come back in index order. While the calls run in parallel,
/// BLAS runs on one thread in each (``BLAS/singleThreaded(_:)``): the parallelism is here.
func concurrentMap<T>(count: Int, _ work: @Sendable (Int) -> T) -> [T] {
    let slots = Slots<T>(count: count)
    defer { slots.release() }
    BLAS.singleThreaded(when: count > 1) {
        DispatchQueue.concurrentPerform(iterations: count) { index in
            slots.store(work(index), at: index)
        }
    }
    return slots.values()
}

/// Storage that concurrent iterations fill, each writing only its own index exactly once.
private struct Slots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    func store(_ value: T, at index: Int) { buffer[index] = value }

    func values() -> [T] { buffer.compactMap { $0 } }

    func release() {
        buffer.deinitialize()
        buffer.deallocate()
    }
}
