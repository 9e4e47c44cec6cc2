import FixedPoint

/// The one meeting point of the project: a typed, precision-annotated network as the firmware will
/// compute it. Trained models and Keras files both become a `ModelGraph`; the simulator, the HLS
/// writer and the estimator consume only this.
///
/// Layers are in evaluation order (a sequential MLP); `index` follows hls4ml's numbering (the input
/// is layer 1, so the tutorial's Dense layers are 2, 5, 8, 11 and the softmax 13).
public struct ModelGraph: Sendable, Equatable, Codable {
    /// Project / top-function name (hls4ml `ProjectName`, default `myproject`).
    public var projectName: String
    /// Name of the input tensor as in Keras, e.g. `fc1_input`.
    public var inputName: String
    public var inputSize: Int
    /// `input_t`.
    public var inputType: Precision
    public var layers: [Layer]
    public var target: HardwareTarget

    public init(projectName: String = "myproject", inputName: String, inputSize: Int,
                inputType: Precision = .fixed(.fixed(16, 6)), layers: [Layer], target: HardwareTarget = HardwareTarget()) {
        self.projectName = projectName
        self.inputName = inputName
        self.inputSize = inputSize
        self.inputType = inputType
        self.layers = layers
        self.target = target
    }

    /// Number of outputs of the last layer.
    public var outputSize: Int { layers.last?.outputSize ?? inputSize }
}

/// Where and how the design is built: hls4ml's top-level keys.
public struct HardwareTarget: Sendable, Equatable, Codable {
    public enum Backend: String, Sendable, CaseIterable, Codable { case vivado = "Vivado", vitis = "Vitis" }
    public var backend: Backend
    /// FPGA part (hls4ml default `xcvu13p-flga2577-2-e`; the tutorial uses `xcu250-figd2104-2L-e`).
    public var part: String
    /// Clock period in ns.
    public var clockPeriod: Double
    /// Clock uncertainty as hls4ml writes it (`12.5%` Vivado, `27%` Vitis).
    public var clockUncertainty: String
    public var ioType: IOType

    public init(backend: Backend = .vivado, part: String = "xcvu13p-flga2577-2-e", clockPeriod: Double = 5,
                clockUncertainty: String? = nil, ioType: IOType = .parallel) {
        self.backend = backend
        self.part = part
        self.clockPeriod = clockPeriod
        self.clockUncertainty = clockUncertainty ?? (backend == .vitis ? "27%" : "12.5%")
        self.ioType = ioType
    }
}

public enum IOType: String, Sendable, CaseIterable, Codable {
    case parallel = "io_parallel"
    case stream = "io_stream"
}

public enum Strategy: String, Sendable, CaseIterable, Codable {
    case latency = "Latency"
    case resource = "Resource"
}

/// One node of the graph.
public struct Layer: Sendable, Equatable, Codable {
    /// Keras layer name (`fc1`, `relu1`, `softmax`, or generated ones such as `fc1_alpha`).
    public var name: String
    /// hls4ml layer index (input = 1); names `layer<index>_out`, `config<index>` in the C++.
    public var index: Int
    public var operation: Operation
    /// `result_t` of this layer's output.
    public var resultType: Precision
    public var reuseFactor: Int
    public var strategy: Strategy
    /// Record this layer's output when tracing (hls4ml `Trace`).
    public var trace: Bool

    public init(name: String, index: Int, operation: Operation, resultType: Precision = .fixed(.fixed(16, 6)),
                reuseFactor: Int = 1, strategy: Strategy = .latency, trace: Bool = false) {
        self.name = name
        self.index = index
        self.operation = operation
        self.resultType = resultType
        self.reuseFactor = reuseFactor
        self.strategy = strategy
        self.trace = trace
    }

    public var outputSize: Int {
        switch operation {
        case .dense(let dense): return dense.outputs
        case .activation(let activation): return activation.size
        case .softmax(let softmax): return softmax.size
        case .batchNormalization(let norm): return norm.size
        }
    }
}

public enum Operation: Sendable, Equatable, Codable {
    case dense(Dense)
    case activation(Activation)
    case softmax(Softmax)
    case batchNormalization(BatchNormalization)
}

/// A fully connected layer: `y_j = b_j + Σ_i x_i · w[i][j]`.
public struct Dense: Sendable, Equatable, Codable {
    public var inputs: Int
    public var outputs: Int
    /// Kernel in Keras layout: `weights[i * outputs + j]` = kernel[i][j] (float32, as trained or
    /// as a QKeras quantizer produced them). The firmware's `weight_t` values follow facts §1.7.
    public var weights: [Float]
    public var biases: [Float]
    public var weightType: Precision
    public var biasType: Precision
    public var accumType: Precision

    public init(inputs: Int, outputs: Int, weights: [Float], biases: [Float],
                weightType: Precision = .fixed(.fixed(16, 6)), biasType: Precision = .fixed(.fixed(16, 6)),
                accumType: Precision = .fixed(.fixed(16, 6))) {
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.biases = biases
        self.weightType = weightType
        self.biasType = biasType
        self.accumType = accumType
    }

    /// Weights that are exactly zero (pruned): latency-strategy firmware skips their multipliers.
    public var zeroWeightCount: Int { weights.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }
}

public enum ActivationFunction: String, Sendable, CaseIterable, Codable {
    case linear, relu, sigmoid, tanh
}

/// Element-wise activation (relu, linear cast, sigmoid/tanh lookup tables).
public struct Activation: Sendable, Equatable, Codable {
    public var function: ActivationFunction
    public var size: Int
    public var tableSize: Int
    /// `table_t` of sigmoid/tanh tables (hls4ml default `ap_fixed<18,8>`).
    public var tableType: FixedPointType

    public init(function: ActivationFunction, size: Int, tableSize: Int = 1024,
                tableType: FixedPointType = .fixed(18, 8)) {
        self.function = function
        self.size = size
        self.tableSize = tableSize
        self.tableType = tableType
    }
}

public enum SoftmaxImplementation: String, Sendable, CaseIterable, Codable {
    case stable, latency, legacy, argmax
}

/// Softmax as hls4ml ≥ 1.2 computes it (facts §3.6).
public struct Softmax: Sendable, Equatable, Codable {
    public var size: Int
    public var implementation: SoftmaxImplementation
    public var tableSize: Int
    public var expTableType: FixedPointType
    public var invTableType: FixedPointType
    /// Type of the sum of exponentials (`accum_t`).
    public var accumType: Precision
    /// Type used to index the inverse table (`inv_inp_t`).
    public var invInputType: FixedPointType
    /// `table_t` (legacy implementation only).
    public var tableType: FixedPointType

    public init(size: Int, implementation: SoftmaxImplementation = .stable, tableSize: Int = 1024,
                expTableType: FixedPointType = .fixed(18, 8, .rnd, .sat),
                invTableType: FixedPointType = .fixed(18, 8, .rnd, .sat),
                accumType: Precision = .fixed(.fixed(18, 8, .rnd, .sat)),
                invInputType: FixedPointType = .fixed(18, 8, .rnd, .sat),
                tableType: FixedPointType = .fixed(18, 8)) {
        self.size = size
        self.implementation = implementation
        self.tableSize = tableSize
        self.expTableType = expTableType
        self.invTableType = invTableType
        self.accumType = accumType
        self.invInputType = invInputType
        self.tableType = tableType
    }
}

/// `y_i = x_i · scale_i + bias_i` (a BatchNormalization that was not folded, or QKeras's ApplyAlpha).
public struct BatchNormalization: Sendable, Equatable, Codable {
    public var size: Int
    public var scale: [Float]
    public var bias: [Float]
    public var scaleType: Precision
    public var biasType: Precision

    public init(size: Int, scale: [Float], bias: [Float], scaleType: Precision = .fixed(.fixed(16, 6)),
                biasType: Precision = .fixed(.fixed(16, 6))) {
        self.size = size
        self.scale = scale
        self.bias = bias
        self.scaleType = scaleType
        self.biasType = biasType
    }
}
