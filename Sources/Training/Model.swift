import Foundation
import Support

/// Element-wise activations (Keras names).
public enum Activation: String, Sendable, Codable, Equatable, Hashable, CaseIterable {
    case linear, relu, sigmoid, tanh, softmax

    public static func named(_ name: String, at location: String) throws -> Activation {
        guard let a = Activation(rawValue: name) else {
            throw UserError("unsupported activation '\(name)'", at: location,
                            expected: Activation.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return a
    }
}

/// Kernel initializers (Keras names and formulas).
public enum Initializer: String, Sendable, Codable, Equatable, Hashable, CaseIterable {
    /// U(−√(3/fan_in), +√(3/fan_in)).
    case lecunUniform = "lecun_uniform"
    /// U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))).
    case glorotUniform = "glorot_uniform"
    /// Truncated normal (±2σ, redrawn outside) with σ = √(2/fan_in)/0.87962566103423978, as Keras.
    case heNormal = "he_normal"
    case zeros

    /// Fills `count = fanIn·fanOut` values from `generator`. `varianceScale` multiplies Keras's
    /// VarianceScaling `scale` (1, 1, 2 for lecun, glorot, he), i.e. the variance.
    public func values(fanIn: Int, fanOut: Int, varianceScale: Double = 1, using generator: inout Xoshiro256) -> [Float] {
        let count = fanIn * fanOut
        switch self {
        case .zeros:
            return [Float](repeating: 0, count: count)
        case .lecunUniform, .glorotUniform:
            let limit = self == .lecunUniform ? (3.0 * varianceScale / Double(fanIn)).squareRoot()
                                              : (6.0 * varianceScale / Double(fanIn + fanOut)).squareRoot()
            return (0..<count).map { _ in Float(generator.uniform(-limit, limit)) }
        case .heNormal:
            let sigma = (2.0 * varianceScale / Double(fanIn)).squareRoot() / 0.87962566103423978
            return (0..<count).map { _ in
                var z = generator.standardNormal()
                while abs(z) > 2 { z = generator.standardNormal() }
                return Float(z * sigma)
            }
        }
    }
}

/// Keras kernel regularizer: `l1·Σ|W| + l2·ΣW²` added to the loss.
public struct Regularizer: Sendable, Codable, Equatable, Hashable {
    public var l1: Float
    public var l2: Float
    public init(l1: Float = 0, l2: Float = 0) { self.l1 = l1; self.l2 = l2 }
    public static let none = Regularizer()
    public static func l1(_ v: Float) -> Regularizer { Regularizer(l1: v) }
    public static func l2(_ v: Float) -> Regularizer { Regularizer(l2: v) }
    public var isNone: Bool { l1 == 0 && l2 == 0 }
}

/// A fully connected layer (Keras `Dense`, or QKeras `QDense` when a quantizer is set).
///
/// `kernel` is row-major `inputSize × units` exactly like the Keras HDF5 dataset, `bias` has `units`
/// values. For a QDense these are the float *latent* weights; the forward pass uses their quantized
/// values (`quantizedKernel()`), gradients pass straight through, and after every update the latent
/// weights are clipped to ±max(1, q.max()) (QKeras's `Clip` constraint).
public struct Dense: Sendable, Codable, Equatable {
    public var inputSize: Int
    public var units: Int
    public var activation: Activation
    public var kernelInitializer: Initializer
    public var biasInitializer: Initializer
    public var kernelRegularizer: Regularizer
    public var kernel: [Float]
    public var bias: [Float]
    public var kernelQuantizer: Quantizer?
    public var biasQuantizer: Quantizer?
    /// Magnitude pruning of the kernel while training (tfmot `prune_low_magnitude`).
    public var pruning: PruningState?

    public var isQuantized: Bool { kernelQuantizer != nil || biasQuantizer != nil }

    /// The kernel quantizer as QDense applies it (alpha None → auto_po2).
    var effectiveKernelQuantizer: QuantizedBits? {
        if case .quantizedBits(let q)? = kernelQuantizer { return q.kernelEffective }
        return nil
    }

    var effectiveBiasQuantizer: QuantizedBits? {
        if case .quantizedBits(let q)? = biasQuantizer { return q }
        return nil
    }

    /// The weights the forward pass uses: mask applied, then the kernel quantizer.
    public func quantizedKernel() -> [Float] {
        var k = kernel
        if let mask = pruning?.mask { for i in k.indices where mask[i] == 0 { k[i] = 0 } }
        guard let q = effectiveKernelQuantizer else { return k }
        return q.quantize(k, rows: inputSize, columns: units)
    }

    public func quantizedBias() -> [Float] {
        guard let q = effectiveBiasQuantizer else { return bias }
        return q.quantize(bias, rows: 1, columns: units)
    }

    /// QKeras `.scale` per output channel of a data-dependent kernel quantizer (empty otherwise).
    public func kernelQuantizerScales() -> [Float] {
        guard let q = effectiveKernelQuantizer, q.isDataDependent else { return [] }
        var out = [Float](repeating: 0, count: kernel.count)
        return kernel.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                q.quantize(src.baseAddress!, rows: inputSize, columns: units, into: dst.baseAddress!)
            }
        }
    }

    /// Bound of QKeras's `Clip` constraint on the latent kernel (nil: no constraint).
    var kernelClip: Float? { effectiveKernelQuantizer.map { max(1, $0.maxValue) } }
    var biasClip: Float? { effectiveBiasQuantizer.map { max(1, $0.maxValue) } }
}

/// One named layer of a sequential model.
public struct Layer: Sendable, Codable, Equatable {
    public enum Kind: Sendable, Codable, Equatable {
        case dense(Dense)
        /// Keras `Activation`.
        case activation(Activation)
        /// QKeras `QActivation` with a quantizer (`quantized_relu` or `quantized_bits`).
        case quantizedActivation(Quantizer)
    }
    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public var dense: Dense? {
        if case .dense(let d) = kind { return d }
        return nil
    }
}

/// What to build: a layer description without weights (see `Model.init(inputSize:layers:seed:)`).
public enum LayerSpec: Sendable, Equatable {
    case dense(name: String, units: Int, activation: Activation, kernelInitializer: Initializer,
               kernelRegularizer: Regularizer, kernelQuantizer: Quantizer?, biasQuantizer: Quantizer?)
    case activation(name: String, Activation)
    case quantizedActivation(name: String, Quantizer)

    /// Keras `Dense(units, activation, kernel_initializer, kernel_regularizer)`; Keras defaults.
    public static func dense(_ name: String, units: Int, activation: Activation = .linear,
                             kernelInitializer: Initializer = .glorotUniform,
                             kernelRegularizer: Regularizer = .none) -> LayerSpec {
        .dense(name: name, units: units, activation: activation, kernelInitializer: kernelInitializer,
               kernelRegularizer: kernelRegularizer, kernelQuantizer: nil, biasQuantizer: nil)
    }

    /// QKeras `QDense` (default kernel initializer he_normal as in QKeras).
    public static func qDense(_ name: String, units: Int, kernelQuantizer: Quantizer?, biasQuantizer: Quantizer?,
                              activation: Activation = .linear, kernelInitializer: Initializer = .heNormal,
                              kernelRegularizer: Regularizer = .none) -> LayerSpec {
        .dense(name: name, units: units, activation: activation, kernelInitializer: kernelInitializer,
               kernelRegularizer: kernelRegularizer, kernelQuantizer: kernelQuantizer, biasQuantizer: biasQuantizer)
    }

    public static func activation(_ name: String, _ activation: Activation) -> LayerSpec {
        .activation(name: name, activation)
    }

    public static func qActivation(_ name: String, _ quantizer: Quantizer) -> LayerSpec {
        .quantizedActivation(name: name, quantizer)
    }
}

/// A sequential network of named layers, mirroring a Keras `Sequential` model.
///
/// A value type: copying a model copies its weights. Training happens in `Trainer`, which works
/// on flat preallocated buffers and writes the weights back into a `Model`.
public struct Model: Sendable, Codable, Equatable {
    public var inputSize: Int
    public var layers: [Layer]

    /// Builds the layers and draws the initial weights from `seed` (layer by layer, kernel then bias).
    public init(inputSize: Int, layers specs: [LayerSpec], seed: UInt64) throws {
        guard inputSize > 0 else { throw UserError("model input size must be positive, got \(inputSize)") }
        self.inputSize = inputSize
        var generator = Xoshiro256(seed: seed)
        var width = inputSize
        var built: [Layer] = []
        var names = Set<String>()
        for spec in specs {
            let name: String
            switch spec {
            case .dense(let n, let units, let activation, let initializer, let regularizer, let kq, let bq):
                name = n
                guard units > 0 else { throw UserError("Dense layer '\(n)' needs units > 0, got \(units)") }
                if let kq {
                    try kq.validate(at: "layer \(n) kernel_quantizer")
                    guard case .quantizedBits = kq else {
                        throw UserError("layer \(n): kernel_quantizer \(kq) is not supported",
                                        expected: "quantized_bits")
                    }
                }
                if let bq {
                    try bq.validate(at: "layer \(n) bias_quantizer")
                    guard case .quantizedBits(let q) = bq, !q.isDataDependent else {
                        throw UserError("layer \(n): bias_quantizer \(bq) is not supported",
                                        expected: "quantized_bits with alpha 1/None/number")
                    }
                }
                var kernel = initializer.values(fanIn: width, fanOut: units, using: &generator)
                var dense = Dense(inputSize: width, units: units, activation: activation,
                                  kernelInitializer: initializer, biasInitializer: .zeros,
                                  kernelRegularizer: regularizer, kernel: [], bias: [Float](repeating: 0, count: units),
                                  kernelQuantizer: kq, biasQuantizer: bq, pruning: nil)
                if let q = dense.effectiveKernelQuantizer, !q.isDataDependent {
                    kernel = Model.qInitializer(kernel, quantizer: q, initializer: initializer, fanIn: width,
                                                fanOut: units, using: &generator)
                }
                dense.kernel = kernel
                built.append(Layer(name: n, kind: .dense(dense)))
                width = units
            case .activation(let n, let a):
                name = n
                built.append(Layer(name: n, kind: .activation(a)))
            case .quantizedActivation(let n, let q):
                name = n
                try q.validate(at: "layer \(n)")
                if case .quantizedBits(let b) = q, b.isDataDependent {
                    throw UserError("layer \(n): QActivation with alpha \(String(describing: b.alpha)) is not supported",
                                    expected: "quantized_relu or quantized_bits with a fixed alpha")
                }
                built.append(Layer(name: n, kind: .quantizedActivation(q)))
            }
            guard names.insert(name).inserted else { throw UserError("duplicate layer name '\(name)'") }
        }
        self.layers = built
    }

    /// QKeras's `QInitializer` (fixed alpha only): when the quantizer's resolution `q.max()·2^−bits`
    /// exceeds the std of the drawn kernel, the VarianceScaling scale is multiplied by
    /// max(Σq²/Σqx, 1) — or by q.max()/rms(x) when everything quantizes to 0 — and the kernel is
    /// drawn again; finally it is clipped to ±q.max().
    static func qInitializer(_ drawn: [Float], quantizer q: QuantizedBits, initializer: Initializer, fanIn: Int,
                             fanOut: Int, using generator: inout Xoshiro256) -> [Float] {
        var kernel = drawn
        let n = Double(kernel.count)
        let mean = kernel.reduce(0.0) { $0 + Double($1) } / n
        let std = (kernel.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        let maxValue = Double(q.maxValue)
        let delta = maxValue * exp2(-Double(q.bits))
        if delta > std && initializer != .zeros {
            let quantized = kernel.map { Double(q.quantize($0)) }
            var scale = 1.0
            if quantized.allSatisfy({ $0 == 0 }) {
                let meanSquare = kernel.reduce(0.0) { $0 + Double($1) * Double($1) } / n
                scale = meanSquare > 0 ? maxValue / meanSquare.squareRoot() : 1
            } else {
                let qx = zip(quantized, kernel).reduce(0.0) { $0 + $1.0 * Double($1.1) }
                let qq = quantized.reduce(0.0) { $0 + $1 * $1 }
                scale = qx != 0 ? qq / qx : 1
            }
            kernel = initializer.values(fanIn: fanIn, fanOut: fanOut, varianceScale: max(scale, 1), using: &generator)
        }
        let bound = q.maxValue
        return kernel.map { min(max($0, -bound), bound) }
    }

    /// A model from already-built layers (e.g. read from a Keras file). Checks the shapes.
    public init(inputSize: Int, layers: [Layer]) throws {
        self.inputSize = inputSize
        self.layers = layers
        try validateShapes()
    }

    public func validateShapes() throws {
        var width = inputSize
        for layer in layers {
            guard case .dense(let d) = layer.kind else { continue }
            guard d.inputSize == width else {
                throw UserError("layer \(layer.name) expects \(d.inputSize) inputs but receives \(width)")
            }
            guard d.kernel.count == d.inputSize * d.units, d.bias.count == d.units else {
                throw UserError("layer \(layer.name): kernel has \(d.kernel.count) values and bias \(d.bias.count)",
                                expected: "\(d.inputSize)×\(d.units) kernel and \(d.units) bias values")
            }
            width = d.units
        }
    }

    /// Number of outputs (classes).
    public var outputSize: Int {
        layers.last(where: { $0.dense != nil })?.dense?.units ?? inputSize
    }

    /// Trainable parameters (kernels and biases).
    public var parameterCount: Int {
        layers.reduce(0) { $0 + ($1.dense.map { $0.kernel.count + $0.bias.count } ?? 0) }
    }

    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

    /// Index of the Dense layers in `layers`.
    public var denseIndices: [Int] { layers.indices.filter { layers[$0].dense != nil } }

    /// The tutorial's jet-tagging MLP: 16 → 64 → 32 → 32 → 5, ReLU, softmax, lecun_uniform, L1 1e-4
    /// (facts §8.2). With `quantizer`/`activationQuantizer` it becomes the QKeras version of part 4.
    public static func jetTagger(seed: UInt64, inputSize: Int = 16, classes: Int = 5,
                                 weightQuantizer: Quantizer? = nil, activationQuantizer: Quantizer? = nil,
                                 l1: Float = 1e-4) throws -> Model {
        var specs: [LayerSpec] = []
        let widths = [("fc1", 64), ("fc2", 32), ("fc3", 32)]
        for (i, (name, units)) in widths.enumerated() {
            if let weightQuantizer {
                specs.append(.qDense(name, units: units, kernelQuantizer: weightQuantizer, biasQuantizer: weightQuantizer,
                                     kernelInitializer: .lecunUniform, kernelRegularizer: .l1(l1)))
            } else {
                specs.append(.dense(name, units: units, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(l1)))
            }
            if let activationQuantizer {
                specs.append(.qActivation("relu\(i + 1)", activationQuantizer))
            } else {
                specs.append(.activation("relu\(i + 1)", .relu))
            }
        }
        if let weightQuantizer {
            specs.append(.qDense("output", units: classes, kernelQuantizer: weightQuantizer, biasQuantizer: weightQuantizer,
                                 kernelInitializer: .lecunUniform, kernelRegularizer: .l1(l1)))
        } else {
            specs.append(.dense("output", units: classes, kernelInitializer: .lecunUniform, kernelRegularizer: .l1(l1)))
        }
        specs.append(.activation("softmax", .softmax))
        return try Model(inputSize: inputSize, layers: specs, seed: seed)
    }
}
