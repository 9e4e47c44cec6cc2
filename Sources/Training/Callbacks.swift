import Foundation
import Support

/// A quantity logged per epoch that callbacks can watch. Losses improve downwards, accuracies
/// upwards (Keras's `mode='auto'`).
public enum Monitor: String, Sendable, Codable, Equatable, CaseIterable {
    case loss
    case accuracy
    case valLoss = "val_loss"
    case valAccuracy = "val_accuracy"

    var higherIsBetter: Bool { self == .accuracy || self == .valAccuracy }
    var needsValidation: Bool { self == .valLoss || self == .valAccuracy }

    func value(in log: EpochLog) -> Double? {
        switch self {
        case .loss: return log.loss
        case .accuracy: return log.accuracy
        case .valLoss: return log.valLoss
        case .valAccuracy: return log.valAccuracy
        }
    }

    /// Keras's `monitor_op(current − min_delta, best)` for mode min (and mirrored for max).
    func isImprovement(_ current: Double, over best: Double, minDelta: Double) -> Bool {
        higherIsBetter ? current - abs(minDelta) > best : current + abs(minDelta) < best
    }

    var worst: Double { higherIsBetter ? -.infinity : .infinity }
}

/// Keras `EarlyStopping(monitor, min_delta, patience, restore_best_weights)` (Keras 2 semantics:
/// the best weights are restored when training stops early; a run that reaches its last epoch
/// keeps its final weights).
public struct EarlyStopping: Sendable, Codable, Equatable {
    public var monitor: Monitor
    public var patience: Int
    public var minDelta: Double
    public var restoreBestWeights: Bool

    // State (saved in checkpoints).
    public internal(set) var wait = 0
    public internal(set) var best: Double?
    public internal(set) var bestEpoch: Int?
    public internal(set) var stoppedEpoch: Int?

    public init(monitor: Monitor = .valLoss, patience: Int = 0, minDelta: Double = 0, restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
    }

    /// Returns true when training should stop after `epoch` (0-based); `improved` tells the caller
    /// to remember the current weights as the best ones.
    mutating func epochEnded(_ epoch: Int, log: EpochLog) -> (stop: Bool, improved: Bool) {
        guard let current = monitor.value(in: log) else { return (false, false) }
        wait += 1
        var improved = false
        if monitor.isImprovement(current, over: best ?? monitor.worst, minDelta: minDelta) {
            best = current
            bestEpoch = epoch
            wait = 0
            improved = true
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            return (true, improved)
        }
        return (false, improved)
    }
}

/// Keras `ReduceLROnPlateau(monitor, factor, patience, min_delta, cooldown, min_lr)`.
public struct ReduceLROnPlateau: Sendable, Codable, Equatable {
    public var monitor: Monitor
    public var factor: Double
    public var patience: Int
    public var minDelta: Double
    public var cooldown: Int
    public var minLearningRate: Double

    public internal(set) var wait = 0
    public internal(set) var cooldownCounter = 0
    public internal(set) var best: Double?

    public init(monitor: Monitor = .valLoss, factor: Double = 0.1, patience: Int = 10, minDelta: Double = 1e-4,
                cooldown: Int = 0, minLearningRate: Double = 0) {
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.minDelta = minDelta
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
    }

    func validate() throws {
        guard factor > 0, factor < 1 else {
            throw UserError("ReduceLROnPlateau factor \(factor) is out of range", expected: "a value in (0, 1)")
        }
    }

    /// Returns the learning rate for the next epoch.
    mutating func epochEnded(log: EpochLog, learningRate: Float) -> Float {
        guard let current = monitor.value(in: log) else { return learningRate }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        if monitor.isImprovement(current, over: best ?? monitor.worst, minDelta: minDelta) {
            best = current
            wait = 0
        } else if cooldownCounter == 0 {
            wait += 1
            if wait >= patience {
                if Double(learningRate) > minLearningRate {
                    let reduced = max(Double(learningRate) * factor, minLearningRate)
                    cooldownCounter = cooldown
                    wait = 0
                    return Float(reduced)
                }
            }
        }
        return learningRate
    }
}

/// What one epoch did (Keras `History.history` row).
public struct EpochLog: Sendable, Codable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    /// Learning rate used during this epoch.
    public var learningRate: Double
    public var seconds: Double
    public var samples: Int

    public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
}

/// The result of `fit`.
public struct History: Sendable, Codable, Equatable {
    public var epochs: [EpochLog] = []
    /// Epoch (1-based) at which EarlyStopping stopped training, if it did.
    public var stoppedEpoch: Int?
    /// Epoch (1-based) whose weights were restored by EarlyStopping, if any.
    public var restoredEpoch: Int?

    public init() {}
}
