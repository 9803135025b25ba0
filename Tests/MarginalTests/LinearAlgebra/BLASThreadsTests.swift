import Testing
@testable import Marginal

/// Other tests run at the same time and may hold sections of their own, so these only assert
/// what holds whatever they do: inside a section BLAS has one thread, even after an inner
/// section has ended.
@Suite("BLAS thread count around parallel work")
struct BLASThreadsTests {
    @Test func anInnerSectionEndingKeepsTheOuterOneSingleThreaded() {
        BLAS.singleThreaded {
            #expect(BLAS.threadCount == 1)
            BLAS.singleThreaded { #expect(BLAS.threadCount == 1) }
            #expect(BLAS.threadCount == 1)
        }
    }

    @Test func parallelWorkSeesOneBLASThread() {
        let seen = concurrentMap(count: 4) { _ in BLAS.threadCount }
        #expect(seen == [1, 1, 1, 1])
    }
}
