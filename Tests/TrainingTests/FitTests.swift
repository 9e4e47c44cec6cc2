import XCTest
@testable import Training

final class FitTests: XCTestCase {
    private func smallModel(seed: UInt64 = 1) throws -> Model {
        try Model(inputSize: 4, layers: [
            .dense("fc1", units: 16, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(1e-4)),
            .activation("relu1", .relu),
            .dense("out", units: 3, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(1e-4)),
            .activation("softmax", .softmax),
        ], seed: seed)
    }

    func testLearnsSeparableBlobsAndReportsHistory() throws {
        let data = blobs(rows: 2000, features: 4, classes: 3, seed: 3, spread: 0.5)
        var model = try smallModel()
        let history = try model.fit(data, options: FitOptions(epochs: 8, batchSize: 64, optimizer: .adam(learningRate: 0.01),
                                                              validationSplit: 0.25))
        XCTAssertEqual(history.epochs.count, 8)
        XCTAssertTrue(history.epochs.allSatisfy { $0.samples == 1500 && $0.valLoss != nil && $0.learningRate == Double(Float(0.01)) })
        XCTAssertLessThan(history.epochs.last!.loss, history.epochs.first!.loss)
        let validation = data.rows(1500..<2000)
        let (loss, accuracy) = try model.evaluate(validation)
        XCTAssertEqual(loss, history.epochs.last!.valLoss!, accuracy: 1e-9)
        XCTAssertEqual(accuracy, history.epochs.last!.valAccuracy!)
        XCTAssertGreaterThan(accuracy, 0.9)
        // predict/evaluate agree with the metrics module.
        let probabilities = try model.predict(validation.features)
        XCTAssertEqual(Metrics.accuracy(outputs: probabilities, classes: 3, labels: validation.labels), accuracy)
        let ce = Metrics.crossEntropy(probabilities: probabilities, classes: 3, labels: validation.labels)
        let l1 = model.layers.compactMap(\.dense).reduce(0.0) { $0 + 1e-4 * $1.kernel.reduce(0.0) { $0 + Double(abs($1)) } }
        XCTAssertEqual(ce + l1, loss, accuracy: 1e-4)
        XCTAssertTrue(Metrics.oneVsRestAUC(outputs: probabilities, classes: 3, labels: validation.labels).allSatisfy { $0 > 0.95 })
    }

    func testValidationSplitTakesTheLastRows() throws {
        let data = try LabeledData(features: (0..<10).map(Float.init), featureCount: 1, labels: (0..<10).map { Int32($0 % 2) })
        let (train, validation) = try data.splitForValidation(0.25)
        XCTAssertEqual(train.features, [0, 1, 2, 3, 4, 5, 6])     // ⌊10·0.75⌋ = 7
        XCTAssertEqual(validation.features, [7, 8, 9])
        XCTAssertThrowsError(try data.splitForValidation(1.5))
    }

    func testTrainingIsBitReproducible() throws {
        let data = blobs(rows: 700, features: 4, classes: 3, seed: 4)
        var a = try smallModel(), b = try smallModel()
        let options = FitOptions(epochs: 3, batchSize: 32, validationSplit: 0.2, seed: 77)
        let ha = try a.fit(data, options: options)
        let hb = try b.fit(data, options: options)
        XCTAssertEqual(a, b)
        XCTAssertEqual(ha.epochs.map(\.loss), hb.epochs.map(\.loss))
        var c = try smallModel()
        var other = options
        other.seed = 78
        try c.fit(data, options: other)
        XCTAssertNotEqual(a, c, "a different shuffle seed must change the result")
    }

    func testResumeFromCheckpointEqualsUninterruptedTraining() throws {
        try resumeEqualsUninterrupted(shards: 1)
    }

    func testResumeWithShardsAndPruningEqualsUninterruptedTraining() throws {
        try resumeEqualsUninterrupted(shards: 2, pruning: .polynomialDecay(initial: 0.1, final: 0.6, beginStep: 3, endStep: 30, frequency: 3))
    }

    private func resumeEqualsUninterrupted(shards: Int, pruning: PruningSchedule? = nil) throws {
        func smallModel() throws -> Model {
            var m = try self.smallModel()
            if let pruning { try m.prune(schedule: pruning) }
            return m
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("train-resume-\(getpid())-\(shards)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = blobs(rows: 600, features: 4, classes: 3, seed: 6)
        var options = FitOptions(epochs: 5, batchSize: 50, validationSplit: 0.25, seed: 9,
                                 reduceLROnPlateau: ReduceLROnPlateau(factor: 0.5, patience: 1, minDelta: 0.5, cooldown: 0),
                                 checkpoint: directory.appendingPathComponent("full.json"), shards: shards)
        var straight = try smallModel()
        let full = try straight.fit(data, options: options)
        XCTAssertLessThan(full.epochs.last!.learningRate, full.epochs.first!.learningRate, "the LR schedule must be exercised")

        options.checkpoint = directory.appendingPathComponent("part.json")
        options.resume = true
        options.epochs = 2
        var interrupted = try smallModel()
        try interrupted.fit(data, options: options)
        options.epochs = 5
        var resumed = try smallModel()  // fresh weights: the checkpoint must supply everything
        let history = try resumed.fit(data, options: options)
        XCTAssertEqual(resumed, straight)
        if pruning != nil { XCTAssertEqual(straight.sparsityReport().sparsity, 0.6, accuracy: 0.01) }
        XCTAssertEqual(history.epochs.map(\.loss), full.epochs.map(\.loss))
        XCTAssertEqual(history.epochs.map(\.learningRate), full.epochs.map(\.learningRate))
        // A finished checkpoint returns at once with the final model.
        var again = try smallModel()
        _ = try again.fit(data, options: options)
        XCTAssertEqual(again, straight)
        // A checkpoint of another model is refused clearly.
        var different = try Model(inputSize: 4, layers: [.dense("x", units: 3, activation: .softmax)], seed: 0)
        XCTAssertThrowsError(try different.fit(data, options: options))
    }

    func testEarlyStoppingRestoresBestWeights() throws {
        let data = blobs(rows: 400, features: 4, classes: 3, seed: 12)
        // patience 0: Keras stops at the second epoch (wait ≥ 0 and epoch > 0).
        var model = try smallModel()
        let options = FitOptions(epochs: 10, batchSize: 40, validationSplit: 0.25, seed: 1,
                                 earlyStopping: EarlyStopping(patience: 0, restoreBestWeights: true))
        let history = try model.fit(data, options: options)
        XCTAssertEqual(history.epochs.count, 2)
        XCTAssertEqual(history.stoppedEpoch, 2)
        let improved = history.epochs[1].valLoss! < history.epochs[0].valLoss!
        XCTAssertEqual(history.restoredEpoch, improved ? 2 : 1)
        var reference = try smallModel()
        var referenceOptions = options
        referenceOptions.earlyStopping = nil
        referenceOptions.epochs = history.restoredEpoch!
        try reference.fit(data, options: referenceOptions)
        XCTAssertEqual(model, reference)
    }

    func testEarlyStoppingAndReduceLRStateMachines() {
        func log(_ v: Double) -> EpochLog {
            EpochLog(epoch: 0, loss: 0, accuracy: 0, valLoss: v, valAccuracy: nil, learningRate: 0, seconds: 0, samples: 0)
        }
        var es = EarlyStopping(patience: 2, minDelta: 0.01)
        let losses = [1.0, 0.9, 0.895, 0.95, 0.8]
        var stoppedAt: Int?
        for (e, v) in losses.enumerated() where stoppedAt == nil {
            if es.epochEnded(e, log: log(v)).stop { stoppedAt = e }
        }
        // 0.895 is not better than 0.9 by 0.01 → wait 1; 0.95 → wait 2 → stop at epoch index 3.
        XCTAssertEqual(stoppedAt, 3)
        XCTAssertEqual(es.best, 0.9)

        var r = ReduceLROnPlateau(factor: 0.5, patience: 2, minDelta: 1e-6, cooldown: 1, minLearningRate: 0.2)
        var lr: Float = 1
        var rates: [Float] = []
        for v in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] {
            lr = r.epochEnded(log: log(v), learningRate: lr)
            rates.append(lr)
        }
        // Keras: the cooldown counter is decremented first, then (no longer in cooldown) wait counts.
        // e0 improves (best=1); e1 wait1; e2 wait2 → 0.5, cooldown 1; e3 counter→0, wait 0→1;
        // e4 wait2 → 0.25; e5 counter→0, wait1; e6 wait2 → max(0.125, min_lr 0.2) = 0.2; e7 wait1.
        XCTAssertEqual(rates, [1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2])
    }

    func testUserErrors() throws {
        var model = try smallModel()
        let data = blobs(rows: 20, features: 3, classes: 3, seed: 1)
        XCTAssertThrowsError(try model.fit(data, options: FitOptions(epochs: 1))) // 3 features, model wants 4
        let good = blobs(rows: 20, features: 4, classes: 3, seed: 1)
        XCTAssertThrowsError(try model.fit(good, options: FitOptions(epochs: 1, batchSize: 0)))
        XCTAssertThrowsError(try model.fit(good, options: FitOptions(epochs: 1, earlyStopping: EarlyStopping())))
        let badLabels = try LabeledData(features: [Float](repeating: 0, count: 8), featureCount: 4, labels: [0, 7])
        XCTAssertThrowsError(try model.fit(badLabels, options: FitOptions(epochs: 1)))
        XCTAssertThrowsError(try LabeledData(features: [1, 2, 3], featureCount: 2, labels: [0]))
        XCTAssertThrowsError(try Model(inputSize: 2, layers: [.dense("a", units: 2), .dense("a", units: 2)], seed: 0))
    }
}

final class DivergenceTests: XCTestCase {
    func testDivergingTrainingIsAClearError() throws {
        var model = try Model(inputSize: 2, layers: [.dense("out", units: 2, activation: .softmax)], seed: 0)
        let data = try LabeledData(features: [1e30, -1e30, -1e30, 1e30], featureCount: 2, labels: [1, 0])
        XCTAssertThrowsError(try model.fit(data, options: FitOptions(epochs: 3, batchSize: 2,
                                                                     optimizer: .sgd(learningRate: 1e30)))) { error in
            XCTAssertTrue("\(error)".contains("diverged"), "\(error)")
        }
    }

    /// Gathering shuffled rows (the 16-feature vector path) equals training on rows shuffled up front.
    func testShuffledGatherEqualsPreShuffledRows() throws {
        let data = blobs(rows: 300, features: 16, classes: 5, seed: 2)
        var a = try Model.jetTagger(seed: 4)
        try a.fit(data, options: FitOptions(epochs: 1, batchSize: 64, seed: 3))
        // Reference: the same shuffle done here, then training on contiguous rows without shuffling.
        var generator = Xoshiro256(seed: 3)
        var order = Array(0..<300)
        for i in stride(from: 299, to: 0, by: -1) { order.swapAt(i, generator.nextIndex(below: i + 1)) }
        let shuffled = try LabeledData(features: order.flatMap { data.features[($0 * 16)..<($0 * 16 + 16)] },
                                       featureCount: 16, labels: order.map { data.labels[$0] })
        var b = try Model.jetTagger(seed: 4)
        try b.fit(shuffled, options: FitOptions(epochs: 1, batchSize: 64, shuffle: false))
        XCTAssertEqual(a, b)
    }
}

final class ProgressTests: XCTestCase {
    func testEpochSummaryLineAndReporterEvents() throws {
        let log = EpochLog(epoch: 3, loss: 0.75123, accuracy: 0.743, valLoss: 0.8, valAccuracy: 0.7, learningRate: 0.001,
                           seconds: 0.414, samples: 100)
        XCTAssertEqual(ProgressReporter.summary(log, epochs: 30),
                       "Epoch 3/30 - 0.41s - loss: 0.7512 - accuracy: 0.7430 - val_loss: 0.8000 - val_accuracy: 0.7000 - lr: 1.0e-03")
        final class Events { var begun = 0; var batches = 0; var ended: [Int] = [] }
        let events = Events()
        var model = try Model(inputSize: 4, layers: [.dense("out", units: 3, activation: .softmax)], seed: 0)
        try model.fit(blobs(rows: 100, features: 4, classes: 3, seed: 1), options: FitOptions(epochs: 2, batchSize: 30),
                      progress: ProgressReporter { event in
                          switch event {
                          case .epochBegan: events.begun += 1
                          case .batchEnded(_, _, let batch, let batches, _, _): events.batches += 1; XCTAssertEqual(batches, 4); XCTAssertLessThanOrEqual(batch, 4)
                          case .epochEnded(let log, _): events.ended.append(log.epoch)
                          case .resumed: XCTFail()
                          }
                      })
        XCTAssertEqual(events.begun, 2)
        XCTAssertEqual(events.batches, 8)
        XCTAssertEqual(events.ended, [1, 2])
    }
}

final class ShardTests: XCTestCase {
    /// Two shards per batch: reproducible, and equal to unsharded training up to summation order.
    func testShardedBatchesMatchUnshardedTraining() throws {
        let data = blobs(rows: 641, features: 16, classes: 5, seed: 7)   // last batch of 1 row: one empty shard
        let options = FitOptions(epochs: 3, batchSize: 64, optimizer: .adam(learningRate: 0.003), seed: 5)
        var sharded = options
        sharded.shards = 2
        var plain = try Model.jetTagger(seed: 2, weightQuantizer: .bits(8, 1, alpha: .value(1)), activationQuantizer: .relu(8, 2))
        try plain.prune(schedule: .constantSparsity(target: 0.5, beginStep: 10, frequency: 5))
        var a = plain, b = plain
        let history = try plain.fit(data, options: options)
        let ha = try a.fit(data, options: sharded)
        try b.fit(data, options: sharded)
        XCTAssertEqual(a, b)
        for (x, y) in zip(ha.epochs, history.epochs) {
            XCTAssertEqual(x.loss, y.loss, accuracy: 2e-3)
            XCTAssertEqual(x.accuracy, y.accuracy, accuracy: 0.02)
        }
        XCTAssertEqual(a.sparsityReport().zeros, plain.sparsityReport().zeros)
        XCTAssertThrowsError(try a.fit(data, options: FitOptions(epochs: 1, shards: 0)))
    }
}
