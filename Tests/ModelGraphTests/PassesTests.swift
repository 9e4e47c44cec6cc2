import XCTest
import TestSupport
import FixedPoint
import Support
@testable import ModelGraph

final class PassesTests: XCTestCase {
    private func dense(_ inputs: Int, _ outputs: Int, weight: Precision = .fixed(.fixed(16, 6)), accum: Precision = .auto,
                       weights: [Float]? = nil, biases: [Float]? = nil) -> LayerOperation {
        .dense(Dense(inputs: inputs, outputs: outputs, weights: weights ?? [Float](repeating: 0.5, count: inputs * outputs),
                     biases: biases ?? [Float](repeating: 0.25, count: outputs), weightType: weight,
                     biasType: .fixed(.fixed(16, 6)), accumType: accum))
    }

    /// Hand-worked from facts §4.5 with 16-bit fixed<16,6> input, weights and biases:
    /// n=16: W = 16+16+4 = 36, I = 6+6+4 = 16, F = 20; bias: I = max(16, 6)+1 = 17, W = 17+max(20,10) = 37.
    func testAccumulatorWidthsFromTheArithmetic() {
        let t = FixedPointType.fixed(16, 6)
        XCTAssertEqual(ModelGraph.accumulatorType(input: t, weight: t, bias: t, inputs: 16), .fixed(37, 17))
        XCTAssertEqual(ModelGraph.accumulatorType(input: t, weight: t, bias: t, inputs: 64), .fixed(39, 19))
        XCTAssertEqual(ModelGraph.accumulatorType(input: t, weight: t, bias: t, inputs: 32), .fixed(38, 18))
        // n=5: ⌈log2 5⌉ = 3 → W = 35, I = 15 → I = 16, W = 16 + 20 = 36.
        XCTAssertEqual(ModelGraph.accumulatorType(input: t, weight: t, bias: t, inputs: 5), .fixed(36, 16))
        // Unsigned ufixed<6,0> input, fixed<6,1> weights/bias, 16 inputs: W = 6+6+4 = 16, I = 1+0+4 = 5, signed;
        // bias: I = max(5, 1)+1 = 6, W = 6 + max(11, 5) = 17.
        XCTAssertEqual(ModelGraph.accumulatorType(input: .ufixed(6, 0), weight: .fixed(6, 1), bias: .fixed(6, 1), inputs: 16),
                       .fixed(17, 6))
        // All unsigned: stays unsigned; signed bias on unsigned products adds a bit: I = max(5+1, 1)+1 = 7.
        XCTAssertEqual(ModelGraph.accumulatorType(input: .ufixed(6, 0), weight: .ufixed(6, 1), bias: .ufixed(6, 1), inputs: 16),
                       .ufixed(17, 6))
        XCTAssertEqual(ModelGraph.accumulatorType(input: .ufixed(6, 0), weight: .ufixed(6, 1), bias: .fixed(6, 1), inputs: 16),
                       .fixed(18, 7))
        XCTAssertEqual(ModelGraph.accumulatorType(input: t, weight: t, bias: t, inputs: 16, maximum: .fixed(24, 12)), .fixed(24, 12))
    }

    func testInferenceFillsAutoAndAvoidsTheSoftmaxCollapse() {
        var graph = ModelGraph(inputName: "in", inputSize: 16, layers: [
            Layer(name: "fc1", index: 2, operation: dense(16, 64), resultType: .auto),
            Layer(name: "relu1", index: 3, operation: .activation(Activation(function: .relu, size: 64)), resultType: .auto),
            Layer(name: "out", index: 4, operation: dense(64, 5), resultType: .auto),
            Layer(name: "softmax", index: 5, operation: .softmax(Softmax(size: 5, accumType: .auto)), resultType: .auto),
        ])
        graph.inferPrecisions()
        guard case .dense(let fc1) = graph.layers[0].operation, case .dense(let out) = graph.layers[2].operation,
              case .softmax(let softmax) = graph.layers[3].operation else { return XCTFail() }
        XCTAssertEqual(fc1.accumType, .fixed(.fixed(37, 17)))
        XCTAssertEqual(graph.layers[0].resultType, .fixed(.fixed(37, 17)))
        XCTAssertEqual(graph.layers[1].resultType, .fixed(.fixed(16, 6)), "no rule for ReLU: model default")
        XCTAssertEqual(out.accumType, .fixed(.fixed(39, 19)), "accumulator still inferred")
        XCTAssertEqual(graph.layers[2].resultType, .fixed(.fixed(16, 6, .rnd, .sat)), "not fixed<39,19>: softmax would collapse")
        XCTAssertEqual(softmax.accumType, .fixed(.fixed(18, 8, .rnd, .sat)))
        XCTAssertEqual(graph.layers[3].resultType, .fixed(.fixed(16, 6)))

        // Explicit types are never touched.
        var explicit = ModelGraph(inputName: "in", inputSize: 4, layers: [
            Layer(name: "fc", index: 2, operation: dense(4, 2, accum: .fixed(.fixed(20, 10))), resultType: .fixed(.fixed(12, 4))),
        ])
        let before = explicit
        explicit.inferPrecisions()
        XCTAssertEqual(explicit, before)
    }

    func testLinearActivationsEliminatedMergedOrKept() {
        let linear = LayerOperation.activation(Activation(function: .linear, size: 2))
        var graph = ModelGraph(inputName: "in", inputSize: 2, layers: [
            Layer(name: "a", index: 2, operation: dense(2, 2), resultType: .fixed(.fixed(16, 6))),
            Layer(name: "a_linear", index: 3, operation: linear, resultType: .fixed(.fixed(16, 6))),   // same type: removed
            Layer(name: "b", index: 4, operation: dense(2, 2), resultType: .auto),
            Layer(name: "b_linear", index: 5, operation: linear, resultType: .fixed(.fixed(10, 4))),   // merged into b
            Layer(name: "c", index: 6, operation: dense(2, 2), resultType: .fixed(.fixed(16, 6))),
            Layer(name: "cast", index: 7, operation: linear, resultType: .fixed(.fixed(8, 3))),        // a cast: kept
        ])
        graph.eliminateLinearActivations()
        XCTAssertEqual(graph.layers.map(\.name), ["a", "b", "c", "cast"])
        XCTAssertEqual(graph.layers.map(\.index), [2, 4, 6, 7], "indices keep their gaps")
        XCTAssertEqual(graph.layers[1].resultType, .fixed(.fixed(10, 4)))
    }

    func testBatchNormalizationFoldedOnlyAfterAutoDense() {
        let norm = LayerOperation.batchNormalization(BatchNormalization(size: 2, scale: [2, 0.5], bias: [1, -1]))
        var graph = ModelGraph(inputName: "in", inputSize: 2, layers: [
            Layer(name: "fc", index: 2, operation: dense(2, 2, weights: [1, 2, 3, 4], biases: [0.5, 0.25]), resultType: .auto),
            Layer(name: "bn", index: 3, operation: norm, resultType: .fixed(.fixed(12, 5))),
            Layer(name: "fc2", index: 4, operation: dense(2, 2, weights: [1, 2, 3, 4], biases: [0.5, 0.25]), resultType: .fixed(.fixed(16, 6))),
            Layer(name: "bn2", index: 5, operation: norm, resultType: .auto),
        ])
        graph.foldBatchNormalization()
        XCTAssertEqual(graph.layers.map(\.name), ["fc", "fc2", "bn2"], "granularity-model style Dense keeps its BN")
        guard case .dense(let folded) = graph.layers[0].operation else { return XCTFail() }
        XCTAssertEqual(folded.weights, [2, 1, 6, 2], "column j scaled by scale[j]")
        XCTAssertEqual(folded.biases, [0.5 * 2 + 1, 0.25 * 0.5 - 1])
        XCTAssertEqual(graph.layers[0].resultType, .fixed(.fixed(12, 5)), "the Dense now produces the BN's type")
        var kept = ModelGraph(inputName: "in", inputSize: 2, layers: [
            Layer(name: "fc", index: 2, operation: dense(2, 2), resultType: .auto),
            Layer(name: "fc_alpha", index: 3, operation: norm, resultType: .auto),
        ])
        kept.foldBatchNormalization(keeping: ["fc_alpha"])
        XCTAssertEqual(kept.layers.count, 2)
    }

    func testSoftmaxTableShrinksToItsIndexType() {
        var graph = ModelGraph(inputName: "in", inputSize: 4, inputType: .fixed(.fixed(8, 3)), layers: [
            Layer(name: "softmax", index: 2, operation: .softmax(Softmax(size: 4, tableSize: 1024))),
        ])
        graph.fixSoftmaxTableSizes()
        guard case .softmax(let small) = graph.layers[0].operation else { return XCTFail() }
        XCTAssertEqual(small.tableSize, 256, "2^min(8, 18)")
        graph.inputType = .fixed(.fixed(16, 6))
        graph.layers[0].operation = .softmax(Softmax(size: 4, tableSize: 1024))
        graph.fixSoftmaxTableSizes()
        guard case .softmax(let tutorial) = graph.layers[0].operation else { return XCTFail() }
        XCTAssertEqual(tutorial.tableSize, 1024, "tutorial: 16-bit input, 18-bit tables: unchanged")
    }

    /// Valid lists quoted in facts §3.3 (from hls4ml's own warnings).
    func testValidReuseFactorLists() {
        XCTAssertEqual(ModelGraph.validReuseFactors(inputs: 32, outputs: 5), [1, 2, 4, 8, 16, 32, 160])
        XCTAssertEqual(ModelGraph.validReuseFactors(inputs: 16, outputs: 64), (0...10).map { 1 << $0 })
        XCTAssertEqual(ModelGraph.validReuseFactors(inputs: 32, outputs: 32), (0...10).map { 1 << $0 })
        XCTAssertEqual(ModelGraph.validReuseFactors(inputs: 64, outputs: 32), (0...11).map { 1 << $0 })
        XCTAssertEqual(ModelGraph.validReuseFactors(inputs: 128, outputs: 10), (0...8).map { 1 << $0 } + [640, 1280])
        XCTAssertEqual(ModelGraph.validReuseFactors(inputs: 784, outputs: 128),
                       [1, 2, 4, 7, 8, 14, 16, 28, 49, 56, 98, 112, 196, 392, 784, 1568, 3136, 6272, 12544, 25088, 50176, 100352])
        XCTAssertFalse(ModelGraph.isValidReuseFactor(64, inputs: 32, outputs: 5))
        XCTAssertFalse(ModelGraph.isValidReuseFactor(0, inputs: 32, outputs: 5))
    }

    func testReuseFactorValidationErrors() throws {
        var graph = ModelGraph(inputName: "in", inputSize: 32, layers: [
            Layer(name: "output", index: 2, operation: dense(32, 5), reuseFactor: 64, strategy: .resource),
        ])
        assertUserError(try graph.validateReuseFactors(locations: ["output": "hls.yml:12"]),
                        contains: "hls.yml:12", "invalid ReuseFactor 64 for layer 'output'", "32 or 160", "1,2,4,8,16,32,160")
        graph.layers[0].strategy = .latency
        XCTAssertNoThrow(try graph.validateReuseFactors(), "Latency: hls4ml does not validate")
        graph.layers[0].reuseFactor = 0
        assertUserError(try graph.validateReuseFactors(), contains: "at least 1")
        graph.layers[0].reuseFactor = 160
        graph.layers[0].strategy = .resource
        XCTAssertNoThrow(try graph.validateReuseFactors())
    }

    /// A 2→2 Dense + softmax worked by hand: y = [1·1 + 2·3 + 0.5, 1·2 + 2·4 − 0.5] = [7.5, 9.5],
    /// softmax = [1/(1+e²), e²/(1+e²)].
    func testFloatForwardByHand() {
        let graph = ModelGraph(inputName: "in", inputSize: 2, layers: [
            Layer(name: "fc", index: 2, operation: .dense(Dense(inputs: 2, outputs: 2, weights: [1, 2, 3, 4], biases: [0.5, -0.5]))),
            Layer(name: "relu", index: 3, operation: .activation(Activation(function: .relu, size: 2))),
            Layer(name: "bn", index: 4, operation: .batchNormalization(BatchNormalization(size: 2, scale: [1, 1], bias: [0, 0]))),
            Layer(name: "softmax", index: 5, operation: .softmax(Softmax(size: 2))),
        ])
        let outputs = graph.floatForward([1, 2])
        XCTAssertEqual(outputs[0], [7.5, 9.5])
        let e2 = exp(2.0)
        XCTAssertEqual(outputs[3][0], 1 / (1 + e2), accuracy: 1e-15)
        XCTAssertEqual(outputs[3][1], e2 / (1 + e2), accuracy: 1e-15)
        XCTAssertEqual(graph.floatPredict([1, 2, -10, 0], rows: 2).count, 4)
        let negative = graph.floatForward([-10, 0])
        XCTAssertEqual(negative[1], [0, 0], "ReLU of [−9.5, −20.5]")
        XCTAssertEqual(negative[3], [0.5, 0.5])
    }
}
