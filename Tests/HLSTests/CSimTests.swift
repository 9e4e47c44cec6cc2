import Foundation
import XCTest
import FixedPoint
import ModelGraph
import Support
@testable import HLS

/// The generated C++ compiled with g++ against the real ap_types headers, checked against values
/// worked out by hand (independent of both the writer and the Swift simulator).
final class CSimTests: XCTestCase {
    let t16 = FixedPointType.fixed(16, 6)

    func tiny(strategy: Strategy, reuse: Int, io: IOType = .parallel) -> ModelGraph {
        let fc = HLSTestSupport.dense("fc1", index: 2, inputs: 3, outputs: 2, weights: [0.5, 1, 0, -1, 2, 0.25],
                                      biases: [0.125, -0.5], type: t16, reuse: reuse, strategy: strategy)
        return ModelGraph(inputName: "fc1_input", inputSize: 3, layers: [fc], target: HardwareTarget(ioType: io))
    }

    /// y0 = 0.125 + 1.5·0.5 + (−2.25)·0 + 0.5·2 = 1.875; y1 = −0.5 + 1.5 + 2.25 + 0.125 = 3.375.
    /// Second sample: inputs floor to 2^−10 (0.1 → 102/1024, −0.2 → −205/1024, 0.3 → 307/1024).
    func testDenseHandWorkedAllStrategiesAndIO() throws {
        let inputs: [[Double]] = [[1.5, -2.25, 0.5], [0.1, -0.2, 0.3]]
        let x = [102.0, -205.0, 307.0].map { $0 / 1024 }
        // Products are exact here (multiples of 2^-10 times 0.5, 1, 2, 0.25 → floor to 2^-10).
        func floor10(_ v: Double) -> Double { (v * 1024).rounded(.down) / 1024 }
        let y0 = 0.125 + floor10(x[0] * 0.5) + floor10(x[2] * 2)
        let y1 = -0.5 + x[0] - x[1] + floor10(x[2] * 0.25)
        let expected: [[Double]] = [[1.875, 3.375], [y0, y1]]
        for (strategy, reuse, io) in [(Strategy.latency, 1, IOType.parallel), (.resource, 3, .parallel), (.resource, 2, .stream),
                                      (.latency, 1, .stream)] where ReuseFactorRule.isValid(reuse, inputs: 3, outputs: 2) || strategy == .latency {
            let result = try HLSTestSupport.runCSim(tiny(strategy: strategy, reuse: reuse, io: io), inputs: inputs, label: "tiny")
            XCTAssertEqual(result, expected, "\(strategy) RF\(reuse) \(io)")
        }
    }

    /// With a saturating accumulator the order of additions matters (facts §3.3):
    /// fixed<8,3,TRN,SAT> saturates at [−4, 3.96875]; x = 1 everywhere, w = (3,3,3,3,−3,−3,−3,−3).
    /// Latency (i ascending): 3, 3.96875, 3.96875, 3.96875, 0.96875, −2.03125, −4, −4 → −4.
    /// Resource R=4, order (i mod 4, i div 4) = 0,4,1,5,2,6,3,7: 3,0,3,0,3,0,3,0 → 0.
    /// Resource R=2, order 0,2,4,6,1,3,5,7 (w 3,3,−3,−3,3,3,−3,−3): → −2.03125.
    /// Resource R=8 (≥ n_in): ascending, as Latency → −4.
    func testResourceAccumulationOrderWithSaturation() throws {
        let sat = FixedPointType.fixed(8, 3, .trn, .sat)
        let weights: [Float] = [3, 3, 3, 3, -3, -3, -3, -3]
        func graph(_ strategy: Strategy, _ reuse: Int) -> ModelGraph {
            let fc = HLSTestSupport.dense("fc1", index: 2, inputs: 8, outputs: 1, weights: weights, biases: [0],
                                          type: .fixed(8, 3), accum: sat, reuse: reuse, strategy: strategy)
            return ModelGraph(inputName: "x", inputSize: 8, inputType: .fixed(.fixed(8, 3)), layers: [fc])
        }
        let ones: [[Double]] = [[Double](repeating: 1, count: 8)]
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.latency, 1), inputs: ones, label: "sat"), [[-4]])
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.resource, 4), inputs: ones, label: "sat"), [[0]])
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.resource, 2), inputs: ones, label: "sat"), [[-2.03125]])
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.resource, 8), inputs: ones, label: "sat"), [[-4]])
    }

    /// Softmax variants on two logits, worked out from facts §3.6 by hand.
    func testSoftmaxVariantsHandWorked() throws {
        func graph(_ implementation: SoftmaxImplementation) -> ModelGraph {
            let softmax = Layer(name: "softmax", index: 2, operation: .softmax(Softmax(size: 2, implementation: implementation)),
                                resultType: .fixed(t16))
            return ModelGraph(inputName: "x", inputSize: 2, layers: [softmax])
        }
        // stable: x = (1.875, 3.375): d = (1.5, 0) → exp table entries exp(−48/32) and 1;
        // e0 = RND(exp(−1.5)·2^10)/2^10 = 229/1024 (0.2231·1024 = 228.5 → RND up), in accum fixed<18,8,RND,SAT>.
        // sum = 1253/1024 → top 10 bits of fixed<18,8>: floor(1253/256) = 4 → value 1.0 → inverse 1.0.
        let e0 = (exp(-1.5) * 1024).rounded(.toNearestOrAwayFromZero) / 1024
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.stable), inputs: [[1.875, 3.375]], label: "sm"), [[e0, 1]])
        // argmax: first maximum.
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.argmax), inputs: [[2, 2], [1, 3]], label: "sm"), [[1, 0], [0, 1]])
        // legacy: y_i = inv[trunc(Σ_j exp(x_j − x_i)·16)]; x = (0, 0): sums 2 → index 32 → 1/(64·32/1024) = 0.5.
        XCTAssertEqual(try HLSTestSupport.runCSim(graph(.legacy), inputs: [[0, 0]], label: "sm"), [[0.5, 0.5]])
    }

    /// Sigmoid table (facts §3.5): x = −1.3 (→ −1331/1024) indexes trunc0(−1331/16) + 512 = −83 + 512 = 429,
    /// v = 16·(429 − 512)/1024 = −1.296875, table fixed<18,8> floors 1/(1+e^1.296875) to 2^−10.
    func testSigmoidTableHandWorked() throws {
        let layer = Layer(name: "sig", index: 2, operation: .activation(Activation(function: .sigmoid, size: 1)), resultType: .fixed(t16))
        let graph = ModelGraph(inputName: "x", inputSize: 1, layers: [layer])
        let v = 16.0 * (429.0 - 512.0) / 1024.0
        let expected = ((1.0 / (1.0 + exp(-v))) * 1024).rounded(.down) / 1024
        XCTAssertEqual(try HLSTestSupport.runCSim(graph, inputs: [[-1.3]], label: "sig"), [[expected]])
    }

    func testCompilesWithoutWarningsOutsideVendorHeaders() throws {
        let apTypes = try HLSTestSupport.apTypesOrSkip()
        let directory = HLSTestSupport.temporaryDirectory("warn")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Every layer kind and both IO types.
        for io in [IOType.parallel, .stream] {
            let project = directory + "/\(io.rawValue)"
            let fc = HLSTestSupport.dense("fc1", index: 2, inputs: 3, outputs: 2, weights: [0.5, 1, 0, -1, 2, 0.25],
                                          biases: [0.125, -0.5], type: t16, reuse: 3, strategy: .resource)
            let layers = [
                fc,
                Layer(name: "sig", index: 3, operation: .activation(Activation(function: .sigmoid, size: 2))),
                Layer(name: "th", index: 4, operation: .activation(Activation(function: .tanh, size: 2))),
                Layer(name: "bn", index: 5, operation: .batchNormalization(BatchNormalization(size: 2, scale: [0.5, 2], bias: [1, -1]))),
                Layer(name: "lin", index: 6, operation: .activation(Activation(function: .linear, size: 2)), resultType: .fixed(.fixed(10, 4))),
                Layer(name: "relu", index: 7, operation: .activation(Activation(function: .relu, size: 2))),
                Layer(name: "sm", index: 8, operation: .softmax(Softmax(size: 2, implementation: .legacy))),
                Layer(name: "sm2", index: 9, operation: .softmax(Softmax(size: 2, implementation: .latency))),
                Layer(name: "sm3", index: 10, operation: .softmax(Softmax(size: 2))),
            ]
            let graph = ModelGraph(inputName: "in", inputSize: 3, layers: layers, target: HardwareTarget(ioType: io))
            try ProjectWriter.write(graph, to: project)
            // The templates at -O2 (flow-dependent warnings); testbench and bridge at -O0 (cheaper, same syntax checks).
            for (source, level) in [("firmware/myproject.cpp", "-O2"), ("myproject_test.cpp", "-O0"), ("myproject_bridge.cpp", "-O0")] {
                let result = try CSimRunner.execute("g++", arguments: ["-std=c++17", level, "-Wall", "-Wextra", "-isystem", apTypes,
                                                                      "-Ifirmware", "-c", source, "-o", "/dev/null"],
                                                    in: project, searchPath: true)
                XCTAssertEqual(result.status, 0, result.errors)
                let ours = result.errors.split(separator: "\n").filter { $0.contains("warning:") && !$0.hasPrefix(apTypes) }
                XCTAssertEqual(ours, [], "\(io) \(source)")
            }
        }
    }

    func testCSimErrorsAreUserErrors() throws {
        _ = try HLSTestSupport.apTypesOrSkip()
        XCTAssertThrowsError(try CSimRunner.run(projectDirectory: "/nonexistent/prj", inputs: NPYArray(shape: [1], values: [0]))) {
            XCTAssertTrue($0 is UserError)
        }
        let directory = HLSTestSupport.temporaryDirectory("err")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ProjectWriter.write(tiny(strategy: .latency, reuse: 1), to: directory + "/prj")
        XCTAssertThrowsError(try CSimRunner.run(projectDirectory: directory + "/prj", inputs: NPYArray(shape: [1, 2], values: [0, 0]))) {
            XCTAssertTrue("\($0)".contains("3 features"), "\($0)")
        }
    }
}
