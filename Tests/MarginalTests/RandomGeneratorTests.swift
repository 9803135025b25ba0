import PropertyBased
import Testing
@testable import Marginal

/// Expected values were printed by Blackman & Vigna's public-domain C reference code
/// (xoshiro256starstar.c, splitmix64.c) compiled with gcc; the C code is not part of the repo.
@Suite struct RandomGeneratorTests {
    @Test func splitMixMatchesReferenceForSeedZero() {
        var generator = SplitMix64(seed: 0)
        let outputs = (0..<4).map { _ in generator.next() }
        #expect(outputs == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC])
    }

    @Test func xoshiroMatchesReferenceFromRawState() throws {
        var generator = try #require(Xoshiro256StarStar(state: [1, 2, 3, 4]))
        let outputs = (0..<6).map { _ in generator.next() }
        #expect(outputs == [
            0x0000_0000_0000_2D00, 0x0000_0000_0000_0000, 0x0000_0000_5A00_7080,
            0x10E0_0000_0000_9D80, 0x10E0_B61C_E100_9D80, 0x0870_021C_E143_AD00,
        ])
    }

    @Test func seedFillsStateFromSplitMix() {
        var generator = Xoshiro256StarStar(seed: 42)
        #expect(generator.state == [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52, 0x581C_E1FF_0E4A_E394])
        let outputs = (0..<5).map { _ in generator.next() }
        #expect(outputs == [
            0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
            0xECB8_AD47_03B3_60A1, 0xFDE6_DC7F_E2EC_5E64,
        ])
    }

    @Test func jumpMatchesReference() throws {
        var generator = try #require(Xoshiro256StarStar(state: [1, 2, 3, 4]))
        generator.jump()
        #expect(generator.state == [0x8C7A_1539_56B5_F3D1, 0x701F_1A71_3401_D85E, 0x6527_F66A_6546_9085, 0x8386_B786_C440_8050])
        let outputs = (0..<3).map { _ in generator.next() }
        #expect(outputs == [0xBBD2_F312_2984_43D8, 0x62E5_7DB2_D570_6577, 0x34D1_8903_74A6_D72B])
    }

    @Test func twoJumpsFromASeedMatchReference() {
        var generator = Xoshiro256StarStar(seed: 42).jumped().jumped()
        let outputs = (0..<3).map { _ in generator.next() }
        #expect(outputs == [0x8677_623E_E754_4E81, 0x1F59_1F21_3A3C_B979, 0xBEE7_6BE7_8F4B_FE6D])
    }

    @Test func longJumpMatchesReference() throws {
        var generator = try #require(Xoshiro256StarStar(state: [1, 2, 3, 4]))
        generator.longJump()
        let outputs = (0..<3).map { _ in generator.next() }
        #expect(outputs == [0x5277_52A1_D792_704D, 0xD8D8_BDEC_5759_9E64, 0x601C_B926_727E_B003])
    }

    @Test func uniformMatchesReferenceTopBits() {
        // (next() >> 11) · 2^−53 in C, printed with %.17g.
        var generator = Xoshiro256StarStar(seed: 42)
        let draws = (0..<3).map { _ in generator.nextUniform() }
        #expect(draws == [0.083862971059882163, 0.37898025066266861, 0.68004341102813937])
    }

    @Test func allZeroOrMisSizedStateIsRejected() {
        #expect(Xoshiro256StarStar(state: [0, 0, 0, 0]) == nil)
        #expect(Xoshiro256StarStar(state: [1, 2, 3]) == nil)
        #expect(Xoshiro256StarStar(state: [0, 0, 0, 1]) != nil)
    }

    @Test func streamsAreSuccessiveJumpsAndReproducible() {
        let streams = RandomSource.streams(seed: 2024, count: 4)
        #expect(streams.count == 4)
        var expected = Xoshiro256StarStar(seed: 2024)
        for stream in streams {
            #expect(stream.generator == expected)
            expected.jump()
        }
        #expect(RandomSource.streams(seed: 2024, count: 4).map(\.generator) == streams.map(\.generator))
        #expect(RandomSource.streams(seed: 2024, count: 0).isEmpty)
        #expect(RandomSource.streams(seed: 2024, count: -3).isEmpty)
    }

    @Test func jumpedStreamsDoNotShareOutputs() async {
        await propertyCheck(count: 20, input: Gen.uint64()) { seed in
            var first = Xoshiro256StarStar(seed: seed)
            var second = first.jumped()
            let a = Set((0..<1_000).map { _ in first.next() })
            let b = Set((0..<1_000).map { _ in second.next() })
            #expect(a.isDisjoint(with: b))
        }
    }

    @Test func sameSeedSameSequenceDifferentSeedDifferentSequence() async {
        await propertyCheck(count: 50, input: Gen.uint64()) { seed in
            var a = RandomSource(seed: seed)
            var b = RandomSource(seed: seed)
            var c = RandomSource(seed: seed &+ 1)
            let drawsA = (0..<16).map { _ in a.normal() }
            let drawsB = (0..<16).map { _ in b.normal() }
            let drawsC = (0..<16).map { _ in c.normal() }
            #expect(drawsA == drawsB)
            #expect(drawsA != drawsC)
        }
    }
}
