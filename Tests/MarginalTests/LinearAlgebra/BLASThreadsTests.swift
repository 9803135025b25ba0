import Testing
@testable import Marginal

@Suite("BLAS thread count around parallel work")
struct BLASThreadsTests {
    @Test func singleThreadedSectionsNestAndRestoreTheCount() {
        let before = BLAS.threadCount
        BLAS.singleThreaded {
            #expect(BLAS.threadCount == 1)
            BLAS.singleThreaded { #expect(BLAS.threadCount == 1) }
            #expect(BLAS.threadCount == 1)
        }
        #expect(BLAS.threadCount == before)
        BLAS.singleThreaded(when: false) { #expect(BLAS.threadCount == before) }
    }

    @Test func parallelWorkSeesOneBLASThreadAndTheCountComesBack() {
        let before = BLAS.threadCount
        let seen = concurrentMap(count: 4) { _ in BLAS.threadCount }
        #expect(seen == [1, 1, 1, 1])
        #expect(BLAS.threadCount == before)
    }
}
