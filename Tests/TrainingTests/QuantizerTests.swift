import XCTest
@testable import Training

/// Hand-worked values from the QKeras formulas (facts §6): half-to-even rounding and saturation.
final class QuantizerTests: XCTestCase {
    func testQuantizedBits6_0_alpha1() {
        let q = QuantizedBits(bits: 6, integer: 0, alpha: .value(1))
        // m = 2^5 = 32: p = x·32, clip(round_half_even(p), −32, 31)/32.
        XCTAssertEqual(q.quantize(0.015625), 0.0)          // p = 0.5 → 0 (half to even)
        XCTAssertEqual(q.quantize(0.046875), 0.0625)       // p = 1.5 → 2
        XCTAssertEqual(q.quantize(0.078125), 0.0625)       // p = 2.5 → 2
        XCTAssertEqual(q.quantize(-0.046875), -0.0625)     // p = −1.5 → −2
        XCTAssertEqual(q.quantize(2.0), 31.0 / 32.0)       // saturates at 31/32
        XCTAssertEqual(q.quantize(-2.0), -1.0)             // saturates at −32/32
        XCTAssertEqual(q.quantize(-1.0), -1.0)
        XCTAssertEqual(q.quantize(0.3), 10.0 / 32.0)       // 9.6 → 10
        XCTAssertEqual(q.quantize(0), 0)
    }

    func testQuantizedBitsSymmetricUnsignedAndInteger() {
        let symmetric = QuantizedBits(bits: 6, integer: 0, symmetric: true, alpha: .value(1))
        XCTAssertEqual(symmetric.quantize(-2.0), -31.0 / 32.0)
        let unsigned = QuantizedBits(bits: 4, integer: 0, keepNegative: false, alpha: .value(1))
        // m = 16, values 0 … 15/16.
        XCTAssertEqual(unsigned.quantize(-0.3), 0)
        XCTAssertEqual(unsigned.quantize(0.5), 0.5)
        XCTAssertEqual(unsigned.quantize(3), 15.0 / 16.0)
        let wide = QuantizedBits(bits: 8, integer: 3, alpha: .value(1))
        // m = 128, m_i = 8: step 1/16, range −8 … 127/16.
        XCTAssertEqual(wide.quantize(1.03125), 1.0)        // p = 16.5 → 16
        XCTAssertEqual(wide.quantize(1.09375), 1.125)      // p = 17.5 → 18
        XCTAssertEqual(wide.quantize(100), 127.0 / 16.0)
        XCTAssertEqual(wide.quantize(-100), -8)
        XCTAssertEqual(wide.maxValue, 8)
        XCTAssertEqual(QuantizedBits(bits: 6, integer: 0, alpha: .value(1)).maxValue, 1)
        let scaled = QuantizedBits(bits: 6, integer: 0, alpha: .value(0.5))
        XCTAssertEqual(scaled.quantize(0.046875), 0.03125)
        let oneBit = QuantizedBits(bits: 1, integer: 0, alpha: .value(1))
        XCTAssertEqual(oneBit.quantize(0), 1)
        XCTAssertEqual(oneBit.quantize(-0.2), -1)
    }

    func testQuantizedRelu6() {
        let q = QuantizedRelu(bits: 6, integer: 0)
        // m = 64: clip(round(x·64)/64, 0, 63/64).
        XCTAssertEqual(q.quantize(0.0078125), 0)           // 0.5 → 0
        XCTAssertEqual(q.quantize(0.0234375), 0.03125)     // 1.5 → 2
        XCTAssertEqual(q.quantize(2), 63.0 / 64.0)
        XCTAssertEqual(q.quantize(-3), 0)
        XCTAssertEqual(q.quantize(0.5), 0.5)
        XCTAssertEqual(q.gradientUpperBound, 63.0 / 64.0)
        XCTAssertEqual(q.gradient(at: 0), 0)
        XCTAssertEqual(q.gradient(at: 0.5), 1)
        XCTAssertEqual(q.gradient(at: 63.0 / 64.0), 1)
        XCTAssertEqual(q.gradient(at: 0.99), 0)
        let withInteger = QuantizedRelu(bits: 6, integer: 2)
        // m = 64, m_i = 4: step 1/16, max 4·63/64.
        XCTAssertEqual(withInteger.quantize(1.03125), 1.0)  // 16.5 → 16
        XCTAssertEqual(withInteger.quantize(10), 4 * 63.0 / 64.0)
        XCTAssertEqual(withInteger.gradientUpperBound, 4 - 1.0 / 16.0)
    }

    func testAutoPo2ByHand() {
        // bits 4: levels = 2·(2^3 − 1) = 14. Column [0.3, −0.1, 0.05]: max 0.3 → 0.6/14 = 0.0428…
        // → 2^round(log2) = 2^−5. Levels: floor(9.6+.5)=10→min 7, floor(3.2+.5)=3, floor(1.6+.5)=2.
        // Least squares: mean(xz)/mean(zz) = 2.5/62 = 0.0403 → 2^−5 again. Output z·2^−5.
        let q = QuantizedBits(bits: 4, integer: 0, alpha: .autoPo2)
        let column: [Float] = [0.3, -0.1, 0.05]
        var out = [Float](repeating: 0, count: 3)
        let scales = column.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                q.quantize(src.baseAddress!, rows: 3, columns: 1, into: dst.baseAddress!)
            }
        }
        XCTAssertEqual(out, [0.21875, -0.09375, 0.0625])
        XCTAssertEqual(scales, [0.03125 * 8])  // QKeras .scale = scale·m, m = 2^3
        // Per-column: two columns scaled independently.
        let two: [Float] = [0.3, 2.0, -0.1, -1.0, 0.05, 0.5]
        let q2 = q.quantize(two, rows: 3, columns: 2)
        XCTAssertEqual([q2[0], q2[2], q2[4]], [0.21875, -0.09375, 0.0625])
        // Column 2: max 2 → 4/14=0.2857 → 2^−2 = 0.25; z = [min(8.5→8,7)=7, −4, 2] → [1.75, −1, 0.5];
        // refit: mean(xz)=(14+4+1)/3, mean(zz)=(49+16+4)/3 → 19/69=0.275 → 2^−2.
        XCTAssertEqual([q2[1], q2[3], q2[5]], [1.75, -1.0, 0.5])
        // QDense turns alpha None into auto_po2 with symmetric.
        let none = QuantizedBits(bits: 6, integer: 0)
        XCTAssertEqual(none.kernelEffective.alpha, .autoPo2)
        XCTAssertTrue(none.kernelEffective.symmetric)
        XCTAssertEqual(none.quantize(0.046875), 0.0625)    // standalone: scale 1
    }

    func testQDenseForwardUsesQuantizedWeights() throws {
        var model = try Model(inputSize: 2, layers: [
            .qDense("fc", units: 2, kernelQuantizer: .bits(4, 0, alpha: .value(1)),
                    biasQuantizer: .bits(4, 0, alpha: .value(1))),
        ], seed: 1)
        guard case .dense(var d) = model.layers[0].kind else { return XCTFail() }
        // m = 8: 0.3→2.4→2/8, −0.7→−5.6→−6/8, 0.52→4.16→4/8, 0.95→7.6→clip 7/8.
        d.kernel = [0.3, -0.7, 0.52, 0.95]
        d.bias = [0.0625, -0.2]   // 0.5 → 0 (even), −1.6 → −2/8
        model.layers[0].kind = .dense(d)
        XCTAssertEqual(model.layers[0].dense!.quantizedKernel(), [0.25, -0.75, 0.5, 0.875])
        let logits = try model.logits([1, 2])
        XCTAssertEqual(logits, [0.25 + 1.0 + 0, -0.75 + 1.75 - 0.25])
    }

    func testQActivationForwardAndClipConstraint() throws {
        var model = try Model(inputSize: 1, layers: [
            .qDense("fc", units: 2, kernelQuantizer: .bits(6, 0, alpha: .value(1)), biasQuantizer: nil,
                    kernelInitializer: .zeros),
            .qActivation("act", .relu(2, 0)),
            .dense("out", units: 2, kernelInitializer: .zeros),
            .activation("softmax", .softmax),
        ], seed: 3)
        guard case .dense(var d) = model.layers[0].kind else { return XCTFail() }
        d.kernel = [0.5, 0.9]
        model.layers[0].kind = .dense(d)
        guard case .dense(var out) = model.layers[2].kind else { return XCTFail() }
        out.kernel = [1, 0, 0, 1]
        model.layers[2].kind = .dense(out)
        // fc: 0.5 → 16/32; 0.9 → 28.8 → 29/32 = 0.90625; quantized_relu(2): m=4,
        // 0.5 → 2/4; 0.90625·4 = 3.625 → 4 → clip 3/4.
        XCTAssertEqual(try model.logits([1]), [0.5, 0.75])
        // One SGD step that pushes the latent weight 0.9 past 1 is clipped back to 1 (QKeras Clip).
        d.kernel = [0.5, 0.999]
        model.layers[0].kind = .dense(d)
        let network = try Network(model: model, maxBatch: 1)
        network.input[0] = 1
        network.labels[0] = 0
        network.forward(rows: 1)
        _ = network.crossEntropy(rows: 1, gradient: true)
        network.backward(rows: 1)
        // quantized_relu(2) window is (0, 0.75]: unit 1 (z = 1.0) gets no gradient, unit 0 does.
        XCTAssertEqual(network.ops[0].kernelGradient[1], 0)
        XCTAssertNotEqual(network.ops[0].kernelGradient[0], 0)
        network.ops[0].kernelGradient[1] = -5  // force a big step upwards
        network.update(optimizer: .sgd(learningRate: 1), learningRate: 1, iteration: 0)
        XCTAssertEqual(network.currentModel().layers[0].dense!.kernel[1], 1.0)
    }

    func testInvalidQuantizersAreUserErrors() {
        XCTAssertThrowsError(try Model(inputSize: 2, layers: [
            .qDense("fc", units: 2, kernelQuantizer: .bits(0, 0), biasQuantizer: nil)], seed: 0))
        XCTAssertThrowsError(try Model(inputSize: 2, layers: [
            .qDense("fc", units: 2, kernelQuantizer: .relu(4), biasQuantizer: nil)], seed: 0))
        XCTAssertThrowsError(try Model(inputSize: 2, layers: [
            .qDense("fc", units: 2, kernelQuantizer: .bits(4, 0, alpha: .value(-1)), biasQuantizer: nil)], seed: 0))
    }
}

/// The QAT model's quantized forward pass (the logits the firmware must reproduce).
final class QuantizedForwardTests: XCTestCase {
    /// Inputs on a 1/8 grid make every product and sum exact in Float32, so the logits must equal a
    /// Double evaluation of the formulas (quantized weights, quantized_relu(6) by its definition).
    func testTutorialQATLogitsAreExact() throws {
        var model = try Model.jetTagger(seed: 3, weightQuantizer: .bits(6, 0, alpha: .value(1)),
                                        activationQuantizer: .relu(6))
        // Give the biases some value so their quantizer matters.
        for i in model.layers.indices {
            guard case .dense(var d) = model.layers[i].kind else { continue }
            d.bias = (0..<d.units).map { Float($0 % 7) * 0.037 - 0.1 }
            model.layers[i].kind = .dense(d)
        }
        var g = Xoshiro256(seed: 1)
        let rows = 50
        let x = (0..<(rows * 16)).map { _ in Float(g.nextIndex(below: 33) - 16) / 8 }
        let logits = try model.logits(x)
        let dense = model.layers.compactMap(\.dense)
        func relu6(_ v: Double) -> Double { min(max((v * 64).rounded(.toNearestOrEven), 0), 63) / 64 }
        for r in 0..<rows {
            var h = (0..<16).map { Double(x[r * 16 + $0]) }
            for (n, d) in dense.enumerated() {
                let k = d.kernel.map { min(max((Double($0) * 32).rounded(.toNearestOrEven), -32), 31) / 32 }
                let b = d.bias.map { min(max((Double($0) * 32).rounded(.toNearestOrEven), -32), 31) / 32 }
                var z = b
                for j in 0..<d.units { for i in 0..<d.inputSize { z[j] += h[i] * k[i * d.units + j] } }
                h = n < dense.count - 1 ? z.map(relu6) : z
            }
            XCTAssertEqual(Array(logits[(r * 5)..<(r * 5 + 5)]).map(Double.init), h, "row \(r)")
        }
        XCTAssertEqual(try model.referenceLogits(x.map(Double.init)), logits.map(Double.init))
        // predict = softmax of these logits.
        let p = try model.predict(Array(x[0..<16]))
        let e = logits[0..<5].map { exp(Double($0)) }
        for j in 0..<5 { XCTAssertEqual(Double(p[j]), e[j] / e.reduce(0, +), accuracy: 1e-6) }
    }

    func testQATTrainingKeepsLatentWeightsClippedAndLearns() throws {
        let data = blobs(rows: 1500, features: 16, classes: 5, seed: 4, spread: 0.8)
        var model = try Model.jetTagger(seed: 1, weightQuantizer: .bits(6, 0, alpha: .value(1)),
                                        activationQuantizer: .relu(6))
        try model.prune(schedule: .constantSparsity(target: 0.75, beginStep: 20, frequency: 10))
        let history = try model.fit(data, options: FitOptions(epochs: 6, batchSize: 64, optimizer: .adam(learningRate: 0.01),
                                                              validationSplit: 0.2))
        XCTAssertGreaterThan(history.epochs.last!.valAccuracy!, 0.8)
        for d in model.layers.compactMap(\.dense) {
            XCTAssertTrue(d.kernel.allSatisfy { abs($0) <= 1 } && d.bias.allSatisfy { abs($0) <= 1 })
            XCTAssertTrue(d.quantizedKernel().allSatisfy { ($0 * 32).rounded() == $0 * 32 && $0 >= -1 && $0 <= 31.0 / 32 })
        }
        XCTAssertEqual(model.strippingPruning().sparsityReport().sparsity, 0.75, accuracy: 0.001)
    }
}

final class AutoAlphaTrainingTests: XCTestCase {
    /// alpha None on a QDense kernel trains with QKeras's auto_po2: every column of the quantized
    /// kernel is an integer level times one power-of-two scale, levels within ±(2^(bits−1)−1).
    func testAlphaNoneKernelTrainsWithPowerOfTwoScales() throws {
        let data = blobs(rows: 600, features: 8, classes: 3, seed: 5, spread: 0.7)
        var model = try Model(inputSize: 8, layers: [
            .qDense("fc1", units: 12, kernelQuantizer: .bits(4, 0), biasQuantizer: .bits(8, 2, alpha: .value(1)),
                    kernelInitializer: .lecunUniform),
            .qActivation("relu1", .relu(8, 2)),
            .dense("out", units: 3, kernelInitializer: .lecunUniform),
            .activation("softmax", .softmax),
        ], seed: 2)
        let history = try model.fit(data, options: FitOptions(epochs: 5, batchSize: 32, optimizer: .adam(learningRate: 0.01),
                                                              validationSplit: 0.2))
        XCTAssertGreaterThan(history.epochs.last!.valAccuracy!, 0.8)
        let d = model.layers[0].dense!
        let q = d.quantizedKernel()
        let scales = d.kernelQuantizerScales()
        XCTAssertEqual(scales.count, 12)
        for j in 0..<12 {
            let scale = scales[j] / 8          // .scale = scale·m with m = 2^3
            XCTAssertEqual(log2(scale), log2(scale).rounded(), "column \(j) scale \(scale) is not a power of two")
            for i in 0..<8 {
                let level = q[i * 12 + j] / scale
                XCTAssertEqual(level, level.rounded())
                XCTAssertLessThanOrEqual(abs(level), 7)
            }
        }
    }

    func testCorruptCheckpointIsAUserError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-ck-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"not\": 1}".utf8).write(to: url)
        var model = try Model.jetTagger(seed: 0)
        let data = blobs(rows: 10, features: 16, classes: 5, seed: 0)
        XCTAssertThrowsError(try model.fit(data, options: FitOptions(epochs: 1, checkpoint: url, resume: true))) { error in
            XCTAssertTrue("\(error)".contains("not a training checkpoint"), "\(error)")
        }
    }
}

final class FusedQuantizedReluTests: XCTestCase {
    /// The trainer's fused (vectorized) quantized_relu equals the quantizer's definition on every
    /// half-way point, on saturation and on large values, for narrow and wide bit widths.
    func testFusedForwardEqualsDefinition() throws {
        for (bits, integer) in [(6, 0), (3, 1), (8, 2), (24, 4)] {
            let q = QuantizedRelu(bits: bits, integer: integer)
            var inputs: [Float] = [-1e9, -3, -0.0, 0, 1e-9, 5, 1e9, 1e30]
            let step = Float(exp2(Double(integer - bits)))
            for k in -4...Int(min(exp2(Double(bits)), 300)) + 4 { inputs.append((Float(k) + 0.5) * step); inputs.append(Float(k) * step) }
            let n = inputs.count
            var model = try Model(inputSize: 1, layers: [
                .dense("identity", units: n, kernelInitializer: .zeros), .qActivation("q", .quantizedRelu(q)),
            ], seed: 0)
            guard case .dense(var d) = model.layers[0].kind else { return XCTFail() }
            d.bias = inputs
            model.layers[0].kind = .dense(d)
            let network = try Network(model: model, maxBatch: 1)
            network.input[0] = 0
            network.forward(rows: 1)
            for j in 0..<n {
                XCTAssertEqual(network.ops[0].output[j], q.quantize(inputs[j]), "bits \(bits) x \(inputs[j])")
            }
        }
    }
}

final class LogitExactnessTests: XCTestCase {
    /// Inputs on the firmware's ap_fixed<16,6> grid (step 2^−10), standardized-like magnitudes: the
    /// Float32 BLAS logits of the tutorial QAT model equal the Double reference exactly, because every
    /// partial sum needs fewer than 24 significant bits.
    func testFloatLogitsAreExactForFixedPointInputs() throws {
        var model = try Model.jetTagger(seed: 9, weightQuantizer: .bits(6, 0, alpha: .value(1)), activationQuantizer: .relu(6))
        try model.fit(blobs(rows: 2000, features: 16, classes: 5, seed: 1),
                      options: FitOptions(epochs: 2, batchSize: 128, optimizer: .adam(learningRate: 0.01)))
        var g = Xoshiro256(seed: 4)
        let x = (0..<(3000 * 16)).map { _ in Float((g.standardNormal() * 2 * 1024).rounded()) / 1024 }
        let logits = try model.logits(x)
        let reference = try model.referenceLogits(x.map(Double.init))
        XCTAssertEqual(logits.map(Double.init), reference)
    }
}
