// The Simulation module: a bit-exact, batched simulator of the generated firmware (facts §1, §3).
//
// `Simulator(graph:)` compiles a ModelGraph once: weights are quantized as the firmware reads them
// (printf %.Nf → strtod → ap_fixed, facts §1.7), every cast becomes a precomputed `FixedCast`, tables
// are built with expf/tanhf in float as the C++ does. `run` converts each row to input_t and pushes it
// through the layers on raw Int64 values, 512-row chunks spread over all cores.
//
// Dense layers pick a kernel at compile time (Compiler.compileDense):
// * general  — every cast in firmware order with the layer's Q/O modes (SAT accumulators, Resource order);
// * wrap16/32/64 — TRN/WRAP products into a signed WRAP accumulator: wrapping is arithmetic mod 2^W, so
//   Σ floor(x·w/2^sh) + bias is wrapped once at the end (identical results); 16-bit lanes use
//   pmulhw/pmullw, skip zero inputs via bit masks, and layers with < 8 outputs run as dot products;
// * wide128  — accumulators up to 64 bits / products up to 126 bits on Int128.
// With overflow counting the shortcuts are replaced by inlined cast-by-cast loops in firmware order.
// Tests prove each kernel against the plain FixedCast path (FuzzTests), small networks against a C++
// program on the Xilinx headers (VendorNetworkTests) and KERAS_3layer against hls4ml (ConformanceTests).
import Foundation
import FixedPoint
import ModelGraph
import Support

/// How a batch is run.
public struct SimulationOptions: Sendable, Equatable {
    /// Round every input to float32 before converting it to `input_t`, as the C testbench does
    /// (`atof` into a `std::vector<float>`); `false` converts the doubles directly, as hls4ml's
    /// `predict()` does for float64 arrays.
    public var roundInputsToFloat32: Bool
    /// Keep every layer's output (as Double) in `SimulationResult.trace`.
    public var trace: Bool
    /// Keep the input of the last softmax (the logits) in `SimulationResult.logits`.
    public var keepLogits: Bool
    /// Count wrapped/saturated values per layer. Without it the simulator may take a faster path
    /// whose results are identical but which cannot see intermediate accumulator wraps.
    public var countOverflows: Bool
    /// Worker threads (0 = one per active core, 1 = the calling thread only).
    public var threads: Int
    /// Tests only: every Dense cast through the generic `FixedCast` path (no inlined shortcuts).
    var forceGenericCasts = false

    public init(roundInputsToFloat32: Bool = false, trace: Bool = false, keepLogits: Bool = false,
                countOverflows: Bool = true, threads: Int = 0) {
        self.roundInputsToFloat32 = roundInputsToFloat32
        self.trace = trace
        self.keepLogits = keepLogits
        self.countOverflows = countOverflows
        self.threads = threads
    }
}

/// How often values did not fit a layer's types (wrapped under AP_WRAP, clamped under SAT modes).
public struct LayerOverflow: Sendable, Equatable, Codable {
    public var layer: String
    public var index: Int
    /// Overflows at the cast of the layer's outputs into `result_t` (for the input: into `input_t`).
    public var resultOverflows: Int
    /// Number of result casts performed (samples × outputs).
    public var resultCasts: Int
    /// Overflows at internal casts: Dense products/bias/partial sums into `accum_t`; softmax
    /// `inp_norm_t`, `accum_t` and `inv_inp_t`; BatchNormalization has none.
    public var accumulatorOverflows: Int
    public var accumulatorCasts: Int

    public init(layer: String, index: Int, resultOverflows: Int = 0, resultCasts: Int = 0,
                accumulatorOverflows: Int = 0, accumulatorCasts: Int = 0) {
        self.layer = layer
        self.index = index
        self.resultOverflows = resultOverflows
        self.resultCasts = resultCasts
        self.accumulatorOverflows = accumulatorOverflows
        self.accumulatorCasts = accumulatorCasts
    }
}

/// Outputs of one batch, row-major.
public struct SimulationResult: Sendable, Equatable {
    public var samples: Int
    public var outputSize: Int
    /// `samples × outputSize` firmware outputs (exact values of `result_t`).
    public var outputs: [Double]
    /// Input of the last softmax layer (`samples × size`), when requested; nil without a softmax.
    public var logits: [Double]?
    /// Per layer (graph order) its outputs, `samples × outputSize(layer)`, when tracing.
    public var trace: [(layer: String, values: [Double])]?
    /// The input cast (named "input", index 1) and every layer, when counting.
    public var overflows: [LayerOverflow]?

    public static func == (a: SimulationResult, b: SimulationResult) -> Bool {
        a.samples == b.samples && a.outputSize == b.outputSize && a.outputs == b.outputs && a.logits == b.logits
            && a.overflows == b.overflows
            && a.trace?.map(\.layer) == b.trace?.map(\.layer) && a.trace?.map(\.values) == b.trace?.map(\.values)
    }

    /// Row `i` of the outputs.
    public func output(_ sample: Int) -> ArraySlice<Double> {
        outputs[(sample * outputSize)..<((sample + 1) * outputSize)]
    }
}

/// A compiled, immutable simulator of one model graph; safe to share between threads.
public struct Simulator: Sendable {
    public let graph: ModelGraph
    let inputType: FixedPointType
    let inputCast: DoubleCast
    let steps: [Step]
    let storage: Storage
    /// Index of the last softmax step (its input is the logits).
    let softmaxStep: Int?

    /// Compiles the graph: every precision must be concrete (run precision inference first).
    public init(graph: ModelGraph) throws {
        self.graph = graph
        guard case .fixed(let input) = graph.inputType else {
            throw UserError("input precision is 'auto'", at: "layer '\(graph.inputName)'",
                            expected: "a concrete input_t such as ap_fixed<16,6> (run precision inference first)")
        }
        guard graph.inputSize > 0 else {
            throw UserError("input size is \(graph.inputSize)", at: "layer '\(graph.inputName)'", expected: "a positive size")
        }
        try Compiler.checkWidth(input, "input_t", layer: graph.inputName)
        inputType = input
        inputCast = DoubleCast(input)
        let storage = Storage()
        self.storage = storage
        var steps: [Step] = []
        var current = input
        var size = graph.inputSize
        var lastSoftmax: Int?
        for layer in graph.layers {
            let step = try Compiler.compile(layer, inputType: current, inputSize: size, storage: storage)
            if step.isSoftmax { lastSoftmax = steps.count }
            steps.append(step)
            current = step.outputType
            size = step.outputSize
        }
        self.steps = steps
        softmaxStep = lastSoftmax
    }

    public var inputSize: Int { graph.inputSize }
    public var outputSize: Int { steps.last?.outputSize ?? graph.inputSize }
    /// `result_t` of the last layer (`input_t` for an empty graph).
    public var outputType: FixedPointType { steps.last?.outputType ?? inputType }

    /// Runs a batch: `inputs` is row-major `n × inputSize`.
    public func run(_ inputs: [Double], options: SimulationOptions = SimulationOptions()) throws -> SimulationResult {
        guard inputs.count % inputSize == 0 else {
            throw UserError("input holds \(inputs.count) values, not a multiple of the model's \(inputSize) inputs",
                            expected: "rows of \(inputSize) features")
        }
        return inputs.withUnsafeBufferPointer { run(buffer: $0, samples: inputs.count / inputSize, options: options) }
    }

    /// Outputs only (`n × outputSize`), without overflow counting.
    public func predict(_ inputs: [Double], roundInputsToFloat32: Bool = false) throws -> [Double] {
        try run(inputs, options: SimulationOptions(roundInputsToFloat32: roundInputsToFloat32, countOverflows: false)).outputs
    }

    /// The firmware's output for one sample.
    public func predict(sample: [Double]) throws -> [Double] {
        guard sample.count == inputSize else {
            throw UserError("sample has \(sample.count) features", expected: "\(inputSize) features")
        }
        return try predict(sample)
    }
}
