import Foundation
import XCTest
import FixedPoint
import ModelGraph
import Simulation
import Support
@testable import HLS

/// The proof of "bit-exact": the Swift simulator and the generated C++ compiled with g++ against
/// the real ap_types headers agree on every output of every sample. One project (one compile)
/// per configuration, a couple of thousand random samples each, scaled so that wrapping and
/// saturation actually happen.
final class ParityTests: XCTestCase {
    /// SplitMix64: deterministic test data without global state.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        /// Approximately normal (sum of uniforms), mean 0, standard deviation `sigma`.
        mutating func normal(_ sigma: Double) -> Double {
            var sum = 0.0
            for _ in 0..<12 { sum += uniform() }
            return (sum - 6) * sigma
        }
    }

    static let samples = 2000

    func denseLayer(_ name: String, _ index: Int, _ inputs: Int, _ outputs: Int, _ random: inout Random,
                    weight: FixedPointType, bias: FixedPointType? = nil, accum: FixedPointType? = nil, result: FixedPointType,
                    reuse: Int = 1, strategy: Strategy = .latency, sigma: Double = 0.4, zeroFraction: Double = 0) -> Layer {
        var weights = [Float]()
        for _ in 0..<(inputs * outputs) {
            weights.append(random.uniform() < zeroFraction ? 0 : Float(random.normal(sigma)))
        }
        let biases = (0..<outputs).map { _ in Float(random.normal(0.5)) }
        return Layer(name: name, index: index,
                     operation: .dense(Dense(inputs: inputs, outputs: outputs, weights: weights, biases: biases,
                                             weightType: .fixed(weight), biasType: .fixed(bias ?? weight),
                                             accumType: .fixed(accum ?? result))),
                     resultType: .fixed(result), reuseFactor: reuse, strategy: strategy)
    }

    func activation(_ function: ActivationFunction, _ name: String, _ index: Int, _ size: Int, result: FixedPointType) -> Layer {
        Layer(name: name, index: index, operation: .activation(Activation(function: function, size: size)), resultType: .fixed(result))
    }

    func softmax(_ implementation: SoftmaxImplementation, _ index: Int, _ size: Int, result: FixedPointType,
                 accum: FixedPointType = .fixed(18, 8, .rnd, .sat)) -> Layer {
        Layer(name: "softmax", index: index,
              operation: .softmax(Softmax(size: size, implementation: implementation, accumType: .fixed(accum))),
              resultType: .fixed(result))
    }

    /// Runs both and compares sample for sample.
    func assertParity(_ graph: ModelGraph, inputSigma: Double = 1.5, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var random = Random(state: seed)
        var inputs = [Double]()
        inputs.reserveCapacity(Self.samples * graph.inputSize)
        for sample in 0..<Self.samples {
            for _ in 0..<graph.inputSize {
                // Mostly moderate values, every 10th sample large enough to wrap ap_fixed<16,6> inputs.
                inputs.append(random.normal(sample % 10 == 9 ? inputSigma * 12 : inputSigma))
            }
        }
        let simulated = try Simulator(graph: graph).predict(inputs)
        let rows = (0..<Self.samples).map { Array(inputs[($0 * graph.inputSize)..<(($0 + 1) * graph.inputSize)]) }
        let firmware = try HLSTestSupport.runCSim(graph, inputs: rows, label: "parity").flatMap { $0 }
        XCTAssertEqual(simulated.count, firmware.count, file: file, line: line)
        var mismatches = 0
        var first: String?
        for index in 0..<min(simulated.count, firmware.count) where simulated[index] != firmware[index] {
            mismatches += 1
            if first == nil {
                first = "sample \(index / graph.outputSize) output \(index % graph.outputSize): simulator \(simulated[index]) vs C-sim \(firmware[index])"
            }
        }
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(simulated.count) outputs differ; first: \(first ?? "")", file: file, line: line)
        // The comparison must not be vacuous: outputs vary across samples.
        XCTAssertGreaterThan(Set(firmware).count, 10, "outputs barely vary; the test would prove little", file: file, line: line)
    }

    /// The tutorial's part-1 design: 16→64→32→32→5, ReLU, softmax (stable), all ap_fixed<16,6>, RF 1.
    func testJetTaggerFixed16_6Latency() throws {
        var random = Random(state: 1)
        let t = FixedPointType.fixed(16, 6)
        let layers = [
            denseLayer("fc1", 2, 16, 64, &random, weight: t, result: t),
            activation(.relu, "relu1", 4, 64, result: t),
            denseLayer("fc2", 5, 64, 32, &random, weight: t, result: t, sigma: 0.2),
            activation(.relu, "relu2", 7, 32, result: t),
            denseLayer("fc3", 8, 32, 32, &random, weight: t, result: t, sigma: 0.25),
            activation(.relu, "relu3", 10, 32, result: t),
            denseLayer("output", 11, 32, 5, &random, weight: t, result: t, sigma: 0.3),
            softmax(.stable, 13, 5, result: t, accum: t),
        ]
        try assertParity(ModelGraph(inputName: "fc1_input", inputSize: 16, layers: layers), seed: 11)
    }

    /// Resource strategy with RF 2 and 4 and saturating accumulators (addition order matters);
    /// softmax latency with a wrapping fixed<16,6> accumulator.
    func testResourceReuse2And4SaturatingAccumulator() throws {
        var random = Random(state: 2)
        let t = FixedPointType.fixed(16, 6)
        let sat = FixedPointType.fixed(12, 4, .trn, .sat)
        XCTAssertTrue(ReuseFactorRule.isValid(2, inputs: 16, outputs: 16))
        XCTAssertTrue(ReuseFactorRule.isValid(4, inputs: 16, outputs: 8))
        let layers = [
            denseLayer("fc1", 2, 16, 16, &random, weight: t, accum: sat, result: t, reuse: 2, strategy: .resource, sigma: 0.8),
            activation(.relu, "relu1", 3, 16, result: t),
            denseLayer("fc2", 4, 16, 8, &random, weight: t, accum: sat, result: t, reuse: 4, strategy: .resource, sigma: 0.8),
            denseLayer("output", 5, 8, 5, &random, weight: t, accum: sat, result: t, reuse: 8, strategy: .resource, sigma: 0.5),
            softmax(.latency, 6, 5, result: t, accum: t),
        ]
        try assertParity(ModelGraph(inputName: "x", inputSize: 16, layers: layers), seed: 12)
    }

    /// ap_fixed<10,4> everywhere (range ±8, wraps constantly), legacy softmax.
    func testNarrowWrappingTypesLegacySoftmax() throws {
        var random = Random(state: 3)
        let t = FixedPointType.fixed(10, 4)
        let layers = [
            denseLayer("fc1", 2, 16, 16, &random, weight: t, result: t, sigma: 0.7),
            activation(.relu, "relu1", 3, 16, result: t),
            denseLayer("output", 4, 16, 5, &random, weight: t, result: t, sigma: 0.5),
            softmax(.legacy, 5, 5, result: .fixed(16, 6)),
        ]
        try assertParity(ModelGraph(inputName: "x", inputSize: 16, inputType: .fixed(t), layers: layers), seed: 13)
    }

    /// Rounding and saturation modes in every role: RND/SAT weights, RND_ZERO/SAT_SYM accumulator,
    /// QKeras-style ufixed<6,0,RND_CONV,SAT> ReLU, a BatchNormalization, argmax softmax.
    func testSaturatingRoundingModesBatchNormArgmax() throws {
        var random = Random(state: 4)
        let weight = FixedPointType.fixed(8, 3, .rnd, .sat)
        let accum = FixedPointType.fixed(14, 6, .rndZero, .satSym)
        let result = FixedPointType.fixed(12, 5, .rnd, .sat)
        let relu = FixedPointType.ufixed(6, 0, .rndConv, .sat)
        let norm = BatchNormalization(size: 12, scale: (0..<12).map { _ in Float(random.normal(1)) },
                                      bias: (0..<12).map { _ in Float(random.normal(0.5)) },
                                      scaleType: .fixed(.fixed(10, 3, .rndInf, .sat)), biasType: .fixed(.fixed(10, 3)))
        let layers = [
            denseLayer("fc1", 2, 16, 12, &random, weight: weight, accum: accum, result: result, sigma: 0.6),
            activation(.relu, "relu1", 3, 12, result: relu),
            Layer(name: "bn", index: 4, operation: .batchNormalization(norm), resultType: .fixed(.fixed(12, 4, .rndMinInf, .satZero))),
            denseLayer("output", 5, 12, 5, &random, weight: weight, accum: accum, result: result),
            softmax(.argmax, 6, 5, result: .fixed(16, 6)),
        ]
        // Argmax outputs are 0/1 only; compare the logits too with a copy that ends before the softmax.
        let graph = ModelGraph(inputName: "x", inputSize: 16, layers: layers)
        var logits = graph
        logits.layers.removeLast()
        try assertParity(logits, seed: 14)
        try assertArgmaxParity(graph, seed: 14)
    }

    func assertArgmaxParity(_ graph: ModelGraph, seed: UInt64) throws {
        var random = Random(state: seed)
        let rows = (0..<500).map { _ in (0..<graph.inputSize).map { _ in random.normal(1.5) } }
        let simulated = try Simulator(graph: graph).predict(rows.flatMap { $0 })
        let firmware = try HLSTestSupport.runCSim(graph, inputs: rows, label: "argmax").flatMap { $0 }
        XCTAssertEqual(simulated, firmware)
        XCTAssertEqual(Set(firmware), [0, 1])
    }

    /// Pruned weights (≈80 % exact zeros: latency skips them), sigmoid and tanh tables.
    func testPrunedWeightsSigmoidTanh() throws {
        var random = Random(state: 5)
        let t = FixedPointType.fixed(16, 6)
        let layers = [
            denseLayer("fc1", 2, 16, 32, &random, weight: t, result: t, sigma: 0.8, zeroFraction: 0.8),
            activation(.tanh, "tanh1", 3, 32, result: t),
            denseLayer("fc2", 4, 32, 8, &random, weight: t, result: t, sigma: 1.0, zeroFraction: 0.8),
            activation(.sigmoid, "sigmoid", 5, 8, result: .fixed(16, 6)),
        ]
        if case .dense(let dense) = layers[0].operation { XCTAssertGreaterThan(dense.zeroWeightCount, 300) }
        try assertParity(ModelGraph(inputName: "x", inputSize: 16, layers: layers), seed: 15)
    }

    /// Non-default table sizes and table types; a softmax fed by an 8-bit type, so the stable exp
    /// table shrinks to 2^(W−1) = 128 entries while table_size is 256 (as hls4ml's pass leaves it).
    func testTableSizesAndNarrowSoftmaxInput() throws {
        var random = Random(state: 7)
        let t = FixedPointType.fixed(16, 6)
        let narrow = FixedPointType.fixed(8, 3)
        let layers = [
            denseLayer("fc1", 2, 16, 12, &random, weight: t, result: .fixed(12, 4), sigma: 0.6),
            Layer(name: "sigmoid", index: 3, operation: .activation(Activation(function: .sigmoid, size: 12, tableSize: 256,
                                                                               tableType: .fixed(10, 2, .rnd, .sat))),
                  resultType: .fixed(.ufixed(8, 0, .rndConv, .sat))),
            denseLayer("fc2", 4, 12, 12, &random, weight: t, result: t, sigma: 1.5),
            Layer(name: "tanh", index: 5, operation: .activation(Activation(function: .tanh, size: 12, tableSize: 4096)),
                  resultType: .fixed(t)),
            denseLayer("output", 6, 12, 5, &random, weight: t, result: narrow, sigma: 2),
            Layer(name: "softmax", index: 7, operation: .softmax(Softmax(size: 5, tableSize: 256)), resultType: .fixed(t)),
        ]
        let graph = ModelGraph(inputName: "x", inputSize: 16, layers: layers)
        let plan = try ProjectWriter.generate(graph).first { $0.path == "firmware/parameters.h" }!.contents
        XCTAssertTrue(plan.contains("static const unsigned exp_table_size = 128;"), plan)
        try assertParity(graph, seed: 17)
    }

    /// io_stream: the same arithmetic through hls::stream of nnet::array packs: Dense (latency and
    /// Resource RF 2), ReLU, BatchNorm, tanh, stable softmax.
    func testIOStream() throws {
        var random = Random(state: 6)
        let t = FixedPointType.fixed(16, 6)
        let layers = [
            denseLayer("fc1", 2, 16, 32, &random, weight: t, result: t),
            activation(.relu, "relu1", 4, 32, result: t),
            denseLayer("fc2", 5, 32, 16, &random, weight: t, accum: .fixed(14, 5, .trn, .sat), result: t, reuse: 2, strategy: .resource, sigma: 0.4),
            activation(.relu, "relu2", 7, 16, result: .ufixed(8, 3, .rndConv, .sat)),
            Layer(name: "bn", index: 8, operation: .batchNormalization(BatchNormalization(
                size: 16, scale: (0..<16).map { _ in Float(random.normal(1)) }, bias: (0..<16).map { _ in Float(random.normal(0.5)) })),
                resultType: .fixed(t)),
            activation(.tanh, "tanh", 9, 16, result: t),
            denseLayer("output", 10, 16, 5, &random, weight: t, result: t, sigma: 1),
            softmax(.stable, 12, 5, result: t),
        ]
        try assertParity(ModelGraph(inputName: "fc1_input", inputSize: 16, layers: layers,
                                    target: HardwareTarget(ioType: .stream)), seed: 16)
    }
}
