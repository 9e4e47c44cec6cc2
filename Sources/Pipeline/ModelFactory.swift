import Foundation
import ModelIO
import Support
import Training

/// Turns the `model:`, `training:`, `pruning:` and `quantization:` sections into Training values.
enum ModelFactory {
    /// The network of `model.layers`; with `quantization` every Dense becomes a QDense with the given
    /// kernel/bias quantizers and every ReLU a QActivation with the activation quantizer (as the
    /// tutorial's part 4 builds its QKeras model). The softmax stays a float activation.
    static func model(_ section: ModelSection, inputSize: Int, classes: Int?, quantization: QuantizationSection?,
                      seed: UInt64, file: String) throws -> Training.Model {
        let initializer = Initializer(rawValue: section.kernelInitializer) ?? .lecunUniform
        let regularizer = Regularizer(l1: section.l1, l2: section.l2)
        var kernelQuantizer: Quantizer?
        var biasQuantizer: Quantizer?
        var activationQuantizer: Quantizer?
        if let quantization {
            let location = "\(file) (quantization)"
            kernelQuantizer = try KerasModel.trainingQuantizer(.string(quantization.kernel), at: location + ".kernel_quantizer")
            biasQuantizer = try KerasModel.trainingQuantizer(.string(quantization.bias), at: location + ".bias_quantizer")
            activationQuantizer = try KerasModel.trainingQuantizer(.string(quantization.activation), at: location + ".activation_quantizer")
        }
        var specs: [Training.LayerSpec] = []
        for layer in section.layers {
            switch layer {
            case .dense(let name, let units, let activation):
                let function = try Training.Activation.named(activation ?? "linear", at: "\(file) (model.layers.\(name))")
                if quantization != nil {
                    specs.append(.qDense(name, units: units, kernelQuantizer: kernelQuantizer, biasQuantizer: biasQuantizer,
                                         activation: function, kernelInitializer: initializer, kernelRegularizer: regularizer))
                } else {
                    specs.append(.dense(name, units: units, activation: function, kernelInitializer: initializer,
                                        kernelRegularizer: regularizer))
                }
            case .activation(let name, let function):
                if function == "relu", let activationQuantizer {
                    specs.append(.qActivation(name, activationQuantizer))
                } else {
                    specs.append(.activation(name, try Training.Activation.named(function, at: "\(file) (model.layers.\(name))")))
                }
            }
        }
        let model = try Training.Model(inputSize: inputSize, layers: specs, seed: seed)
        if let classes, model.outputSize != classes {
            throw UserError("the last layer has \(model.outputSize) outputs but the dataset has \(classes) classes",
                            at: "\(file) (model.layers)", expected: "units: \(classes) in the last dense layer")
        }
        return model
    }

    static func fitOptions(_ training: TrainingSection, epochs: Int? = nil, checkpoint: URL?) -> FitOptions {
        let optimizer: Optimizer = training.optimizer == "sgd"
            ? .sgd(learningRate: training.learningRate, momentum: training.momentum)
            : .adam(learningRate: training.learningRate)
        var early: EarlyStopping?
        if let patience = training.earlyStoppingPatience {
            early = EarlyStopping(monitor: training.validationSplit > 0 ? .valLoss : .loss, patience: patience,
                                  restoreBestWeights: training.restoreBestWeights)
        }
        var reduce: ReduceLROnPlateau?
        if let r = training.reduceLR {
            reduce = ReduceLROnPlateau(monitor: training.validationSplit > 0 ? .valLoss : .loss, factor: Double(r.factor),
                                       patience: r.patience, minDelta: Double(r.minDelta), cooldown: r.cooldown,
                                       minLearningRate: Double(r.minLR))
        }
        return FitOptions(epochs: epochs ?? training.epochs, batchSize: training.batchSize, optimizer: optimizer,
                          validationSplit: training.validationSplit > 0 ? training.validationSplit : nil,
                          seed: training.seed, earlyStopping: early, reduceLROnPlateau: reduce,
                          checkpoint: checkpoint, resume: checkpoint != nil,
                          blasThreads: 1, shards: trainingShards)
    }

    /// Each batch is split over this many threads, each running single-threaded BLAS. Fixed (not the
    /// core count) because the shard count changes the order gradients are summed in, and a pipeline
    /// must give the same weights on every machine. Single-threaded BLAS per shard avoids OpenBLAS's
    /// busy-waiting threads, which collapse under load (measured: 2.8M samples/s vs 2.3M with
    /// OpenBLAS's own two threads, and far worse when two sweep points train side by side).
    static let trainingShards = 2

    static func pruningSchedule(_ pruning: PruningSection) -> PruningSchedule {
        switch pruning.schedule {
        case .constantSparsity:
            return .constantSparsity(target: pruning.targetSparsity, beginStep: pruning.beginStep, endStep: pruning.endStep,
                                     frequency: pruning.frequency)
        case .polynomialDecay:
            return .polynomialDecay(initial: pruning.initialSparsity, final: pruning.targetSparsity, beginStep: pruning.beginStep,
                                    endStep: pruning.endStep, frequency: pruning.frequency)
        }
    }
}
