import CBLAS
import Foundation
import Support

/// The non-linearity fused into a Dense layer's output pass.
enum FusedActivation: Equatable {
    case linear, relu, sigmoid, tanh, softmax
    case quantizedRelu(QuantizedRelu)
    case quantizedBits(QuantizedBits)

    /// Whether the backward pass needs the pre-activation `z` stored separately from the output.
    var needsPreActivation: Bool {
        switch self {
        case .quantizedRelu, .softmax: return true
        default: return false
        }
    }
}

/// Flat float storage owned by a `Network`.
private func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    p.initialize(repeating: 0, count: max(count, 1))
    return p
}

/// One Dense/QDense layer with its fused activation, as flat buffers. Only trivial fields, so
/// reading it in the hot loop costs no reference counting.
struct DenseOp {
    var layerIndex: Int
    var inSize: Int
    var outSize: Int
    var activation: FusedActivation
    var kernel: UnsafeMutablePointer<Float>      // latent weights (inSize × outSize)
    var bias: UnsafeMutablePointer<Float>
    var forwardKernel: UnsafeMutablePointer<Float> // what the forward pass multiplies with
    var forwardBias: UnsafeMutablePointer<Float>
    var kernelGradient: UnsafeMutablePointer<Float>
    var biasGradient: UnsafeMutablePointer<Float>
    var kernelFirst: UnsafeMutablePointer<Float>
    var kernelSecond: UnsafeMutablePointer<Float>
    var biasFirst: UnsafeMutablePointer<Float>
    var biasSecond: UnsafeMutablePointer<Float>
    var mask: UnsafeMutablePointer<Float>?
    var preActivation: UnsafeMutablePointer<Float> // maxBatch × outSize (== output unless needed)
    var output: UnsafeMutablePointer<Float>
    var delta: UnsafeMutablePointer<Float>
    var l1: Float
    var l2: Float
    var kernelClip: Float
    var biasClip: Float
    var kernelQuantizer: QuantizedBits?
    var biasQuantizer: QuantizedBits?
    var schedule: PruningSchedule?
    var pruningStep: Int
    var threshold: Float

    var kernelCount: Int { inSize * outSize }
}

/// The trainer's engine: a model laid out in preallocated flat buffers for batches of up to
/// `maxBatch` rows. Every matrix product is one `cblas_sgemm`; element-wise work is fused into one
/// pass per layer (bias + activation forward, activation derivative backward, regularizer +
/// mask + optimizer + constraint per weight). Nothing is allocated per batch.
final class Network {
    let inputSize: Int
    let classes: Int
    let maxBatch: Int
    var ops: [DenseOp]
    let input: UnsafeMutablePointer<Float>
    /// Class labels of the current batch's rows.
    let labels: UnsafeMutablePointer<Int32>
    /// log Σ exp(logits) per row of the last softmax layer (filled by `forward`, read by the loss).
    let logSumExp: UnsafeMutablePointer<Float>
    let model: Model

    init(model: Model, maxBatch: Int) throws {
        try model.validateShapes()
        self.model = model
        self.inputSize = model.inputSize
        self.maxBatch = max(maxBatch, 1)
        input = allocate(self.maxBatch * model.inputSize)
        labels = UnsafeMutablePointer<Int32>.allocate(capacity: self.maxBatch)
        labels.initialize(repeating: 0, count: self.maxBatch)
        logSumExp = allocate(self.maxBatch)
        var ops: [DenseOp] = []
        for (index, layer) in model.layers.enumerated() {
            switch layer.kind {
            case .dense(let d):
                let activation: FusedActivation
                switch d.activation {
                case .linear: activation = .linear
                case .relu: activation = .relu
                case .sigmoid: activation = .sigmoid
                case .tanh: activation = .tanh
                case .softmax: activation = .softmax
                }
                let kernel = allocate(d.kernel.count)
                let bias = allocate(d.units)
                for i in 0..<d.kernel.count { kernel[i] = d.kernel[i] }
                for i in 0..<d.units { bias[i] = d.bias[i] }
                var mask: UnsafeMutablePointer<Float>?
                if let pruning = d.pruning {
                    guard pruning.mask.count == d.kernel.count else {
                        throw UserError("layer \(layer.name): pruning mask has \(pruning.mask.count) values, kernel \(d.kernel.count)")
                    }
                    let m = allocate(d.kernel.count)
                    for i in 0..<d.kernel.count { m[i] = pruning.mask[i]; if m[i] == 0 { kernel[i] = 0 } }
                    mask = m
                }
                let kq = d.effectiveKernelQuantizer
                let bq = d.effectiveBiasQuantizer
                let output = allocate(self.maxBatch * d.units)
                ops.append(DenseOp(
                    layerIndex: index, inSize: d.inputSize, outSize: d.units, activation: activation,
                    kernel: kernel, bias: bias,
                    forwardKernel: kq == nil ? kernel : allocate(d.kernel.count),
                    forwardBias: bq == nil ? bias : allocate(d.units),
                    kernelGradient: allocate(d.kernel.count), biasGradient: allocate(d.units),
                    kernelFirst: allocate(d.kernel.count), kernelSecond: allocate(d.kernel.count),
                    biasFirst: allocate(d.units), biasSecond: allocate(d.units),
                    mask: mask, preActivation: output, output: output,
                    delta: allocate(self.maxBatch * d.units),
                    l1: d.kernelRegularizer.l1, l2: d.kernelRegularizer.l2,
                    kernelClip: d.kernelClip ?? .infinity, biasClip: d.biasClip ?? .infinity,
                    kernelQuantizer: kq, biasQuantizer: bq,
                    schedule: d.pruning?.schedule, pruningStep: d.pruning?.step ?? 0,
                    threshold: d.pruning?.threshold ?? 0))
            case .activation(let a):
                guard !ops.isEmpty else {
                    throw UserError("layer \(layer.name): an activation before the first Dense layer is not supported")
                }
                if a == .linear { continue }
                guard ops[ops.count - 1].activation == .linear else {
                    throw UserError("layer \(layer.name): two consecutive non-linear activations are not supported")
                }
                ops[ops.count - 1].activation = {
                    switch a {
                    case .relu: return .relu
                    case .sigmoid: return .sigmoid
                    case .tanh: return .tanh
                    case .softmax: return .softmax
                    case .linear: return .linear
                    }
                }()
            case .quantizedActivation(let q):
                guard !ops.isEmpty else {
                    throw UserError("layer \(layer.name): a QActivation before the first Dense layer is not supported")
                }
                guard ops[ops.count - 1].activation == .linear else {
                    throw UserError("layer \(layer.name): two consecutive non-linear activations are not supported")
                }
                switch q {
                case .quantizedRelu(let r): ops[ops.count - 1].activation = .quantizedRelu(r)
                case .quantizedBits(let b): ops[ops.count - 1].activation = .quantizedBits(b)
                }
            }
        }
        guard !ops.isEmpty else { throw UserError("the model has no Dense layer") }
        for i in ops.indices {
            if ops[i].activation == .softmax, i != ops.count - 1 {
                throw UserError("layer \(model.layers[ops[i].layerIndex].name): softmax is only supported on the last layer")
            }
            if ops[i].activation.needsPreActivation {
                ops[i].preActivation = allocate(self.maxBatch * ops[i].outSize)
            }
        }
        self.ops = ops
        self.classes = ops[ops.count - 1].outSize
        for i in ops.indices { refreshForwardWeights(i) }
    }

    deinit {
        input.deallocate()
        labels.deallocate()
        logSumExp.deallocate()
        for op in ops {
            for p in [op.kernel, op.bias, op.kernelGradient, op.biasGradient, op.kernelFirst, op.kernelSecond,
                      op.biasFirst, op.biasSecond, op.output, op.delta] { p.deallocate() }
            if op.forwardKernel != op.kernel { op.forwardKernel.deallocate() }
            if op.forwardBias != op.bias { op.forwardBias.deallocate() }
            if op.preActivation != op.output { op.preActivation.deallocate() }
            op.mask?.deallocate()
        }
    }

    var endsWithSoftmax: Bool { ops[ops.count - 1].activation == .softmax }

    /// Recomputes the quantized copies of the latent weights (after an update or a mask change).
    func refreshForwardWeights(_ i: Int) {
        let op = ops[i]
        if let q = op.kernelQuantizer {
            q.quantize(op.kernel, rows: op.inSize, columns: op.outSize, into: op.forwardKernel)
        }
        if let q = op.biasQuantizer {
            q.quantize(op.bias, rows: 1, columns: op.outSize, into: op.forwardBias)
        }
    }

    // MARK: forward

    /// Forward pass of `rows` rows already in `input`; fills every layer's output.
    func forward(rows: Int) {
        var previous = UnsafePointer(input)
        for i in 0..<ops.count {
            let op = ops[i]
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(op.outSize), Int32(op.inSize),
                        1, previous, Int32(op.inSize), op.forwardKernel, Int32(op.outSize), 0,
                        op.preActivation, Int32(op.outSize))
            Network.biasAndActivation(op, rows: rows, logSumExp: logSumExp)
            previous = UnsafePointer(op.output)
        }
    }

    private static func biasAndActivation(_ op: DenseOp, rows: Int, logSumExp: UnsafeMutablePointer<Float>) {
        let n = op.outSize
        let z = op.preActivation
        let a = op.output
        let b = op.forwardBias
        switch op.activation {
        case .linear:
            for r in 0..<rows { let row = z + r * n; for j in 0..<n { row[j] += b[j] } }
        case .relu:
            for r in 0..<rows { let row = z + r * n; for j in 0..<n { row[j] = max(row[j] + b[j], 0) } }
        case .sigmoid:
            for r in 0..<rows {
                let row = z + r * n
                for j in 0..<n { row[j] = 1 / (1 + expf(-(row[j] + b[j]))) }
            }
        case .tanh:
            for r in 0..<rows { let row = z + r * n; for j in 0..<n { row[j] = tanhf(row[j] + b[j]) } }
        case .quantizedBits(let q):
            for r in 0..<rows { let row = z + r * n; for j in 0..<n { row[j] = q.quantize(row[j] + b[j]) } }
        case .quantizedRelu(let q):
            let m = Float(exp2(Double(q.bits)))
            let mi = Float(exp2(Double(q.integer)))
            let scaleIn = m / mi
            let scaleOut = mi / m
            let top = m - 1
            for r in 0..<rows {
                let zr = z + r * n
                let ar = a + r * n
                // Clamp first (so |p| < 2^22), then round half to even by adding and removing
                // 1.5·2^23: exact in Float32's default rounding mode and vectorizable (no libm call).
                guard q.bits <= 20 else {
                    for j in 0..<n {
                        let v = zr[j] + b[j]
                        zr[j] = v
                        ar[j] = min(max((v * scaleIn).rounded(.toNearestOrEven), 0), top) * scaleOut
                    }
                    continue
                }
                for j in 0..<n {
                    let v = zr[j] + b[j]
                    zr[j] = v
                    let p = min(max(v * scaleIn, -1), top + 1)
                    let rounded = (p + 12_582_912) - 12_582_912
                    ar[j] = min(max(rounded, 0), top) * scaleOut
                }
            }
        case .softmax:
            for r in 0..<rows {
                let zr = z + r * n
                let ar = a + r * n
                var top = -Float.infinity
                for j in 0..<n { zr[j] += b[j]; top = max(top, zr[j]) }
                var sum: Float = 0
                for j in 0..<n { let e = expf(zr[j] - top); ar[j] = e; sum += e }
                logSumExp[r] = logf(sum) + top
                let inv = 1 / sum
                for j in 0..<n { ar[j] *= inv }
            }
        }
    }

    // MARK: loss

    /// Softmax cross-entropy of the last layer against `labels` (from the forward pass's log-sum-exp
    /// and probabilities, no exponentials here); writes `(p − onehot)/rows` into the
    /// last layer's delta when `gradient` is set. Returns (sum of per-row losses, correct argmax count).
    func crossEntropy(rows: Int, gradient: Bool, batchRows: Int? = nil) -> (loss: Double, correct: Int) {
        let op = ops[ops.count - 1]
        let n = op.outSize
        // The mean is over the whole batch, which may be split into shards computed separately.
        let inv = 1 / Float(batchRows ?? rows)
        var loss = 0.0
        var correct = 0
        for r in 0..<rows {
            let z = op.preActivation + r * n
            let p = op.output + r * n
            let y = Int(labels[r])
            var best = 0
            var top = z[0]
            for j in 1..<max(n, 1) where z[j] > top { top = z[j]; best = j }
            loss += Double(logSumExp[r] - z[y])
            if best == y { correct += 1 }
            if gradient {
                let d = op.delta + r * n
                for j in 0..<n { d[j] = p[j] * inv }
                d[y] -= inv
            }
        }
        return (loss, correct)
    }

    /// Regularization loss at the current weights: Σ over layers of l1·Σ|W| + l2·ΣW².
    func regularizationLoss() -> Double {
        var total = 0.0
        for op in ops where op.l1 != 0 || op.l2 != 0 {
            var s1 = 0.0, s2 = 0.0
            for i in 0..<op.kernelCount { let w = Double(op.kernel[i]); s1 += abs(w); s2 += w * w }
            total += Double(op.l1) * s1 + Double(op.l2) * s2
        }
        return total
    }

    // MARK: backward

    /// Gradients of the mean loss for the batch whose last-layer delta is set (data term only;
    /// the regularizer's gradient is added in the update pass).
    func backward(rows: Int) {
        for i in stride(from: ops.count - 1, through: 0, by: -1) {
            let op = ops[i]
            let previous = i == 0 ? UnsafePointer(input) : UnsafePointer(ops[i - 1].output)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(op.inSize), Int32(op.outSize), Int32(rows),
                        1, previous, Int32(op.inSize), op.delta, Int32(op.outSize), 0,
                        op.kernelGradient, Int32(op.outSize))
            let n = op.outSize
            for j in 0..<n { op.biasGradient[j] = 0 }
            for r in 0..<rows { let d = op.delta + r * n; for j in 0..<n { op.biasGradient[j] += d[j] } }
            guard i > 0 else { continue }
            let below = ops[i - 1]
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(below.outSize), Int32(n),
                        1, op.delta, Int32(n), op.forwardKernel, Int32(n), 0, below.delta, Int32(below.outSize))
            Network.activationDerivative(below, rows: rows)
        }
    }

    private static func activationDerivative(_ op: DenseOp, rows: Int) {
        let count = rows * op.outSize
        let d = op.delta
        let a = op.output
        switch op.activation {
        case .linear, .quantizedBits:
            break
        case .relu:
            // Vector select: ReLU signs are random, a branch per value would mispredict half the time.
            var i = 0
            while i + 8 <= count {
                let av = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                var dv = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD8<Float>.self)
                dv.replace(with: 0, where: av .<= 0)
                UnsafeMutableRawPointer(d + i).storeBytes(of: dv, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { if a[i] <= 0 { d[i] = 0 }; i += 1 }
        case .sigmoid:
            for i in 0..<count { d[i] *= a[i] * (1 - a[i]) }
        case .tanh:
            for i in 0..<count { d[i] *= 1 - a[i] * a[i] }
        case .quantizedRelu(let q):
            let upper = q.gradientUpperBound
            let z = op.preActivation
            var i = 0
            while i + 8 <= count {
                let zv = UnsafeRawPointer(z + i).loadUnaligned(as: SIMD8<Float>.self)
                var dv = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD8<Float>.self)
                dv.replace(with: 0, where: (zv .<= 0) .| (zv .> upper))
                UnsafeMutableRawPointer(d + i).storeBytes(of: dv, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { if !(z[i] > 0 && z[i] <= upper) { d[i] = 0 }; i += 1 }
        case .softmax:
            break // only on the last layer, where the cross-entropy gradient is fused
        }
    }

    // MARK: update

    /// One optimizer step on every layer: regularizer gradient, pruning mask, update, constraint,
    /// re-quantization, in one pass over each weight tensor.
    func update(optimizer: Optimizer, learningRate: Float, iteration: Int) {
        for i in ops.indices {
            let op = ops[i]
            switch optimizer {
            case .adam(_, let beta1, let beta2, let epsilon):
                let t = Float(iteration + 1)
                let alpha = learningRate * (1 - powf(beta2, t)).squareRoot() / (1 - powf(beta1, t))
                Network.adam(weights: op.kernel, gradient: op.kernelGradient, first: op.kernelFirst,
                             second: op.kernelSecond, mask: op.mask, count: op.kernelCount, l1: op.l1, l2: op.l2,
                             alpha: alpha, beta1: beta1, beta2: beta2, epsilon: epsilon, clip: op.kernelClip)
                Network.adam(weights: op.bias, gradient: op.biasGradient, first: op.biasFirst, second: op.biasSecond,
                             mask: nil, count: op.outSize, l1: 0, l2: 0,
                             alpha: alpha, beta1: beta1, beta2: beta2, epsilon: epsilon, clip: op.biasClip)
            case .sgd(_, let momentum, let nesterov):
                Network.sgd(weights: op.kernel, gradient: op.kernelGradient, velocity: op.kernelFirst, mask: op.mask,
                            count: op.kernelCount, l1: op.l1, l2: op.l2, learningRate: learningRate,
                            momentum: momentum, nesterov: nesterov, clip: op.kernelClip)
                Network.sgd(weights: op.bias, gradient: op.biasGradient, velocity: op.biasFirst, mask: nil,
                            count: op.outSize, l1: 0, l2: 0, learningRate: learningRate,
                            momentum: momentum, nesterov: nesterov, clip: op.biasClip)
            }
            refreshForwardWeights(i)
        }
    }

    @inline(__always)
    private static func sign(_ w: Float) -> Float { w > 0 ? 1 : (w < 0 ? -1 : 0) }

    private static func adam(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                             first m: UnsafeMutablePointer<Float>, second v: UnsafeMutablePointer<Float>,
                             mask: UnsafeMutablePointer<Float>?, count: Int, l1: Float, l2: Float, alpha: Float,
                             beta1: Float, beta2: Float, epsilon: Float, clip: Float) {
        let c1 = 1 - beta1
        let c2 = 1 - beta2
        let twoL2 = 2 * l2
        // A pruned weight is 0 with zero moments, and its gradient is multiplied by 0 here, so the
        // update leaves weight and moments exactly 0 without a branch per weight.
        if let mask {
            for i in 0..<count {
                let wi = w[i]
                let gi = (g[i] + l1 * sign(wi) + twoL2 * wi) * mask[i]
                let mi = m[i] + (gi - m[i]) * c1
                let vi = v[i] + (gi * gi - v[i]) * c2
                m[i] = mi
                v[i] = vi
                w[i] = min(max(wi - (mi * alpha) / (vi.squareRoot() + epsilon), -clip), clip)
            }
        } else {
            for i in 0..<count {
                let wi = w[i]
                let gi = g[i] + l1 * sign(wi) + twoL2 * wi
                let mi = m[i] + (gi - m[i]) * c1
                let vi = v[i] + (gi * gi - v[i]) * c2
                m[i] = mi
                v[i] = vi
                w[i] = min(max(wi - (mi * alpha) / (vi.squareRoot() + epsilon), -clip), clip)
            }
        }
    }

    private static func sgd(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                            velocity u: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>?, count: Int,
                            l1: Float, l2: Float, learningRate: Float, momentum: Float, nesterov: Bool, clip: Float) {
        let twoL2 = 2 * l2
        for i in 0..<count {
            let wi = w[i]
            let gi = (g[i] + l1 * sign(wi) + twoL2 * wi) * (mask?[i] ?? 1)
            let ui = momentum * u[i] - learningRate * gi
            u[i] = ui
            let step = nesterov ? momentum * ui - learningRate * gi : ui
            w[i] = min(max(wi + step, -clip), clip)
        }
    }

    // MARK: pruning

    /// Advances every pruned layer's step counter (the batch about to run is that step) and updates
    /// masks where the schedule says so; newly pruned weights and their optimizer slots become zero.
    func advancePruningStep() {
        for i in ops.indices {
            guard let schedule = ops[i].schedule, let mask = ops[i].mask else { continue }
            ops[i].pruningStep += 1
            let step = ops[i].pruningStep
            guard schedule.updatesMask(atStep: step) else { continue }
            let op = ops[i]
            ops[i].threshold = MagnitudePruning.updateMask(mask, weights: op.kernel, count: op.kernelCount,
                                                           sparsity: schedule.sparsity(atStep: step))
            for j in 0..<op.kernelCount where mask[j] == 0 {
                op.kernel[j] = 0
                op.kernelFirst[j] = 0
                op.kernelSecond[j] = 0
            }
            refreshForwardWeights(i)
        }
    }

    var hasPruning: Bool { ops.contains { $0.schedule != nil } }

    // MARK: moving weights in and out

    /// Writes the current weights (and pruning state) into a copy of the model it was built from.
    func currentModel() -> Model {
        var m = model
        for op in ops {
            guard case .dense(var d) = m.layers[op.layerIndex].kind else { continue }
            d.kernel = Array(UnsafeBufferPointer(start: op.kernel, count: op.kernelCount))
            d.bias = Array(UnsafeBufferPointer(start: op.bias, count: op.outSize))
            if let mask = op.mask, d.pruning != nil {
                d.pruning!.mask = Array(UnsafeBufferPointer(start: mask, count: op.kernelCount))
                d.pruning!.step = op.pruningStep
                d.pruning!.threshold = op.threshold
            }
            m.layers[op.layerIndex].kind = .dense(d)
        }
        return m
    }

    /// Replaces weights and pruning state from `m` (same architecture).
    func load(_ m: Model) {
        for i in ops.indices {
            let op = ops[i]
            guard let d = m.layers[op.layerIndex].dense else { continue }
            for j in 0..<op.kernelCount { op.kernel[j] = d.kernel[j] }
            for j in 0..<op.outSize { op.bias[j] = d.bias[j] }
            if let mask = op.mask, let p = d.pruning {
                for j in 0..<op.kernelCount { mask[j] = p.mask[j] }
                ops[i].pruningStep = p.step
                ops[i].threshold = p.threshold
            }
            refreshForwardWeights(i)
        }
    }

    func optimizerSlots() -> [OptimizerState.LayerSlots] {
        ops.map { op in
            OptimizerState.LayerSlots(
                kernelFirst: Array(UnsafeBufferPointer(start: op.kernelFirst, count: op.kernelCount)),
                kernelSecond: Array(UnsafeBufferPointer(start: op.kernelSecond, count: op.kernelCount)),
                biasFirst: Array(UnsafeBufferPointer(start: op.biasFirst, count: op.outSize)),
                biasSecond: Array(UnsafeBufferPointer(start: op.biasSecond, count: op.outSize)))
        }
    }

    func loadOptimizerSlots(_ slots: [OptimizerState.LayerSlots]) throws {
        guard slots.count == ops.count else {
            throw UserError("checkpoint has optimizer state for \(slots.count) layers, the model has \(ops.count)")
        }
        for (op, s) in zip(ops, slots) {
            guard s.kernelFirst.count == op.kernelCount, s.kernelSecond.count == op.kernelCount,
                  s.biasFirst.count == op.outSize, s.biasSecond.count == op.outSize else {
                throw UserError("checkpoint optimizer state does not match the model's shapes")
            }
            for j in 0..<op.kernelCount { op.kernelFirst[j] = s.kernelFirst[j]; op.kernelSecond[j] = s.kernelSecond[j] }
            for j in 0..<op.outSize { op.biasFirst[j] = s.biasFirst[j]; op.biasSecond[j] = s.biasSecond[j] }
        }
    }

    // MARK: shards

    /// Copies the weights the forward pass uses from `source` (same architecture), so this network
    /// can compute a shard of the batch with the current parameters.
    func copyForwardWeights(from source: Network) {
        for (mine, theirs) in zip(ops, source.ops) {
            mine.forwardKernel.update(from: theirs.forwardKernel, count: mine.kernelCount)
            mine.forwardBias.update(from: theirs.forwardBias, count: mine.outSize)
        }
    }

    /// Adds another shard's gradients to this network's (a fixed order keeps results reproducible).
    func addGradients(of other: Network) {
        for (mine, theirs) in zip(ops, other.ops) {
            for j in 0..<mine.kernelCount { mine.kernelGradient[j] += theirs.kernelGradient[j] }
            for j in 0..<mine.outSize { mine.biasGradient[j] += theirs.biasGradient[j] }
        }
    }

    // MARK: batches

    /// Copies rows `indices[start..<start+rows]` of `features`/`labels` into the input buffers.
    func gather(features: UnsafePointer<Float>, labels source: UnsafePointer<Int32>,
                indices: UnsafePointer<Int32>, start: Int, rows: Int) {
        let d = inputSize
        if d == 16 {
            // The jet models' width: one 64-byte vector per row instead of a memmove call.
            for r in 0..<rows {
                let row = Int(indices[start + r])
                let v = UnsafeRawPointer(features + row * 16).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(input + r * 16).storeBytes(of: v, as: SIMD16<Float>.self)
                labels[r] = source[row]
            }
            return
        }
        for r in 0..<rows {
            let row = Int(indices[start + r])
            for f in 0..<d { input[r * d + f] = features[row * d + f] }
            labels[r] = source[row]
        }
    }

    /// Copies `rows` consecutive rows starting at `first`.
    func loadContiguous(features: UnsafePointer<Float>, labels source: UnsafePointer<Int32>?, first: Int, rows: Int) {
        input.update(from: features + first * inputSize, count: rows * inputSize)
        if let source { labels.update(from: source + first, count: rows) }
    }
}
