import XCTest
@testable import Training

/// tfmot magnitude pruning (facts §7): schedules, k = max(round_half_even(n(1−s)), 1), ties kept,
/// masked weights exactly zero through training, masks updated only on schedule steps.
final class PruningTests: XCTestCase {
    func testKeptCountRoundsHalfToEven() {
        XCTAssertEqual(MagnitudePruning.keptCount(total: 1088, sparsity: 0.75), 272)
        XCTAssertEqual(MagnitudePruning.keptCount(total: 10, sparsity: 0.25), 8)   // 7.5 → 8
        XCTAssertEqual(MagnitudePruning.keptCount(total: 10, sparsity: 0.35), 6)   // 6.5 → 6
        XCTAssertEqual(MagnitudePruning.keptCount(total: 5, sparsity: 0.9), 1)     // 0.5 → 0 → at least 1
        XCTAssertEqual(MagnitudePruning.keptCount(total: 160, sparsity: 0.75), 40)
    }

    func testMaskKeepsTiesAtTheThreshold() {
        // k = round(5·0.4) = 2; the 2nd largest |w| is 0.5, held by three weights: all kept.
        let (mask, threshold) = MagnitudePruning.mask(for: [0.1, -0.5, 0.5, 0.2, 0.5], sparsity: 0.6)
        XCTAssertEqual(mask, [0, 1, 1, 0, 1])
        XCTAssertEqual(threshold, 0.5)
        let (plain, _) = MagnitudePruning.mask(for: [0.3, -0.1, 0.7, -0.9, 0.05, 0.2], sparsity: 0.5)
        XCTAssertEqual(plain, [1, 0, 1, 1, 0, 0])
    }

    func testSchedules() {
        let constant = PruningSchedule.constantSparsity(target: 0.75, beginStep: 2000, frequency: 100)
        XCTAssertFalse(constant.updatesMask(atStep: 1900))
        XCTAssertTrue(constant.updatesMask(atStep: 2000))
        XCTAssertFalse(constant.updatesMask(atStep: 2050))
        XCTAssertTrue(constant.updatesMask(atStep: 14600))
        XCTAssertEqual(constant.sparsity(atStep: 5000), 0.75)
        // Tutorial: 487 steps/epoch × 30 epochs = 14 610 steps ⇒ updates at 2000, 2100, …, 14 600: 127.
        XCTAssertEqual((1...14_610).filter { constant.updatesMask(atStep: $0) }.count, 127)
        let bounded = PruningSchedule.constantSparsity(target: 0.5, beginStep: 10, endStep: 30, frequency: 10)
        XCTAssertEqual((1...100).filter { bounded.updatesMask(atStep: $0) }, [10, 20, 30])
        // s = final + (initial − final)(1 − p)³: p = ½ → 0.8 − 0.8/8 = 0.7.
        let poly = PruningSchedule.polynomialDecay(initial: 0, final: 0.8, beginStep: 0, endStep: 100, frequency: 10)
        XCTAssertEqual(poly.sparsity(atStep: 50), 0.7, accuracy: 1e-6)
        XCTAssertEqual(poly.sparsity(atStep: 0), 0)
        XCTAssertEqual(poly.sparsity(atStep: 100), 0.8, accuracy: 1e-7)
        XCTAssertEqual(poly.sparsity(atStep: 500), 0.8, accuracy: 1e-7)
        XCTAssertThrowsError(try PruningSchedule.constantSparsity(target: 1.0, beginStep: 0).validate())
        XCTAssertThrowsError(try PruningSchedule.polynomialDecay(initial: 0, final: 0.5, beginStep: 10, endStep: 5).validate())
    }

    private func model() throws -> Model {
        try Model(inputSize: 4, layers: [
            .dense("fc1", units: 16, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(1e-4)),
            .activation("relu1", .relu),
            .dense("out", units: 3, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(1e-4)),
            .activation("softmax", .softmax),
        ], seed: 5)
    }

    /// Expected mask computed here from the weights: keep |w| ≥ k-th largest |w|.
    private func expectedMask(_ weights: [Float], sparsity: Float) -> [Float] {
        let k = Int((Float(weights.count) * (1 - sparsity)).rounded(.toNearestOrEven))
        let threshold = weights.map(abs).sorted(by: >)[k - 1]
        return weights.map { abs($0) >= threshold ? 1 : 0 }
    }

    func testMasksUpdateOnlyOnScheduleStepsAndPrunedWeightsStayZero() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = blobs(rows: 64, features: 4, classes: 3, seed: 3)   // batch 16 → 4 steps per epoch
        var pruned = try model()
        try pruned.prune(schedule: .constantSparsity(target: 0.5, beginStep: 5, frequency: 100))
        var options = FitOptions(epochs: 1, batchSize: 16, optimizer: .adam(learningRate: 0.01), seed: 2,
                                 checkpoint: directory.appendingPathComponent("ck.json"), resume: true)
        // Epoch 1 = steps 1…4: no update yet.
        try pruned.fit(data, options: options)
        XCTAssertEqual(pruned.sparsityReport().zeros, 0)
        XCTAssertEqual(pruned.layers[0].dense!.pruning!.step, 4)
        let before = pruned.layers.compactMap(\.dense).map(\.kernel)
        // Epoch 2 = steps 5…8: the mask is computed at step 5 from the weights after step 4.
        options.epochs = 2
        var second = try model()
        try second.prune(schedule: .constantSparsity(target: 0.5, beginStep: 5, frequency: 100))
        try second.fit(data, options: options)
        let checkpoint = try TrainingCheckpoint.read(from: options.checkpoint!)
        for (i, d) in second.layers.compactMap(\.dense).enumerated() {
            let mask = expectedMask(before[i], sparsity: 0.5)
            XCTAssertEqual(d.pruning!.mask, mask, "layer \(i)")
            XCTAssertEqual(d.pruning!.step, 8)
            for j in mask.indices where mask[j] == 0 {
                XCTAssertEqual(d.kernel[j], 0)
                XCTAssertEqual(checkpoint.optimizer.slots[i].kernelFirst[j], 0)
                XCTAssertEqual(checkpoint.optimizer.slots[i].kernelSecond[j], 0)
            }
            XCTAssertTrue(mask.indices.filter { mask[$0] == 1 }.allSatisfy { d.kernel[$0] != 0 })
        }
        XCTAssertEqual(second.sparsityReport().layers.map(\.zeros), [32, 24])
        // Epoch 3 = steps 9…12: no update (next would be 105); same mask, zeros stay exactly zero.
        options.epochs = 3
        var third = try model()
        try third.prune(schedule: .constantSparsity(target: 0.5, beginStep: 5, frequency: 100))
        try third.fit(data, options: options)
        XCTAssertEqual(third.layers.compactMap(\.dense).map { $0.pruning!.mask },
                       second.layers.compactMap(\.dense).map { $0.pruning!.mask })
        XCTAssertEqual(third.sparsityReport().layers.map(\.zeros), [32, 24])
        XCTAssertNotEqual(third.layers[0].dense!.kernel, second.layers[0].dense!.kernel)
        // Strip: plain weights with the same exact zeros, no wrapper.
        let stripped = third.strippingPruning()
        XCTAssertTrue(stripped.layers.compactMap(\.dense).allSatisfy { $0.pruning == nil })
        XCTAssertEqual(stripped.sparsityReport(), third.sparsityReport())
        XCTAssertEqual(try stripped.predict(data.features), try third.predict(data.features))
    }

    func testPolynomialDecayReachesFinalSparsity() throws {
        var m = try model()
        try m.prune(schedule: .polynomialDecay(initial: 0.2, final: 0.8, beginStep: 0, endStep: 8, frequency: 2))
        try m.fit(blobs(rows: 64, features: 4, classes: 3, seed: 3),
                  options: FitOptions(epochs: 2, batchSize: 16, seed: 1))   // steps 1…8, last update at 8
        // s(8) = 0.8: fc1 keeps round(64·0.2) = 13 (12.8), out keeps round(48·0.2) = 10 (9.6).
        XCTAssertEqual(m.sparsityReport().layers.map(\.zeros), [64 - 13, 48 - 10])
        XCTAssertEqual(m.sparsityReport().count, 112)
    }

    func testWarmStartPrunesATrainedModelToANewTarget() throws {
        var m = try model()
        let data = blobs(rows: 256, features: 4, classes: 3, seed: 8, spread: 0.6)
        try m.fit(data, options: FitOptions(epochs: 5, batchSize: 32, optimizer: .adam(learningRate: 0.01)))
        let accuracy = try m.evaluate(data).accuracy
        var warm = m
        try warm.prune(schedule: .constantSparsity(target: 0.5, beginStep: 0, frequency: 1), layers: ["fc1"])
        try warm.fit(data, options: FitOptions(epochs: 2, batchSize: 32, optimizer: .adam(learningRate: 0.01)))
        let report = warm.strippingPruning().sparsityReport()
        XCTAssertEqual(report.layers.map(\.zeros), [32, 0])
        XCTAssertEqual(report.sparsity, 32.0 / 112.0, accuracy: 1e-12)
        XCTAssertGreaterThan(try warm.evaluate(data).accuracy, accuracy - 0.1)
        // Warm start again to a higher target on the stripped model.
        var again = warm.strippingPruning()
        try again.prune(schedule: .constantSparsity(target: 0.75, beginStep: 0, frequency: 1))
        try again.fit(data, options: FitOptions(epochs: 1, batchSize: 32))
        XCTAssertEqual(again.sparsityReport().layers.map(\.zeros), [48, 36])
    }

    func testOneShotPruningAndQuantizedZeros() throws {
        var q = try Model(inputSize: 4, layers: [
            .qDense("fc1", units: 8, kernelQuantizer: .bits(4, 0, alpha: .value(1)), biasQuantizer: nil,
                    kernelInitializer: .lecunUniform),
            .activation("softmax", .softmax),
        ], seed: 3)
        try q.applyMagnitudePruning(sparsity: 0.5)
        let entry = q.sparsityReport().layers[0]
        XCTAssertEqual(entry.zeros, 16)
        // 4-bit quantization (step 1/8) also rounds small survivors to zero.
        let quantizedZeros = q.layers[0].dense!.quantizedKernel().filter { $0 == 0 }.count
        XCTAssertEqual(entry.quantizedZeros, quantizedZeros)
        XCTAssertGreaterThanOrEqual(entry.quantizedZeros, 16)
        XCTAssertThrowsError(try q.prune(schedule: .constantSparsity(target: 0.5, beginStep: 0), layers: ["nope"]))
        XCTAssertThrowsError(try q.applyMagnitudePruning(sparsity: 1.2))
    }
}
