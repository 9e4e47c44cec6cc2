import XCTest
import FixedPoint
import Support

/// Hand-worked cases from hls4ml-facts §1 (each verified there against the real header).
final class FixedPointTests: XCTestCase {
    func value(_ x: Double, _ type: FixedPointType) -> Double { type.toDouble(raw: type.convert(x).raw) }

    func testQuantizationModesWorkedExample() {
        // +2.546875 = 81.5 LSB of fixed<8,3>; expected values from the facts table.
        let expectedPositive: [QuantizationMode: Double] = [
            .trn: 2.53125, .trnZero: 2.53125, .rnd: 2.5625, .rndZero: 2.53125,
            .rndMinInf: 2.53125, .rndInf: 2.5625, .rndConv: 2.5625,
        ]
        let expectedNegative: [QuantizationMode: Double] = [
            .trn: -2.5625, .trnZero: -2.53125, .rnd: -2.53125, .rndZero: -2.53125,
            .rndMinInf: -2.5625, .rndInf: -2.5625, .rndConv: -2.5625,
        ]
        for q in QuantizationMode.allCases {
            let type = FixedPointType.fixed(8, 3, q, .wrap)
            XCTAssertEqual(value(2.546875, type), expectedPositive[q], "\(q) +")
            XCTAssertEqual(value(-2.546875, type), expectedNegative[q], "\(q) −")
        }
    }

    func testOverflowModesWorkedExample() {
        let expected: [OverflowMode: [Double]] = [  // for +5, −5, −4
            .wrap: [-3.0, 3.0, -4.0], .sat: [3.96875, -4.0, -4.0],
            .satZero: [0, 0, -4.0], .satSym: [3.96875, -3.96875, -3.96875],
        ]
        for o in OverflowMode.allCases {
            let type = FixedPointType.fixed(8, 3, .trn, o)
            XCTAssertEqual([5.0, -5.0, -4.0].map { value($0, type) }, expected[o], "\(o)")
        }
        // −4 is in range: no overflow flagged except the SAT_SYM clamp.
        XCTAssertFalse(FixedPointType.fixed(8, 3, .trn, .sat).convert(-4.0).overflowed)
        XCTAssertTrue(FixedPointType.fixed(8, 3, .trn, .wrap).convert(5.0).overflowed)
        XCTAssertTrue(FixedPointType.fixed(8, 3, .trn, .sat).convert(5.0).overflowed)
    }

    func testRoundingCarryCanOverflow() {
        // fixed<8,3,RND,SAT> of 3.99 → rounds up to 4.0, then saturates to 3.96875.
        XCTAssertEqual(value(3.99, .fixed(8, 3, .rnd, .sat)), 3.96875)
    }

    func testDefaultTruncationAndWrap() {
        let t = FixedPointType.fixed(16, 6)
        XCTAssertEqual(t.convert(0.123456789).raw, 126)
        XCTAssertEqual(t.convert(-0.123456789).raw, -127)
        // 33.7 floors to 34508 LSB, wraps by 2^16 → 33.6992… − 64.
        XCTAssertEqual(value(33.7, t), 34508.0 / 1024 - 64)
        XCTAssertEqual(t.minValue, -32)
        XCTAssertEqual(t.maxValue, 32 - 1.0 / 1024)
        XCTAssertEqual(FixedPointType.ufixed(6, 0).maxValue, 63.0 / 64)
    }

    func testInfinityAndHugeValues() {
        XCTAssertEqual(FixedPointType.fixed(16, 6).convert(Double.infinity).raw, 0)
        XCTAssertTrue(FixedPointType.fixed(16, 6).convert(Double.infinity).overflowed)
        XCTAssertEqual(FixedPointType.fixed(16, 6, .trn, .sat).convert(Double.infinity).raw, 32767)
        XCTAssertEqual(FixedPointType.fixed(16, 6, .trn, .sat).convert(-Double.infinity).raw, -32768)
        XCTAssertEqual(FixedPointType.fixed(16, 6, .trn, .satSym).convert(-1e300).raw, -32767)
        XCTAssertEqual(FixedPointType.ufixed(8, 4, .rnd, .sat).convert(-1e300).raw, 0)
        XCTAssertEqual(FixedPointType.fixed(16, 6).convert(1e300).raw, 0) // 2^996-ish: low bits all zero
    }

    func testResultTypes() {
        XCTAssertEqual(FixedPointType.productType(.fixed(16, 6), .fixed(16, 6)), .fixed(32, 12))
        XCTAssertEqual(FixedPointType.productType(.ufixed(6, 0), .fixed(6, 1)), .fixed(12, 1))
        XCTAssertEqual(FixedPointType.sumType(.fixed(16, 6), .fixed(16, 6)), .fixed(17, 7))
        XCTAssertEqual(FixedPointType.sumType(.ufixed(6, 0), .fixed(6, 1)), .fixed(8, 2))
    }

    func testWeightQuantizationThroughDecimalLiteral() {
        let t = FixedPointType.fixed(16, 6)
        XCTAssertEqual(t.weightLiteral(0.5), "0.5000000000")
        // 0.0009765 (float) lies 6e−8 below 2^−10 = 0.0009765625: printed "0.0009765000", it floors to 0.
        XCTAssertEqual(t.quantizedWeight(0.0009765), 0)
        // A float less than 0.5e−10 below a grid point prints as the grid point and lands on it (facts §1.7):
        // −1e−11 prints "-0.0000000000" → raw 0, whereas floor(w·2^10) gives −1.
        let tinyNegative: Float = -1e-11
        XCTAssertEqual(t.weightLiteral(tinyNegative), "-0.0000000000")
        XCTAssertEqual(t.quantizedWeight(tinyNegative), 0)
        XCTAssertEqual(t.convert(tinyNegative).raw, -1)
        XCTAssertEqual(FixedPointType.int(8).quantizedWeight(-2.5), -2) // "%.0f" rounds half to even: "-2"
    }

    func testFixedCastMatchesGeneralPathOnSimulatorShapes() {
        var rng = SplitMix64(seed: 7)
        for q in QuantizationMode.allCases {
            for o in OverflowMode.allCases {
                for target in [FixedPointType.fixed(16, 6, q, o), .ufixed(15, 5, q, o), .fixed(39, 19, q, o), .ufixed(6, 0, q, o)] {
                    let cast = FixedCast(from: 20, to: target)
                    for _ in 0..<200 {
                        let raw = Int64(bitPattern: rng.next()) >> Int64(rng.int(20...62))
                        var flag = false
                        let fast = cast.apply(raw, overflowed: &flag)
                        let slow = target.convert(raw: FixedRaw(raw), fractionalBits: 20)
                        XCTAssertEqual(FixedRaw(fast), slow.raw, "\(target) \(raw)")
                        XCTAssertEqual(flag, slow.overflowed, "\(target) \(raw)")
                    }
                }
            }
        }
    }

    // MARK: precision strings

    func testParsePrecisionStrings() throws {
        XCTAssertEqual(try Precision.parse("ap_fixed<16,6>"), .fixed(.fixed(16, 6)))
        XCTAssertEqual(try Precision.parse("fixed<16,6,RND,SAT>"), .fixed(.fixed(16, 6, .rnd, .sat)))
        XCTAssertEqual(try Precision.parse("ap_fixed<18,8,AP_RND,AP_SAT>"), .fixed(.fixed(18, 8, .rnd, .sat)))
        XCTAssertEqual(try Precision.parse("ufixed<6,0,RND_CONV,SAT>"), .fixed(.ufixed(6, 0, .rndConv, .sat)))
        XCTAssertEqual(try Precision.parse("ap_int<8>"), .fixed(.int(8)))
        XCTAssertEqual(try Precision.parse("uint<4>"), .fixed(.int(4, signed: false)))
        XCTAssertEqual(try Precision.parse(" auto "), .auto)
        XCTAssertEqual(try FixedPointType.parse("fixed<12, 4, RND_CONV, SAT_SYM, 0>"), .fixed(12, 4, .rndConv, .satSym))
    }

    func testPrintPrecisionStrings() {
        XCTAssertEqual(FixedPointType.fixed(16, 6).description, "fixed<16,6>")
        XCTAssertEqual(FixedPointType.fixed(16, 6).cppName, "ap_fixed<16,6>")
        XCTAssertEqual(FixedPointType.fixed(18, 8, .rnd, .sat).cppName, "ap_fixed<18,8,AP_RND,AP_SAT,0>")
        XCTAssertEqual(FixedPointType.ufixed(6, 0, .rndConv, .sat).description, "ufixed<6,0,RND_CONV,SAT>")
        XCTAssertEqual(FixedPointType.int(8).cppName, "ap_int<8>")
        XCTAssertEqual(Precision.auto.description, "auto")
    }

    func testMalformedPrecisionStringsAreUserErrors() {
        for text in ["ap_fixed<16>", "fixed<16,6", "fixed16,6>", "fixed<a,6>", "fixed<16,6,ROUND>",
                     "fixed<16,6,RND,CLIP>", "float<16,6>", "ap_int<0>", "", "fixed<16,6,RND,SAT,0,1>"] {
            XCTAssertThrowsError(try Precision.parse(text, location: "config.yml:3"), text) { error in
                guard let userError = error as? UserError else { return XCTFail("\(text): not a UserError: \(error)") }
                XCTAssertTrue(userError.description.contains("config.yml:3"), userError.description)
                XCTAssertTrue(userError.what.contains("malformed precision"), userError.what)
            }
        }
    }
}
