import CBLAS
import Foundation
import Support

/// Settings of `Model.fit` (Keras `compile` + `fit` arguments and callbacks).
public struct FitOptions: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: Optimizer
    /// Keras `validation_split`: the last fraction of the rows (before shuffling) validates.
    public var validationSplit: Double?
    /// Explicit validation rows (used instead of `validationSplit` when set).
    public var validationData: LabeledData?
    public var shuffle: Bool
    /// Seeds the per-epoch shuffles (weights are seeded when the model is built).
    public var seed: UInt64
    public var earlyStopping: EarlyStopping?
    public var reduceLROnPlateau: ReduceLROnPlateau?
    /// Written atomically after every epoch; with `resume`, training continues from it when it exists.
    public var checkpoint: URL?
    public var resume: Bool
    /// OpenBLAS threads during this `fit` (nil: OpenBLAS's own choice, or 1 with shards); restored afterwards.
    public var blasThreads: Int?
    /// Batch shards computed in parallel threads (data parallelism inside each batch; gradients are
    /// summed in a fixed order, so results stay reproducible for a given shard count). With more
    /// than one shard BLAS gets one thread per shard unless `blasThreads` says otherwise.
    public var shards: Int

    public init(epochs: Int, batchSize: Int = 32, optimizer: Optimizer = .adam, validationSplit: Double? = nil,
                validationData: LabeledData? = nil, shuffle: Bool = true, seed: UInt64 = 0,
                earlyStopping: EarlyStopping? = nil, reduceLROnPlateau: ReduceLROnPlateau? = nil,
                checkpoint: URL? = nil, resume: Bool = false, blasThreads: Int? = nil, shards: Int = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.validationSplit = validationSplit
        self.validationData = validationData
        self.shuffle = shuffle
        self.seed = seed
        self.earlyStopping = earlyStopping
        self.reduceLROnPlateau = reduceLROnPlateau
        self.checkpoint = checkpoint
        self.resume = resume
        self.blasThreads = blasThreads
        self.shards = shards
    }
}

/// Everything needed to continue training exactly where it stopped.
public struct TrainingCheckpoint: Sendable, Codable, Equatable {
    public static let formatVersion = 1
    public var formatVersion: Int
    public var completedEpochs: Int
    /// True when EarlyStopping ended training; resuming then returns at once (as it does when
    /// `completedEpochs` already reaches the requested epochs).
    public var stoppedEarly: Bool
    public var model: Model
    public var optimizer: OptimizerState
    public var generator: Xoshiro256
    public var history: History
    public var earlyStopping: EarlyStopping?
    public var reduceLROnPlateau: ReduceLROnPlateau?
    /// Weights of the best epoch so far (EarlyStopping with restore_best_weights).
    public var bestModel: Model?

    public static func read(from url: URL) throws -> TrainingCheckpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw UserError("cannot read checkpoint", at: url.path)
        }
        let checkpoint: TrainingCheckpoint
        do { checkpoint = try JSONDecoder().decode(TrainingCheckpoint.self, from: data) } catch {
            throw UserError("not a training checkpoint (\(error))", at: url.path)
        }
        guard checkpoint.formatVersion == formatVersion else {
            throw UserError("checkpoint format \(checkpoint.formatVersion) is not supported", at: url.path,
                            expected: "format \(formatVersion)")
        }
        return checkpoint
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}

extension Model {
    /// Trains with mini-batch gradient descent on softmax cross-entropy (+ kernel regularizers).
    ///
    /// Reproducible: the same model (seed), data and options give bit-identical weights on the same
    /// machine and BLAS thread count. On return `self` holds the trained weights (or the restored
    /// best ones when EarlyStopping stopped with `restoreBestWeights`).
    @discardableResult
    public mutating func fit(_ data: LabeledData, options: FitOptions,
                             progress: ProgressReporter = .silent) throws -> History {
        guard options.epochs >= 0 else { throw UserError("epochs must be ≥ 0, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw UserError("batch size must be ≥ 1, got \(options.batchSize)") }
        guard (1...64).contains(options.shards) else { throw UserError("shards must be in 1...64, got \(options.shards)") }
        try options.optimizer.validate()
        try options.reduceLROnPlateau?.validate()
        guard data.featureCount == inputSize else {
            throw UserError("the data has \(data.featureCount) features but the model expects \(inputSize)")
        }
        var training = data
        var validation = options.validationData
        if validation == nil, let split = options.validationSplit, split > 0 {
            (training, validation) = try data.splitForValidation(split)
        }
        guard training.count > 0 else { throw UserError("no training rows") }
        if let v = validation, v.featureCount != inputSize {
            throw UserError("the validation data has \(v.featureCount) features but the model expects \(inputSize)")
        }
        for monitor in [options.earlyStopping?.monitor, options.reduceLROnPlateau?.monitor].compactMap({ $0 })
        where monitor.needsValidation && validation == nil {
            throw UserError("a callback monitors \(monitor.rawValue) but there is no validation data",
                            expected: "validation_split or validation data")
        }
        // BLAS threads for this call only (shards default to one BLAS thread each), restored afterwards.
        let previousThreads = openblas_get_num_threads()
        if let threads = options.blasThreads ?? (options.shards > 1 ? 1 : nil) {
            openblas_set_num_threads(Int32(max(threads, 1)))
        }
        defer { openblas_set_num_threads(previousThreads) }

        let network = try Network(model: self, maxBatch: max(options.batchSize, 1))
        let sharded = options.shards > 1
            ? try ShardedPass(main: network, shards: options.shards, model: self, batchSize: options.batchSize) : nil
        guard network.endsWithSoftmax else {
            throw UserError("training needs a softmax output layer (categorical cross-entropy)")
        }
        let classes = network.classes
        for set in [training, validation].compactMap({ $0 }) {
            if let bad = set.labels.first(where: { Int($0) >= classes }) {
                throw UserError("class label \(bad) is out of range for a model with \(classes) outputs")
            }
        }

        var generator = Xoshiro256(seed: options.seed)
        var optimizerState = OptimizerState(iterations: 0, learningRate: options.optimizer.learningRate, slots: [])
        var history = History()
        var earlyStopping = options.earlyStopping
        var reduceLR = options.reduceLROnPlateau
        var bestModel: Model?
        var startEpoch = 0

        if options.resume, let url = options.checkpoint, FileManager.default.fileExists(atPath: url.path) {
            let checkpoint = try TrainingCheckpoint.read(from: url)
            guard checkpoint.model.layers.map(\.name) == layers.map(\.name),
                  checkpoint.model.layers.map({ $0.dense?.kernel.count }) == layers.map({ $0.dense?.kernel.count }) else {
                throw UserError("checkpoint was written for a different model", at: url.path,
                                expected: "layers " + layers.map(\.name).joined(separator: ", "))
            }
            if checkpoint.stoppedEarly || checkpoint.completedEpochs >= options.epochs {
                self = checkpoint.model
                return checkpoint.history
            }
            network.load(checkpoint.model)
            try network.loadOptimizerSlots(checkpoint.optimizer.slots)
            optimizerState = checkpoint.optimizer
            generator = checkpoint.generator
            history = checkpoint.history
            earlyStopping = checkpoint.earlyStopping
            reduceLR = checkpoint.reduceLROnPlateau
            bestModel = checkpoint.bestModel
            startEpoch = checkpoint.completedEpochs
            progress.report(.resumed(completedEpochs: startEpoch))
        }

        let n = training.count
        let batchSize = options.batchSize
        let batches = (n + batchSize - 1) / batchSize
        var indices = [Int32](repeating: 0, count: n)
        var stopped = false

        try training.features.withUnsafeBufferPointer { features in
            try training.labels.withUnsafeBufferPointer { labels in
                for epoch in startEpoch..<options.epochs {
                    progress.report(.epochBegan(epoch: epoch + 1, of: options.epochs))
                    let started = DispatchTime.now().uptimeNanoseconds
                    indices.withUnsafeMutableBufferPointer { order in
                        for i in 0..<n { order[i] = Int32(i) }
                        guard options.shuffle else { return }
                        // Fisher–Yates from the identity each epoch, so a resumed run only needs the generator.
                        for i in stride(from: n - 1, to: 0, by: -1) {
                            let j = generator.nextIndex(below: i + 1)
                            let t = order[i]; order[i] = order[j]; order[j] = t
                        }
                    }
                    var lossSum = 0.0
                    var correct = 0
                    var seen = 0
                    let learningRate = optimizerState.learningRate
                    indices.withUnsafeBufferPointer { order in
                        for b in 0..<batches {
                            let start = b * batchSize
                            let rows = min(batchSize, n - start)
                            network.advancePruningStep()
                            var batchLoss = 0.0
                            var batchCorrect = 0
                            if let sharded {
                                (batchLoss, batchCorrect) = sharded.run(
                                    features: features.baseAddress!, labels: labels.baseAddress!,
                                    order: order.baseAddress!, start: start, rows: rows)
                            } else {
                                network.gather(features: features.baseAddress!, labels: labels.baseAddress!,
                                               indices: order.baseAddress!, start: start, rows: rows)
                                network.forward(rows: rows)
                                (batchLoss, batchCorrect) = network.crossEntropy(rows: rows, gradient: true)
                                network.backward(rows: rows)
                            }
                            let regularization = network.regularizationLoss()
                            network.update(optimizer: options.optimizer, learningRate: learningRate,
                                           iteration: optimizerState.iterations)
                            optimizerState.iterations += 1
                            lossSum += batchLoss + regularization * Double(rows)
                            correct += batchCorrect
                            seen += rows
                            progress.report(.batchEnded(epoch: epoch + 1, of: options.epochs, batch: b + 1,
                                                        batches: batches, loss: lossSum / Double(seen),
                                                        accuracy: Double(correct) / Double(seen)))
                        }
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                    var log = EpochLog(epoch: epoch + 1, loss: lossSum / Double(n), accuracy: Double(correct) / Double(n),
                                       valLoss: nil, valAccuracy: nil, learningRate: Double(learningRate),
                                       seconds: seconds, samples: n)
                    if let validation {
                        let (l, a) = try network.evaluate(validation)
                        log.valLoss = l
                        log.valAccuracy = a
                    }
                    history.epochs.append(log)
                    progress.report(.epochEnded(log, of: options.epochs))
                    guard log.loss.isFinite else {
                        throw UserError("training diverged: the loss is \(log.loss) in epoch \(epoch + 1)",
                                        expected: "a smaller learning rate or standardized features")
                    }

                    if var es = earlyStopping {
                        let (stop, improved) = es.epochEnded(epoch, log: log)
                        if improved && es.restoreBestWeights { bestModel = network.currentModel() }
                        if stop {
                            stopped = true
                            history.stoppedEpoch = epoch + 1
                            if es.restoreBestWeights, let best = bestModel {
                                network.load(best)
                                history.restoredEpoch = (es.bestEpoch ?? epoch) + 1
                            }
                        }
                        earlyStopping = es
                    }
                    if var r = reduceLR {
                        optimizerState.learningRate = r.epochEnded(log: log, learningRate: optimizerState.learningRate)
                        reduceLR = r
                    }
                    if let url = options.checkpoint {
                        optimizerState.slots = network.optimizerSlots()
                        let checkpoint = TrainingCheckpoint(
                            formatVersion: TrainingCheckpoint.formatVersion, completedEpochs: epoch + 1,
                            stoppedEarly: stopped, model: network.currentModel(),
                            optimizer: optimizerState, generator: generator, history: history,
                            earlyStopping: earlyStopping, reduceLROnPlateau: reduceLR, bestModel: bestModel)
                        try checkpoint.write(to: url)
                    }
                    if stopped { break }
                }
            }
        }
        self = network.currentModel()
        return history
    }

    /// Mean loss (cross-entropy + regularizers, as Keras reports it) and accuracy on `data`.
    public func evaluate(_ data: LabeledData, batchSize: Int = 4096) throws -> (loss: Double, accuracy: Double) {
        guard data.featureCount == inputSize else {
            throw UserError("the data has \(data.featureCount) features but the model expects \(inputSize)")
        }
        let network = try Network(model: self, maxBatch: min(max(batchSize, 1), max(data.count, 1)))
        guard network.endsWithSoftmax else { throw UserError("evaluate needs a softmax output layer") }
        if let bad = data.labels.first(where: { Int($0) >= network.classes }) {
            throw UserError("class label \(bad) is out of range for a model with \(network.classes) outputs")
        }
        return try network.evaluate(data)
    }

    /// Outputs of the last layer (class probabilities for a softmax model), row-major `rows × outputs`.
    public func predict(_ features: [Float], batchSize: Int = 4096) throws -> [Float] {
        try run(features, batchSize: batchSize, logits: false)
    }

    /// The last Dense layer's pre-activation outputs (the logits before softmax), computed with the
    /// quantized weights and quantized activations of a QAT model, in Float32. This is what the
    /// bit-exact firmware simulation is compared against.
    public func logits(_ features: [Float], batchSize: Int = 4096) throws -> [Float] {
        try run(features, batchSize: batchSize, logits: true)
    }

    private func run(_ features: [Float], batchSize: Int, logits: Bool) throws -> [Float] {
        guard features.count % inputSize == 0 else {
            throw UserError("\(features.count) input values are not a multiple of \(inputSize) features")
        }
        let rows = features.count / inputSize
        let network = try Network(model: self, maxBatch: min(max(batchSize, 1), max(rows, 1)))
        let last = network.ops[network.ops.count - 1]
        let width = last.outSize
        var out = [Float](repeating: 0, count: rows * width)
        features.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                var first = 0
                while first < rows {
                    let count = min(network.maxBatch, rows - first)
                    network.loadContiguous(features: x.baseAddress!, labels: nil, first: first, rows: count)
                    network.forward(rows: count)
                    let source = logits ? last.preActivation : last.output
                    (y.baseAddress! + first * width).update(from: source, count: count * width)
                    first += count
                }
            }
        }
        return out
    }
}

extension Network {
    /// Mean loss (with regularizers) and accuracy over `data`, in batches of `maxBatch`.
    func evaluate(_ data: LabeledData) throws -> (loss: Double, accuracy: Double) {
        guard data.count > 0 else { throw UserError("no rows to evaluate") }
        var loss = 0.0
        var correct = 0
        data.features.withUnsafeBufferPointer { x in
            data.labels.withUnsafeBufferPointer { y in
                var first = 0
                while first < data.count {
                    let rows = min(maxBatch, data.count - first)
                    loadContiguous(features: x.baseAddress!, labels: y.baseAddress!, first: first, rows: rows)
                    forward(rows: rows)
                    let (l, c) = crossEntropy(rows: rows, gradient: false)
                    loss += l
                    correct += c
                    first += rows
                }
            }
        }
        return (loss / Double(data.count) + regularizationLoss(), Double(correct) / Double(data.count))
    }
}

/// Data parallelism inside a batch: the batch is split into shards, each computed by its own
/// `Network` (same weights, own buffers) on its own thread with single-threaded BLAS; the shards'
/// gradients are then added to the main network's in shard order. Everything is allocated once.
final class ShardedPass: @unchecked Sendable {
    let networks: [Network]
    private let losses: UnsafeMutablePointer<Double>
    private let corrects: UnsafeMutablePointer<Int>
    private let sizes: UnsafeMutablePointer<Int>
    private let offsets: UnsafeMutablePointer<Int>
    // Set per batch before the parallel section.
    private var features: UnsafePointer<Float>?
    private var labels: UnsafePointer<Int32>?
    private var order: UnsafePointer<Int32>?
    private var start = 0
    private var rows = 0

    init(main: Network, shards: Int, model: Model, batchSize: Int) throws {
        let shardRows = (batchSize + shards - 1) / shards
        networks = [main] + (try (1..<shards).map { _ in try Network(model: model, maxBatch: shardRows) })
        losses = .allocate(capacity: shards)
        corrects = .allocate(capacity: shards)
        sizes = .allocate(capacity: shards)
        offsets = .allocate(capacity: shards)
    }

    deinit {
        losses.deallocate()
        corrects.deallocate()
        sizes.deallocate()
        offsets.deallocate()
    }

    func run(features: UnsafePointer<Float>, labels: UnsafePointer<Int32>, order: UnsafePointer<Int32>,
             start: Int, rows: Int) -> (loss: Double, correct: Int) {
        let count = networks.count
        let main = networks[0]
        for w in 1..<count { networks[w].copyForwardWeights(from: main) }
        var offset = 0
        for w in 0..<count {
            sizes[w] = rows / count + (w < rows % count ? 1 : 0)
            offsets[w] = offset
            offset += sizes[w]
            losses[w] = 0
            corrects[w] = 0
        }
        self.features = features
        self.labels = labels
        self.order = order
        self.start = start
        self.rows = rows
        DispatchQueue.concurrentPerform(iterations: count) { w in self.shard(w) }
        var loss = losses[0]
        var correct = corrects[0]
        for w in 1..<count where sizes[w] > 0 {
            main.addGradients(of: networks[w])
            loss += losses[w]
            correct += corrects[w]
        }
        return (loss, correct)
    }

    private func shard(_ w: Int) {
        let network = networks[w]
        let size = sizes[w]
        guard size > 0 else { return }
        network.gather(features: features!, labels: labels!, indices: order!, start: start + offsets[w], rows: size)
        network.forward(rows: size)
        let (loss, correct) = network.crossEntropy(rows: size, gradient: true, batchRows: rows)
        network.backward(rows: size)
        losses[w] = loss
        corrects[w] = correct
    }
}
