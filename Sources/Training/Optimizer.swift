import Foundation
import Support

/// Optimizers with Keras's update formulas.
public enum Optimizer: Sendable, Codable, Equatable {
    /// Keras Adam: `m += (g−m)(1−β1)`, `v += (g²−v)(1−β2)`,
    /// `w −= lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε)` with t = 1 on the first step (ε outside the
    /// bias correction, "epsilon hat", as Keras). Defaults are Keras's.
    case adam(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7)
    /// Keras SGD: `v = μ·v − lr·g; w += v` (Nesterov: `w += μ·v − lr·g`).
    case sgd(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false)

    public static let adam = Optimizer.adam()

    public var learningRate: Float {
        switch self {
        case .adam(let lr, _, _, _): return lr
        case .sgd(let lr, _, _): return lr
        }
    }

    public func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw UserError("learning rate \(learningRate) must be a positive number")
        }
        if case .adam(_, let b1, let b2, let eps) = self {
            guard (0..<1).contains(b1), (0..<1).contains(b2), eps > 0 else {
                throw UserError("Adam needs 0 ≤ beta1, beta2 < 1 and epsilon > 0 (got \(b1), \(b2), \(eps))")
            }
        }
        if case .sgd(_, let momentum, _) = self, !(0...1).contains(momentum) {
            throw UserError("SGD momentum \(momentum) is out of range", expected: "a value in [0, 1]")
        }
    }
}

/// Optimizer slots and counters, stored in checkpoints so a resumed run continues exactly.
public struct OptimizerState: Sendable, Codable, Equatable {
    /// Completed update steps (Keras `iterations`).
    public var iterations: Int
    /// The current learning rate (changed by ReduceLROnPlateau).
    public var learningRate: Float
    /// Per Dense layer: first and second moment (Adam) or velocity (SGD, second unused) for kernel and bias.
    public var slots: [LayerSlots]

    public struct LayerSlots: Sendable, Codable, Equatable {
        public var kernelFirst: [Float]
        public var kernelSecond: [Float]
        public var biasFirst: [Float]
        public var biasSecond: [Float]
    }
}
