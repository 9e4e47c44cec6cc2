import Foundation
import Support

/// tfmot pruning schedules (facts §7.2). Steps count training batches; the first batch is step 1.
public enum PruningSchedule: Sendable, Codable, Equatable, Hashable {
    /// `ConstantSparsity(target_sparsity, begin_step, end_step=-1, frequency=100)`.
    case constantSparsity(target: Double, beginStep: Int, endStep: Int = -1, frequency: Int = 100)
    /// `PolynomialDecay(initial_sparsity, final_sparsity, begin_step, end_step, power=3, frequency=100)`.
    case polynomialDecay(initial: Double, final: Double, beginStep: Int, endStep: Int, power: Double = 3,
                         frequency: Int = 100)

    public func validate() throws {
        switch self {
        case .constantSparsity(let target, let begin, _, let frequency):
            guard (0..<1).contains(target) else {
                throw UserError("ConstantSparsity target \(target) is out of range", expected: "a value in [0, 1)")
            }
            guard begin >= 0, frequency >= 1 else {
                throw UserError("ConstantSparsity needs begin_step ≥ 0 and frequency ≥ 1 (got \(begin), \(frequency))")
            }
        case .polynomialDecay(let initial, let final, let begin, let end, _, let frequency):
            guard (0..<1).contains(initial), (0..<1).contains(final) else {
                throw UserError("PolynomialDecay sparsities \(initial), \(final) are out of range",
                                expected: "values in [0, 1)")
            }
            guard begin >= 0, end >= begin, frequency >= 1 else {
                throw UserError("PolynomialDecay needs 0 ≤ begin_step ≤ end_step and frequency ≥ 1 (got \(begin), \(end), \(frequency))")
            }
        }
    }

    private var window: (begin: Int, end: Int, frequency: Int) {
        switch self {
        case .constantSparsity(_, let b, let e, let f): return (b, e, f)
        case .polynomialDecay(_, _, let b, let e, _, let f): return (b, e, f)
        }
    }

    /// True when the mask is recomputed at `step`: step ≥ begin, (step ≤ end or end < 0),
    /// (step − begin) divisible by the frequency.
    public func updatesMask(atStep step: Int) -> Bool {
        let (begin, end, frequency) = window
        return step >= begin && (end < 0 || step <= end) && (step - begin) % frequency == 0
    }

    /// The target sparsity at `step` (computed in Float32 like TensorFlow).
    public func sparsity(atStep step: Int) -> Float {
        switch self {
        case .constantSparsity(let target, _, _, _):
            return Float(target)
        case .polynomialDecay(let initial, let final, let begin, let end, let power, _):
            let span = Float(end - begin)
            let p = span > 0 ? min(max(Float(step - begin) / span, 0), 1) : 1
            return Float(final) + (Float(initial) - Float(final)) * Float(pow(Double(1 - p), power))
        }
    }
}

/// The state of one pruned kernel (tfmot's `PruneLowMagnitude` wrapper variables).
public struct PruningState: Sendable, Codable, Equatable {
    public var schedule: PruningSchedule
    /// 1 = kept, 0 = pruned, one per kernel value.
    public var mask: [Float]
    /// Batches trained under this wrapper so far (tfmot `pruning_step`; the next batch is step+1).
    public var step: Int
    /// |w| threshold of the last mask update.
    public var threshold: Float

    public init(schedule: PruningSchedule, count: Int) {
        self.schedule = schedule
        self.mask = [Float](repeating: 1, count: count)
        self.step = 0
        self.threshold = 0
    }
}

/// Magnitude-mask arithmetic shared by training and one-shot pruning.
public enum MagnitudePruning {
    /// Number of weights kept at sparsity `s`: `max(round_half_even(n·(1−s)), 1)` in Float32 like tfmot.
    public static func keptCount(total n: Int, sparsity s: Float) -> Int {
        max(Int((Float(n) * (1 - s)).rounded(.toNearestOrEven)), 1)
    }

    /// Recomputes `mask` for `weights` at sparsity `s`: keeps every |w| ≥ the k-th largest |w|
    /// (ties at the threshold are all kept). Returns the threshold.
    @discardableResult
    public static func updateMask(_ mask: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>, count n: Int,
                                  sparsity s: Float) -> Float {
        let k = keptCount(total: n, sparsity: s)
        var magnitudes = (0..<n).map { abs(weights[$0]) }
        magnitudes.sort(by: >)
        let threshold = magnitudes[k - 1]
        for i in 0..<n { mask[i] = abs(weights[i]) >= threshold ? 1 : 0 }
        return threshold
    }

    public static func mask(for weights: [Float], sparsity s: Float) -> (mask: [Float], threshold: Float) {
        var mask = [Float](repeating: 1, count: weights.count)
        let threshold = weights.withUnsafeBufferPointer { w in
            mask.withUnsafeMutableBufferPointer { m in
                updateMask(m.baseAddress!, weights: w.baseAddress!, count: weights.count, sparsity: s)
            }
        }
        return (mask, threshold)
    }
}

/// Zeros per layer and in total.
public struct SparsityReport: Sendable, Codable, Equatable, CustomStringConvertible {
    public struct Entry: Sendable, Codable, Equatable {
        public var layer: String
        /// Kernel values that are exactly zero (after the pruning mask).
        public var zeros: Int
        /// Zeros after the kernel quantizer (what the firmware sees; equals `zeros` for float layers).
        public var quantizedZeros: Int
        public var count: Int
        public var sparsity: Double { count == 0 ? 0 : Double(zeros) / Double(count) }
    }
    public var layers: [Entry]
    public var zeros: Int { layers.reduce(0) { $0 + $1.zeros } }
    public var count: Int { layers.reduce(0) { $0 + $1.count } }
    public var sparsity: Double { count == 0 ? 0 : Double(zeros) / Double(count) }

    public var description: String {
        var lines = layers.map {
            "\($0.layer): \($0.zeros)/\($0.count) zeros (\(String(format: "%.2f", 100 * $0.sparsity)) %)"
        }
        lines.append("total: \(zeros)/\(count) zeros (\(String(format: "%.2f", 100 * sparsity)) %)")
        return lines.joined(separator: "\n")
    }
}

extension Model {
    /// Wraps Dense kernels for magnitude pruning during the next `fit` (tfmot `prune_low_magnitude`).
    ///
    /// `layers` selects layer names (nil = every Dense/QDense, like wrapping the whole model). The step
    /// counter starts again at 0 and the mask at all ones, so calling this on an already-trained (or
    /// already-pruned and stripped) model is the warm start that retrains towards a new target.
    public mutating func prune(schedule: PruningSchedule, layers names: [String]? = nil) throws {
        try schedule.validate()
        if let names {
            for name in names where !layers.contains(where: { $0.name == name && $0.dense != nil }) {
                throw UserError("cannot prune '\(name)': no Dense layer of that name",
                                expected: layers.filter { $0.dense != nil }.map(\.name).joined(separator: ", "))
            }
        }
        for i in layers.indices {
            guard case .dense(var d) = layers[i].kind, names?.contains(layers[i].name) ?? true else { continue }
            d.kernel = d.maskedKernel()
            d.pruning = PruningState(schedule: schedule, count: d.kernel.count)
            layers[i].kind = .dense(d)
        }
    }

    /// Removes the pruning wrappers: kernels become plain weights with exact zeros (tfmot `strip_pruning`).
    public func strippingPruning() -> Model {
        var copy = self
        for i in copy.layers.indices {
            guard case .dense(var d) = copy.layers[i].kind, d.pruning != nil else { continue }
            d.kernel = d.maskedKernel()
            d.pruning = nil
            copy.layers[i].kind = .dense(d)
        }
        return copy
    }

    /// One-shot magnitude pruning of the selected kernels to `sparsity` (no training).
    public mutating func applyMagnitudePruning(sparsity: Double, layers names: [String]? = nil) throws {
        guard (0..<1).contains(sparsity) else {
            throw UserError("sparsity \(sparsity) is out of range", expected: "a value in [0, 1)")
        }
        for i in layers.indices {
            guard case .dense(var d) = layers[i].kind, names?.contains(layers[i].name) ?? true else { continue }
            let (mask, _) = MagnitudePruning.mask(for: d.maskedKernel(), sparsity: Float(sparsity))
            for j in d.kernel.indices where mask[j] == 0 { d.kernel[j] = 0 }
            if d.pruning != nil { d.pruning!.mask = mask }
            layers[i].kind = .dense(d)
        }
    }

    /// Exact zeros per Dense kernel and in total.
    public func sparsityReport() -> SparsityReport {
        SparsityReport(layers: layers.compactMap { layer in
            guard let d = layer.dense else { return nil }
            let masked = d.maskedKernel()
            let quantized = d.quantizedKernel()
            return SparsityReport.Entry(layer: layer.name, zeros: masked.filter { $0 == 0 }.count,
                                        quantizedZeros: quantized.filter { $0 == 0 }.count, count: masked.count)
        })
    }
}

extension Dense {
    /// Latent kernel with the pruning mask applied (no quantizer).
    public func maskedKernel() -> [Float] {
        guard let mask = pruning?.mask else { return kernel }
        var k = kernel
        for i in k.indices where mask[i] == 0 { k[i] = 0 }
        return k
    }
}
