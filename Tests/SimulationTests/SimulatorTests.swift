import XCTest
import FixedPoint
import ModelGraph
import Simulation
import Support

/// Hand-worked cases of facts §3 on tiny graphs (expected values computed by hand in the comments).
final class SimulatorTests: XCTestCase {
    static let lsb = 1.0 / 1024

    func denseGraph(inputs: Int, outputs: Int, weights: [Float], biases: [Float], accum: FixedPointType = .fixed(16, 6),
                    result: FixedPointType = .fixed(16, 6), strategy: Strategy = .latency, reuse: Int = 1,
                    extra: [Layer] = []) -> ModelGraph {
        let dense = Dense(inputs: inputs, outputs: outputs, weights: weights, biases: biases, accumType: .fixed(accum))
        let layers = [Layer(name: "fc1", index: 2, operation: .dense(dense), resultType: .fixed(result),
                            reuseFactor: reuse, strategy: strategy)] + extra
        return ModelGraph(inputName: "in", inputSize: inputs, layers: layers)
    }

    func testEveryProductIsFlooredToTheAccumulator() throws {
        // x = (+1 LSB, −1 LSB), w = 0.5: products ±2^−11 floor to 0 and −1 LSB; exact math would give 0.
        let graph = denseGraph(inputs: 2, outputs: 1, weights: [0.5, 0.5], biases: [0])
        let out = try Simulator(graph: graph).predict([Self.lsb, -Self.lsb])
        XCTAssertEqual(out, [-Self.lsb])
    }

    func testWrapAndSaturateAccumulators() throws {
        // 20 + 20 = 40 wraps in fixed<16,6> to 40 − 64 = −24; a SAT accumulator holds 32 − 2^−10.
        let wrap = try Simulator(graph: denseGraph(inputs: 2, outputs: 1, weights: [1, 1], biases: [0]))
        XCTAssertEqual(try wrap.predict([20, 20]), [-24])
        let sat = try Simulator(graph: denseGraph(inputs: 2, outputs: 1, weights: [1, 1], biases: [0], accum: .fixed(16, 6, .trn, .sat)))
        XCTAssertEqual(try sat.predict([20, 20]), [32 - Self.lsb])
        // Overflow accounting: the WRAP accumulator wrapped once (second partial sum), the SAT one saturated once.
        let wrapped = try wrap.run([20, 20]).overflows!
        XCTAssertEqual(wrapped.map(\.layer), ["input", "fc1"])
        XCTAssertEqual(wrapped[1].accumulatorOverflows, 1)
        XCTAssertEqual(wrapped[1].resultOverflows, 0)
        XCTAssertEqual(wrapped[1].accumulatorCasts, 1 + 2 * 2)
        XCTAssertEqual(try sat.run([20, 20]).overflows![1].accumulatorOverflows, 1)
        // Input 40 does not fit input_t: floor then wrap to −24, counted at the input.
        let input = try wrap.run([40, 0])
        XCTAssertEqual(input.outputs, [-24])
        XCTAssertEqual(input.overflows![0].resultOverflows, 1)
    }

    func testResourceOrderMattersWithSaturation() throws {
        // n_in = 4, R = 2: inputs are added in the order 0, 2, 1, 3 (i mod R, i div R).
        // Latency: 30 − 30 + 30 + 0 = 30.  Resource: 30 + 30 → 31.999 (SAT), −30 → 1.999..., + 0.
        let weights: [Float] = [1, 1, 1, 1]
        let x: [Double] = [30, -30, 30, 0]
        let latency = try Simulator(graph: denseGraph(inputs: 4, outputs: 1, weights: weights, biases: [0], accum: .fixed(16, 6, .trn, .sat)))
        XCTAssertEqual(try latency.predict(x), [30])
        let resource = try Simulator(graph: denseGraph(inputs: 4, outputs: 1, weights: weights, biases: [0], accum: .fixed(16, 6, .trn, .sat),
                                                       strategy: .resource, reuse: 2))
        XCTAssertEqual(try resource.predict(x), [2 - Self.lsb])
        // With the default WRAP accumulator the order does not matter (facts §3.3).
        let resourceWrap = try Simulator(graph: denseGraph(inputs: 4, outputs: 1, weights: weights, biases: [0], strategy: .resource, reuse: 2))
        XCTAssertEqual(try resourceWrap.predict(x), [30])
    }

    func testBiasFirstThenReLUWithRoundingSaturatingResult() throws {
        // y = relu(b + x·w) into ufixed<6,0,RND_CONV,SAT>: 0.3 + 0.1·1 (both floored to 2^−10: 307 + 102 = 409 LSB)
        // = 0.3994140625 → RND_CONV to 2^−6: 25.5625 → 26/64 = 0.40625. Negative → 0; large → 63/64.
        let relu = Layer(name: "relu1", index: 4, operation: .activation(Activation(function: .relu, size: 3)),
                         resultType: .fixed(.ufixed(6, 0, .rndConv, .sat)))
        let graph = denseGraph(inputs: 1, outputs: 3, weights: [1, -1, 1], biases: [0.3, 0, 5], extra: [relu])
        let out = try Simulator(graph: graph).predict([0.1])
        XCTAssertEqual(out, [26.0 / 64, 0, 63.0 / 64])
    }

    func softmaxGraph(_ n: Int, implementation: SoftmaxImplementation = .stable) -> ModelGraph {
        // The conformance configuration: accum_t = model default fixed<16,6>, tables fixed<18,8,RND,SAT>.
        let softmax = Softmax(size: n, implementation: implementation, accumType: .fixed(.fixed(16, 6)))
        let linear = Layer(name: "lin", index: 2, operation: .activation(Activation(function: .linear, size: n)))
        return ModelGraph(inputName: "in", inputSize: n,
                          layers: [linear, Layer(name: "softmax", index: 3, operation: .softmax(softmax))])
    }

    func testStableSoftmaxHandWorked() throws {
        // Equal logits: e = 1.0 each, sum 5.0 → inv_inp raw 5120 → index 20 → inv_table[20] = 0.2001953125.
        let five = try Simulator(graph: softmaxGraph(5)).predict([Double](repeating: 1.5, count: 5))
        XCTAssertEqual(five, [Double](repeating: 0.2001953125, count: 5))
        // Logits (0, −1/32): d = (0, 1/32) → exp_table[0] = 1, exp_table[1] = 0.96875; sum 1.96875 → raw 2016
        // → index 7 (value 1.75) → 1/1.75 RND to 2^−10 = 585/1024. y0 = 585/1024; y1 = floor(0.96875·585) = 566 LSB.
        let two = try Simulator(graph: softmaxGraph(2)).run([0, -1.0 / 32], options: SimulationOptions(keepLogits: true))
        XCTAssertEqual(two.outputs, [585.0 / 1024, 566.0 / 1024])
        XCTAssertEqual(two.logits, [0, -1.0 / 32])
    }

    func testArgmaxAndLatencySoftmax() throws {
        let argmax = try Simulator(graph: softmaxGraph(4, implementation: .argmax)).predict([0.5, 2, -1, 2])
        XCTAssertEqual(argmax, [0, 1, 0, 0])
        // Latency: exp table indexed by the signed input: x = 0 → index 0 → e^0 = 1; two zeros sum 2.0
        // → inv raw 2048 → index 8 (value 2) → 0.5 → y = 0.5 each.
        let latency = try Simulator(graph: softmaxGraph(2, implementation: .latency)).predict([0, 0])
        XCTAssertEqual(latency, [0.5, 0.5])
    }

    func testSigmoidAndTanhTables() throws {
        func graph(_ function: ActivationFunction) -> ModelGraph {
            ModelGraph(inputName: "in", inputSize: 3, layers: [
                Layer(name: "act", index: 2, operation: .activation(Activation(function: function, size: 3)))])
        }
        // sigmoid: x = 0 → index 512 → 0.5; x = 1 → index 576, v = 1.0 → 0.7310586 floored to 2^−10 = 748/1024;
        // x = −20 → clamped to index 0, v = −8 → 0.000335 → 0.
        XCTAssertEqual(try Simulator(graph: graph(.sigmoid)).predict([0, 1, -20]), [0.5, 748.0 / 1024, 0])
        // tanh: x = 0.5 → index 576, v = 0.5 → 0.46211716 → 473/1024; x = 10 → index 1023, v = 3.9921875 → 0.99931 → 1023/1024.
        XCTAssertEqual(try Simulator(graph: graph(.tanh)).predict([0, 0.5, 10]), [0, 473.0 / 1024, 1023.0 / 1024])
    }

    func testBatchNormalizationIsOneCast() throws {
        // x·scale + bias exactly, one floor at the end: 1.5·0.25 + 2^−10 = 0.3759765625 (representable);
        // −2^−10·0.25 + 0 = −2^−12 → floor → −1 LSB.
        let norm = BatchNormalization(size: 2, scale: [0.25, 0.25], bias: [Float(Self.lsb), 0])
        let graph = ModelGraph(inputName: "in", inputSize: 2, layers: [
            Layer(name: "bn", index: 2, operation: .batchNormalization(norm))])
        XCTAssertEqual(try Simulator(graph: graph).predict([1.5, -Self.lsb]), [0.3759765625, -Self.lsb])
    }

    func testAutoPrecisionIsAUserErrorNamingTheLayer() {
        var graph = denseGraph(inputs: 2, outputs: 1, weights: [1, 1], biases: [0])
        graph.layers[0].resultType = .auto
        XCTAssertThrowsError(try Simulator(graph: graph)) { error in
            let text = (error as? UserError)?.description ?? ""
            XCTAssertTrue(text.contains("fc1") && text.contains("auto"), text)
        }
        var mismatched = denseGraph(inputs: 2, outputs: 1, weights: [1, 1], biases: [0])
        mismatched.inputSize = 3
        XCTAssertThrowsError(try Simulator(graph: mismatched)) { XCTAssertTrue($0 is UserError) }
        XCTAssertThrowsError(try Simulator(graph: denseGraph(inputs: 2, outputs: 1, weights: [1, 1], biases: [0])).run([1, 2, 3])) {
            XCTAssertTrue($0 is UserError)
        }
    }

    func testFloat32InputRounding() throws {
        // 0.1 as double floors to 102 LSB; as float32 (0.100000001490116) also 102; pick a value that differs:
        // 3·2^−10 − 1e−12 floors to 2 LSB as double, but rounds to 3·2^−10 as float32 → 3 LSB.
        let graph = ModelGraph(inputName: "in", inputSize: 1, layers: [
            Layer(name: "lin", index: 2, operation: .activation(Activation(function: .linear, size: 1)))])
        let x = 3.0 / 1024 - 1e-12
        let simulator = try Simulator(graph: graph)
        XCTAssertEqual(try simulator.predict([x]), [2.0 / 1024])
        XCTAssertEqual(try simulator.predict([x], roundInputsToFloat32: true), [3.0 / 1024])
    }

    func testTraceAndLogits() throws {
        // Trace: every layer's output; the last equals the outputs, the Dense before softmax equals the logits,
        // ReLU outputs are the non-negative parts of the preceding Dense outputs.
        let graph = SimulationBenchmark.jetTaggerGraph()
        let x = SimulationBenchmark.inputs(samples: 50)
        let result = try Simulator(graph: graph).run(x, options: SimulationOptions(trace: true, keepLogits: true))
        let trace = try XCTUnwrap(result.trace)
        XCTAssertEqual(trace.map(\.layer), graph.layers.map(\.name))
        XCTAssertEqual(trace.last?.values, result.outputs)
        XCTAssertEqual(trace[trace.count - 2].values, result.logits)
        XCTAssertEqual(trace[1].values, trace[0].values.map { max($0, 0) })
        XCTAssertEqual(trace[0].values.count, 50 * 64)
    }

    func testInputConversionEqualsTheConversionRule() throws {
        // The simulator's inlined input cast against FixedPointType.convert (proven against ap_types),
        // for ordinary, tie, huge, tiny and non-finite values, for the default and a rounding input_t.
        var values: [Double] = [0, -0.0, 1e300, -1e300, .infinity, -.infinity, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 31.99951171875, -32, 32, 33.7, -33.7]
        var generator = SimulationBenchmark.Generator(state: 11)
        for _ in 0..<2000 { values.append(generator.uniform() * 80) }
        for k in -70...70 { values.append(Double(k) / 2048) }
        for type in [FixedPointType.fixed(16, 6), .fixed(12, 3, .rnd, .sat), .ufixed(10, 4)] {
            let graph = ModelGraph(inputName: "in", inputSize: 1, inputType: .fixed(type), layers: [])
            let result = try Simulator(graph: graph).run(values)
            let expected = values.map { type.toDouble(raw: type.convert($0).raw) }
            XCTAssertEqual(result.outputs, expected, "\(type)")
            XCTAssertEqual(result.overflows?[0].resultOverflows, values.filter { type.convert($0).overflowed }.count, "\(type)")
        }
    }
}
