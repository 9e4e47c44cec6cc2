import XCTest
@testable import Training

/// Trainer gradients (including L1/L2 and the fused softmax + cross-entropy) against Double central
/// differences of an independent naive reference network.
final class GradientTests: XCTestCase {
    /// The full gradient the optimizer applies, read back through one plain SGD step with lr = 1:
    /// g = w_before − w_after.
    private func trainerGradients(_ model: Model, _ data: LabeledData) throws -> [(kernel: [Double], bias: [Double])] {
        let network = try Network(model: model, maxBatch: data.count)
        network.loadContiguous(features: data.features, labels: data.labels, first: 0, rows: data.count)
        network.forward(rows: data.count)
        _ = network.crossEntropy(rows: data.count, gradient: true)
        network.backward(rows: data.count)
        network.update(optimizer: .sgd(learningRate: 1), learningRate: 1, iteration: 0)
        let after = network.currentModel()
        return zip(model.layers, after.layers).compactMap { before, after in
            guard let b = before.dense, let a = after.dense else { return nil }
            return (zip(b.kernel, a.kernel).map { Double($0) - Double($1) },
                    zip(b.bias, a.bias).map { Double($0) - Double($1) })
        }
    }

    private func checkAgainstFiniteDifferences(_ model: Model, _ data: LabeledData,
                                               extraKernelGradient: (Int, Int) -> Double = { _, _ in 0 }) throws {
        let analytic = try trainerGradients(model, data)
        let reference = ReferenceNetwork(model)
        let x = data.features.map(Double.init)
        let h = 1e-5
        var largest = 0.0
        for (layer, grads) in analytic.enumerated() {
            for (isKernel, values) in [(true, grads.kernel), (false, grads.bias)] {
                for (i, g) in values.enumerated() {
                    var plus = reference, minus = reference
                    plus.perturb(dense: layer, kernel: isKernel, index: i, by: h)
                    minus.perturb(dense: layer, kernel: isKernel, index: i, by: -h)
                    var numeric = (plus.loss(x, labels: data.labels) - minus.loss(x, labels: data.labels)) / (2 * h)
                    if isKernel { numeric += extraKernelGradient(layer, i) }
                    largest = max(largest, abs(numeric))
                    XCTAssertEqual(g, numeric, accuracy: 3e-5 + 2e-3 * abs(numeric),
                                   "layer \(layer) \(isKernel ? "kernel" : "bias")[\(i)]")
                }
            }
        }
        XCTAssertGreaterThan(largest, 0.05, "gradients too small to test anything")
    }

    func testFloatModelWithRegularizersAndFusedSoftmax() throws {
        let model = try Model(inputSize: 3, layers: [
            .dense("a", units: 5, activation: .tanh, kernelInitializer: .glorotUniform, kernelRegularizer: .l1(0.01)),
            .dense("b", units: 4, kernelInitializer: .heNormal, kernelRegularizer: .l2(0.02)),
            .activation("b_relu", .relu),
            .dense("c", units: 4, activation: .sigmoid, kernelInitializer: .lecunUniform,
                   kernelRegularizer: Regularizer(l1: 0.005, l2: 0.03)),
            .dense("d", units: 3, kernelInitializer: .glorotUniform),
            .activation("softmax", .softmax),
        ], seed: 11)
        let data = blobs(rows: 7, features: 3, classes: 3, seed: 5)
        try checkAgainstFiniteDifferences(model, data)
    }

    /// The trainer's forward pass (BLAS, fused activations) against the naive Double reference.
    func testForwardMatchesReference() throws {
        let model = try Model(inputSize: 3, layers: [
            .dense("a", units: 9, activation: .tanh, kernelInitializer: .glorotUniform),
            .dense("b", units: 8, kernelInitializer: .heNormal), .activation("b_relu", .relu),
            .dense("c", units: 7, activation: .sigmoid, kernelInitializer: .lecunUniform),
            .dense("d", units: 4, kernelInitializer: .glorotUniform), .activation("softmax", .softmax),
        ], seed: 13)
        let data = blobs(rows: 40, features: 3, classes: 4, seed: 3)
        let p = try model.predict(data.features, batchSize: 16)
        let reference = ReferenceNetwork(model)
        for r in 0..<40 {
            let expected = reference.outputs((0..<3).map { Double(data.features[r * 3 + $0]) })
            for j in 0..<4 { XCTAssertEqual(Double(p[r * 4 + j]), expected[j], accuracy: 2e-6) }
        }
    }

    func testSoftmaxAsDenseActivation() throws {
        let model = try Model(inputSize: 4, layers: [
            .dense("a", units: 6, activation: .relu, kernelInitializer: .heNormal),
            .dense("out", units: 5, activation: .softmax, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(0.02)),
        ], seed: 4)
        try checkAgainstFiniteDifferences(model, blobs(rows: 9, features: 4, classes: 5, seed: 8))
    }

    /// QDense: gradients pass straight through the quantizers, so the latent-weight gradient equals
    /// the float gradient at the quantized weights (plus the regularizer on the latent weights).
    func testQDenseStraightThroughGradient() throws {
        let model = try Model(inputSize: 3, layers: [
            .qDense("q", units: 4, kernelQuantizer: .bits(8, 1, alpha: .value(1)), biasQuantizer: .bits(8, 1, alpha: .value(1)),
                    kernelInitializer: .glorotUniform, kernelRegularizer: .l1(0.01)),
            .activation("relu", .relu),
            .dense("out", units: 3, kernelInitializer: .glorotUniform),
            .activation("softmax", .softmax),
        ], seed: 21)
        let latent = model.layers[0].dense!.kernel
        XCTAssertNotEqual(latent, model.layers[0].dense!.quantizedKernel())
        // The reference uses quantized weights; its regularizer then sees quantized values, so remove
        // that part and add the latent one: l1·(sign(latent) − sign(quantized)).
        let quantized = model.layers[0].dense!.quantizedKernel()
        func sign(_ v: Float) -> Double { v > 0 ? 1 : (v < 0 ? -1 : 0) }
        try checkAgainstFiniteDifferences(model, blobs(rows: 6, features: 3, classes: 3, seed: 2)) { layer, i in
            layer == 0 ? 0.01 * (sign(latent[i]) - sign(quantized[i])) : 0
        }
    }
}
