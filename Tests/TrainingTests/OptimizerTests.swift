import XCTest
@testable import Training

/// Optimizer steps computed by hand from Keras's formulas on a model whose gradient is known.
final class OptimizerTests: XCTestCase {
    /// Dense(1 → 2, zeros) + softmax, input 1, label 0: logits 0, p = ½, ∂L/∂z = (−½, +½), so the
    /// kernel and bias gradients are both (−½, +½) (+ l1·sign(w), which is 0 at w = 0).
    private func zeroModel(l1: Float = 0) throws -> Model {
        try Model(inputSize: 1, layers: [
            .dense("out", units: 2, activation: .softmax, kernelInitializer: .zeros, kernelRegularizer: .l1(l1)),
        ], seed: 0)
    }

    private func step(_ network: Network, _ optimizer: Optimizer, iteration: Int) {
        network.input[0] = 1
        network.labels[0] = 0
        network.forward(rows: 1)
        _ = network.crossEntropy(rows: 1, gradient: true)
        network.backward(rows: 1)
        network.update(optimizer: optimizer, learningRate: optimizer.learningRate, iteration: iteration)
    }

    func testAdamTwoStepsByHand() throws {
        let network = try Network(model: try zeroModel(l1: 0.1), maxBatch: 1)
        let adam = Optimizer.adam(learningRate: 0.01)
        step(network, adam, iteration: 0)
        // Step 1: g = −½ for w0. m = 0.1·g, v = 0.001·g², α = 0.01·√(1−0.999)/(1−0.9).
        var g = -0.5
        var m = 0.1 * g, v = 0.001 * g * g
        var alpha = 0.01 * (1 - 0.999).squareRoot() / (1 - 0.9)
        let w = 0 - alpha * m / (v.squareRoot() + 1e-7)
        var model = network.currentModel()
        XCTAssertEqual(Double(model.layers[0].dense!.kernel[0]), w, accuracy: 1e-8)
        XCTAssertEqual(Double(model.layers[0].dense!.kernel[1]), -w, accuracy: 1e-8)
        XCTAssertEqual(Double(model.layers[0].dense!.bias[0]), w, accuracy: 1e-8)
        XCTAssertEqual(w, 0.0099999368, accuracy: 1e-9)
        // Step 2: z = (w + b, −w − b) = (2w, −2w); p0 = 1/(1+e^{−4w}); ∂L/∂z0 = p0 − 1; the kernel gets
        // the L1 term 0.1·sign(w0) = +0.1, the bias does not.
        step(network, adam, iteration: 1)
        let p0 = 1 / (1 + exp(-4 * w))
        g = (p0 - 1) + 0.1
        m = m + (g - m) * 0.1
        v = v + (g * g - v) * 0.001
        alpha = 0.01 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.9 * 0.9)
        let w2 = w - alpha * m / (v.squareRoot() + 1e-7)
        model = network.currentModel()
        XCTAssertEqual(Double(model.layers[0].dense!.kernel[0]), w2, accuracy: 1e-7)
        _ = w
    }

    func testSGDMomentumByHand() throws {
        let network = try Network(model: try zeroModel(), maxBatch: 1)
        let sgd = Optimizer.sgd(learningRate: 0.1, momentum: 0.9)
        step(network, sgd, iteration: 0)
        // v = −0.1·(−½) = 0.05, w = 0.05.
        XCTAssertEqual(network.currentModel().layers[0].dense!.kernel[0], 0.05, accuracy: 1e-8)
        step(network, sgd, iteration: 1)
        // z = (0.1, −0.1): p0 = 1/(1+e^{−0.2}), g = p0 − 1; v = 0.9·0.05 − 0.1·g; w = 0.05 + v.
        let g = 1 / (1 + exp(-0.2)) - 1
        let expected = 0.05 + (0.9 * 0.05 - 0.1 * g)
        XCTAssertEqual(Double(network.currentModel().layers[0].dense!.kernel[0]), expected, accuracy: 1e-7)
    }

    func testNesterovByHand() throws {
        let network = try Network(model: try zeroModel(), maxBatch: 1)
        step(network, .sgd(learningRate: 0.1, momentum: 0.9, nesterov: true), iteration: 0)
        // g = −½: v = 0.05; w += 0.9·v − lr·g = 0.045 + 0.05.
        XCTAssertEqual(network.currentModel().layers[0].dense!.kernel[0], 0.095, accuracy: 1e-8)
        XCTAssertEqual(network.currentModel().layers[0].dense!.kernel[1], -0.095, accuracy: 1e-8)
    }

    func testKerasDefaults() {
        guard case .adam(let lr, let b1, let b2, let eps) = Optimizer.adam else { return XCTFail() }
        XCTAssertEqual([lr, b1, b2, eps], [1e-3, 0.9, 0.999, 1e-7])
        XCTAssertThrowsError(try Optimizer.adam(learningRate: -1).validate())
    }
}

/// Initializer ranges and statistics (Keras formulas), and seeding.
final class InitializerTests: XCTestCase {
    func testRangesAndMoments() {
        var g = Xoshiro256(seed: 7)
        let fanIn = 50, fanOut = 400
        let n = Double(fanIn * fanOut)
        func moments(_ v: [Float]) -> (mean: Double, variance: Double) {
            let mean = v.reduce(0.0) { $0 + Double($1) } / n
            return (mean, v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n)
        }
        let lecun = Initializer.lecunUniform.values(fanIn: fanIn, fanOut: fanOut, using: &g)
        let lecunLimit = Float((3.0 / Double(fanIn)).squareRoot())
        XCTAssertTrue(lecun.allSatisfy { abs($0) <= lecunLimit })
        XCTAssertGreaterThan(lecun.map(abs).max()!, 0.99 * lecunLimit)
        let lm = moments(lecun)
        XCTAssertEqual(lm.mean, 0, accuracy: 0.003)
        XCTAssertEqual(lm.variance, 1.0 / Double(fanIn), accuracy: 0.03 / Double(fanIn))   // limit²/3

        let glorot = Initializer.glorotUniform.values(fanIn: fanIn, fanOut: fanOut, using: &g)
        let glorotLimit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        XCTAssertTrue(glorot.allSatisfy { abs($0) <= glorotLimit })
        XCTAssertEqual(moments(glorot).variance, 2.0 / Double(fanIn + fanOut), accuracy: 0.03 * 2 / Double(fanIn + fanOut))

        let he = Initializer.heNormal.values(fanIn: fanIn, fanOut: fanOut, using: &g)
        let sigma = (2.0 / Double(fanIn)).squareRoot() / 0.87962566103423978
        XCTAssertTrue(he.allSatisfy { Double(abs($0)) <= 2 * sigma + 1e-6 })   // truncated at 2σ
        // The truncation correction makes the variance exactly 2/fan_in.
        XCTAssertEqual(moments(he).variance, 2.0 / Double(fanIn), accuracy: 0.04 * 2 / Double(fanIn))
        XCTAssertEqual(moments(he).mean, 0, accuracy: 0.005)

        XCTAssertTrue(Initializer.zeros.values(fanIn: 3, fanOut: 4, using: &g).allSatisfy { $0 == 0 })
    }

    func testSeededModelsAreReproducible() throws {
        let a = try Model.jetTagger(seed: 42)
        let b = try Model.jetTagger(seed: 42)
        let c = try Model.jetTagger(seed: 43)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a.parameterCount, 4389)   // 1088 + 2080 + 1056 + 165 (facts §8.2)
        XCTAssertTrue(a.summary().contains("fc1 (Dense)"))
        XCTAssertTrue(a.summary().hasSuffix("Total params: 4389"))
        XCTAssertTrue(a.layers.allSatisfy { $0.dense?.bias.allSatisfy { $0 == 0 } ?? true })
    }
}

final class QInitializerTests: XCTestCase {
    /// quantized_bits(2,0,alpha=1): resolution 1·2^−2 = 0.25 exceeds lecun_uniform's std 0.1 at fan-in
    /// 100, and every drawn weight (|x| < 0.174) quantizes to 0, so the variance scale becomes
    /// q.max()/rms(x) ≈ 1/0.1 = 10: the redrawn kernel has std ≈ √10·0.1 ≈ 0.32 (clipped at ±1).
    func testNarrowQuantizerRescalesTheInitialKernel() throws {
        let model = try Model(inputSize: 100, layers: [
            .qDense("fc", units: 50, kernelQuantizer: .bits(2, 0, alpha: .value(1)), biasQuantizer: nil,
                    kernelInitializer: .lecunUniform),
        ], seed: 8)
        let k = model.layers[0].dense!.kernel
        let std = (k.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(k.count)).squareRoot()
        XCTAssertEqual(std, 10.0.squareRoot() * 0.1, accuracy: 0.02)
        XCTAssertTrue(k.allSatisfy { abs($0) <= Float((3.0 * 10.5 / 100).squareRoot()) })
        // The tutorial's 6-bit quantizer (resolution 1/64 < std) keeps lecun_uniform unchanged.
        let tutorial = try Model.jetTagger(seed: 8, weightQuantizer: .bits(6, 0, alpha: .value(1)), activationQuantizer: .relu(6))
        let float = try Model.jetTagger(seed: 8)
        XCTAssertEqual(tutorial.layers.compactMap(\.dense).map(\.kernel), float.layers.compactMap(\.dense).map(\.kernel))
    }
}
