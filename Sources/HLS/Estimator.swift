import Foundation
import FixedPoint
import ModelGraph
import Support

// MARK: - Results

/// Resources and timing of a design or of one layer, in the units of a csynth report.
///
/// These are **estimates** made without running an HLS tool (see `Estimator`); the same fields come out
/// of `SynthesisReport` for real numbers, so the two can be compared (`EstimateComparison`).
public struct ResourceEstimate: Sendable, Equatable, Codable {
    public var dsp: Int
    public var lut: Int
    public var ff: Int
    /// 18 Kbit block RAMs (a 36 Kbit tile counts as two).
    public var bram18k: Int
    public var latencyCycles: Int
    /// `latencyCycles` × the target clock period.
    public var latencyNs: Double
    /// Initiation interval in cycles (1 = a new input every clock).
    public var ii: Int

    public init(dsp: Int = 0, lut: Int = 0, ff: Int = 0, bram18k: Int = 0, latencyCycles: Int = 0,
                latencyNs: Double = 0, ii: Int = 1) {
        self.dsp = dsp
        self.lut = lut
        self.ff = ff
        self.bram18k = bram18k
        self.latencyCycles = latencyCycles
        self.latencyNs = latencyNs
        self.ii = ii
    }

    enum CodingKeys: String, CodingKey {
        case dsp, lut, ff, bram18k = "bram_18k", latencyCycles = "latency_cycles", latencyNs = "latency_ns", ii
    }
}

/// The estimate of one layer of the graph, with the counts it was derived from.
public struct LayerEstimate: Sendable, Equatable, Codable {
    /// Keras layer name (`fc1`, `relu1`, `softmax`).
    public var name: String
    /// hls4ml layer index (the `config<index>` of the C++ and of csynth module names).
    public var index: Int
    /// `dense`, `relu`, `linear`, `sigmoid`, `tanh`, `softmax`, `batchnorm`.
    public var kind: String
    public var resources: ResourceEstimate
    /// Products the layer describes (n_in·n_out for Dense, n for BatchNorm), before any removal.
    public var multiplications: Int
    /// Products with a non-zero constant operand (latency strategy drops the rest).
    public var nonZeroMultiplications: Int
    /// Non-zero constants that are ± a power of two (a shift, no multiplier).
    public var shiftMultiplications: Int
    /// hls4ml's `multiplier_limit` (the `ALLOCATION` cap on multipliers; `block_factor` for Resource).
    public var multiplierLimit: Int

    enum CodingKeys: String, CodingKey {
        case name, index, kind, resources, multiplications
        case nonZeroMultiplications = "nonzero_multiplications"
        case shiftMultiplications = "shift_multiplications"
        case multiplierLimit = "multiplier_limit"
    }

    /// Flat JSON: the resource fields sit beside the name (`{"name":"fc1","dsp":…}`).
    public func encode(to encoder: Encoder) throws {
        try resources.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(index, forKey: .index)
        try container.encode(kind, forKey: .kind)
        try container.encode(multiplications, forKey: .multiplications)
        try container.encode(nonZeroMultiplications, forKey: .nonZeroMultiplications)
        try container.encode(shiftMultiplications, forKey: .shiftMultiplications)
        try container.encode(multiplierLimit, forKey: .multiplierLimit)
    }

    public init(from decoder: Decoder) throws {
        resources = try ResourceEstimate(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        index = try container.decode(Int.self, forKey: .index)
        kind = try container.decode(String.self, forKey: .kind)
        multiplications = try container.decode(Int.self, forKey: .multiplications)
        nonZeroMultiplications = try container.decode(Int.self, forKey: .nonZeroMultiplications)
        shiftMultiplications = try container.decode(Int.self, forKey: .shiftMultiplications)
        multiplierLimit = try container.decode(Int.self, forKey: .multiplierLimit)
    }

    public init(name: String, index: Int, kind: String, resources: ResourceEstimate, multiplications: Int = 0,
                nonZeroMultiplications: Int = 0, shiftMultiplications: Int = 0, multiplierLimit: Int = 0) {
        self.name = name
        self.index = index
        self.kind = kind
        self.resources = resources
        self.multiplications = multiplications
        self.nonZeroMultiplications = nonZeroMultiplications
        self.shiftMultiplications = shiftMultiplications
        self.multiplierLimit = multiplierLimit
    }
}

/// The whole design: per layer and total, plus what the estimate assumed.
public struct DesignEstimate: Sendable, Equatable, Codable {
    /// Always printed with the numbers: these are not synthesis results.
    public static let disclaimer =
        "ESTIMATES, not synthesis results: a calibrated model of Vitis/Vivado HLS C-synthesis (see Estimator docs); real reports of the same design vary by ±30% or more across tool versions."

    public var projectName: String
    public var backend: String
    public var part: String
    public var clockPeriodNs: Double
    public var ioType: String
    public var layers: [LayerEstimate]
    /// Cycles of the top function outside the layers (input and output registers).
    public var interfaceCycles: Int
    /// Flip-flops of the top function outside the layer modules: the input register and the registers
    /// between layers (csynth lists them under "Register", not under the layer instances).
    public var interfaceFF: Int
    public var total: ResourceEstimate

    enum CodingKeys: String, CodingKey {
        case projectName = "project", backend, part, clockPeriodNs = "clock_period_ns", ioType = "io_type"
        case layers, interfaceCycles = "interface_cycles", interfaceFF = "interface_ff", total, note
    }

    public init(projectName: String, backend: String, part: String, clockPeriodNs: Double, ioType: String,
                layers: [LayerEstimate], interfaceCycles: Int, interfaceFF: Int, total: ResourceEstimate) {
        self.projectName = projectName
        self.backend = backend
        self.part = part
        self.clockPeriodNs = clockPeriodNs
        self.ioType = ioType
        self.layers = layers
        self.interfaceCycles = interfaceCycles
        self.interfaceFF = interfaceFF
        self.total = total
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.disclaimer, forKey: .note)
        try container.encode(projectName, forKey: .projectName)
        try container.encode(backend, forKey: .backend)
        try container.encode(part, forKey: .part)
        try container.encode(clockPeriodNs, forKey: .clockPeriodNs)
        try container.encode(ioType, forKey: .ioType)
        try container.encode(layers, forKey: .layers)
        try container.encode(interfaceCycles, forKey: .interfaceCycles)
        try container.encode(interfaceFF, forKey: .interfaceFF)
        try container.encode(total, forKey: .total)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        projectName = try container.decode(String.self, forKey: .projectName)
        backend = try container.decode(String.self, forKey: .backend)
        part = try container.decode(String.self, forKey: .part)
        clockPeriodNs = try container.decode(Double.self, forKey: .clockPeriodNs)
        ioType = try container.decode(String.self, forKey: .ioType)
        layers = try container.decode([LayerEstimate].self, forKey: .layers)
        interfaceCycles = try container.decode(Int.self, forKey: .interfaceCycles)
        interfaceFF = try container.decode(Int.self, forKey: .interfaceFF)
        total = try container.decode(ResourceEstimate.self, forKey: .total)
    }

    /// One JSON object (sorted keys), for `pipeline estimate --json` and the pipeline's metrics.
    public func jsonString(pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The per-layer table printed by `pipeline estimate`.
    public func table() -> String {
        var rows: [[String]] = [["layer", "kind", "mults", "nonzero", "DSP", "LUT", "FF", "BRAM_18K", "latency", "II"]]
        for layer in layers {
            let r = layer.resources
            let isProduct = layer.multiplications > 0
            rows.append([layer.name, layer.kind, isProduct ? "\(layer.multiplications)" : "-",
                         isProduct ? "\(layer.nonZeroMultiplications)" : "-",
                         "\(r.dsp)", "\(r.lut)", "\(r.ff)", "\(r.bram18k)", "\(r.latencyCycles)", "\(r.ii)"])
        }
        rows.append(["(top-level registers)", "", "", "", "", "", "\(interfaceFF)", "", "\(interfaceCycles)", ""])
        let t = total
        let multiplications = layers.reduce(0) { $0 + $1.multiplications }
        let nonZero = layers.reduce(0) { $0 + $1.nonZeroMultiplications }
        rows.append(["TOTAL", "", "\(multiplications)", "\(nonZero)", "\(t.dsp)", "\(t.lut)", "\(t.ff)", "\(t.bram18k)",
                     "\(t.latencyCycles)", "\(t.ii)"])
        var text = "Estimate for '\(projectName)' (\(backend), \(part), \(ioType), clock \(formatNumber(clockPeriodNs)) ns)\n"
        text += renderTable(rows, separatorBefore: [1, rows.count - 1])
        text += "Latency \(t.latencyCycles) cycles = \(formatNumber(t.latencyNs)) ns, II \(t.ii)\n"
        text += DesignEstimate.disclaimer + "\n"
        return text
    }
}

// MARK: - The estimator

/// Estimates DSP, LUT, FF, BRAM_18K, latency and II of the HLS design hls4ml-style firmware of a
/// `ModelGraph` would synthesize to, without an HLS tool.
///
/// The model, term by term (all numbers are calibrated against real csynth reports of the tutorial
/// jet tagger 16-64-32-32-5, facts §5 and §8.4/§8.5, and the two reports in `shared/data/reports`):
///
/// * **Which products exist.** A Dense layer describes n_in·n_out products. With Strategy Latency the
///   weights are compile-time constants (`function_instantiate`), so HLS deletes products whose weight
///   is zero on the `weight_t` grid (pruning shows up here: 75 % zeros cut the tutorial's DSPs from
///   ≈1500 to ≈830) and turns ± powers of two into shifts (no multiplier). Weights are first put on the
///   `weight_t` grid the way the firmware does it (floor for TRN, rounding otherwise; wrap/saturate).
/// * **DSP or LUT for a constant product.** HLS strength-reduces a product by a constant into
///   shift-and-adds when the constant is "simple", and keeps a DSP48 otherwise. The simplicity of a
///   constant is measured by `s`, the bit length of its odd part (|q| with trailing zeros removed: the
///   width of the multiplier that remains after the free shift). The probability that a product ends
///   in a DSP is a logistic curve in `s`, P = 1/(1+exp(−(s − 6.5)/1.5)): 0.09 / 0.16 / 0.27 for 3 / 4 /
///   5-bit constants, 0.5 between 6 and 7 bits, 0.73 at 8, > 0.9 from 10 bits; the layer's DSP count is
///   the sum of these probabilities (an expectation, rounded). This single curve reproduces the three tutorial designs:
///   all fixed<16,6> (real 1502 DSP; the products of small weights go to LUTs), 75 % pruned (real 834:
///   the surviving large weights mostly keep their DSP) and QKeras 6-bit (real 34: a few of fc1's
///   16-bit × 5-bit products in DSPs, 29 in reality). A hard threshold would not (fc1 of the QKeras
///   design would get 0 DSP).
/// * **Narrow data goes to LUTs.** When the variable operand (the layer input) is narrower than 9 bits,
///   every product is built from LUTs, the rule hls4ml's own resource model applies (to weights < 9 bits),
///   and what the QKeras design shows: 6-bit relu outputs × 6-bit weights used 0 DSP in fc2, fc3, output.
/// * **Wide operands need several DSPs.** A DSP48E2 multiplies 27×18 bits (DSP48E1 25×18 on 7-series,
///   DSP58 27×24 on Versal); wider products take ⌈a/27⌉·⌈b/18⌉ blocks.
/// * **ReuseFactor.** Latency strategy caps multipliers with `ALLOCATION limit = ⌈n_in·n_out/RF⌉ −
///   ⌊n_zeros/RF⌋`; only products that would need a DSP are affected (tutorial RF 2: 1476 vs 1502 DSP,
///   only the 160-product output layer fell to its limit of 80). Resource strategy keeps the weights in
///   ROM (not constants: no zero or shift removal) and instantiates `block_factor = ⌈n_in·n_out/RF⌉`
///   real multipliers.
/// * **LUTs.** Dense: ≈ 1.5·accum_t width LUTs per non-zero product (the adder tree plus the LUT
///   multipliers; real reports show 21–36 LUT per product at 16-bit accumulators whether the product sits
///   in a DSP or not). ReLU: ≈ 2.1 LUT per input bit per element, +1.5 per bit for rounding and +1.5 per
///   bit for saturation of the result type (QKeras relu: 77–90 LUT per element). Softmax ≈ 150 per class.
/// * **FFs.** Dense: one register per non-zero product plus the n_out·accum_t output register; the top
///   level registers the input and ≈ 3/4 of the intermediate layer outputs (the reports list ~200 such
///   16-bit registers for the tutorial).
/// * **BRAM_18K.** Lookup tables (softmax exp and 1/x, sigmoid/tanh) use ⌈entries·width/18 Kbit⌉ blocks per
///   copy, one copy per two parallel lookups (dual-port); Vitis HLS 2024.1 reports two BRAM_18K per copy of
///   the 1024×18 tables (8 for a 5-class softmax) where Vivado HLS 2019.2 reports one (4). Resource-strategy
///   weights are a ROM of `block_factor`-wide words, RF deep, in 512×36 BRAM_18K when RF ≥ 64 (shallower
///   ROMs are assumed to land in LUT RAM / registers).
/// * **Latency and II.** At the tutorial's 5 ns clock a latency-strategy Dense (multiplier + adder tree)
///   is one pipeline stage plus one register (each dense_latency module reports 1 cycle, the top level
///   14 cycles in total, also with Vitis's 27 % clock uncertainty). The combinational delay is modelled as
///   1.4 ns for the multiplier plus 0.3 ns per adder-tree level, cut into ⌈delay/(clock − uncertainty)⌉ stages; with RF > 1 a layer takes
///   max(RF, stages + 1) cycles and has II = RF (tutorial RF 2: II 2, 13 cycles). Resource strategy:
///   RF + stages + 1 cycles per layer and DATAFLOW between layers. io_stream: one more cycle per layer
///   for the FIFO hand-over, and every layer output held in its depth-1 FIFO (FF). ReLU is combinational (0 cycles),
///   softmax `stable` 4 cycles (as reported), table activations 1. Two cycles of interface registers.
///   II of the design = the largest layer II.
///
/// Real reports of the very same design move a lot between tool versions (Vitis 2024.1: 1502 DSP; older
/// Vivado HLS flows: 3300–3900 for the tutorial model), so the model aims at the recent tools' middle.
public struct Estimator: Sendable {
    /// The constants of the model (defaults = the calibration described above).
    public struct Calibration: Sendable, Equatable {
        /// Centre and width (in bits of the constant's odd part) of the DSP probability curve.
        public var dspCurveCentreBits: Double = 6.5
        public var dspCurveWidthBits: Double = 1.5
        /// Products whose variable operand is narrower than this are built from LUTs.
        public var minimumDSPDataWidth: Int = 9
        /// LUTs per non-zero Dense product, per bit of accum_t.
        public var lutPerProductPerAccumBit: Double = 1.5
        /// FFs per non-zero Dense product (pipeline registers inside the layer).
        public var ffPerProduct: Double = 1.0
        /// ReLU / cast LUTs per element per input bit; extra per bit for rounding and for saturation.
        public var activationLUTPerBit: Double = 2.1
        public var roundingLUTPerBit: Double = 1.5
        public var saturationLUTPerBit: Double = 1.5
        /// Softmax LUT and FF per class.
        public var softmaxLUTPerClass: Double = 150
        public var softmaxFFPerClass: Double = 65
        /// Fraction of intermediate layer outputs the top level keeps in registers.
        public var registeredOutputFraction: Double = 0.75
        /// Combinational delays (ns) used to cut a Dense layer into pipeline stages.
        public var multiplierDelayNs: Double = 1.4
        public var adderDelayNs: Double = 0.3

        public init() {}
    }

    public var calibration: Calibration

    public init(calibration: Calibration = Calibration()) {
        self.calibration = calibration
    }

    /// Estimates a graph with the default calibration.
    public static func estimate(_ graph: ModelGraph) throws -> DesignEstimate {
        try Estimator().estimate(graph)
    }

    /// Estimates the graph of a generated project (`<dir>/hls4swift_graph.json`) or of a graph file.
    public static func estimate(projectAt path: String) throws -> DesignEstimate {
        try Estimator().estimate(try ModelGraph.read(from: path))
    }

    /// Estimates every layer and the total. Throws a `UserError` when a type is still `auto` or a size
    /// or ReuseFactor is not usable.
    public func estimate(_ graph: ModelGraph) throws -> DesignEstimate {
        let target = graph.target
        let clock = target.clockPeriod
        guard clock > 0, clock.isFinite else {
            throw UserError("clock period \(clock) ns is not positive", at: "ClockPeriod", expected: "a period in ns such as 5")
        }
        let usableClock = max(clock - Self.uncertaintyNs(target), 0.1 * clock)
        let dsp = DSPShape(part: target.part)
        let isStream = target.ioType == .stream
        var anyResource = false
        var inputType = try concrete(graph.inputType, "input_t (model input)")
        var layers: [LayerEstimate] = []
        var interfaceFF = graph.inputSize * inputType.width

        for (position, layer) in graph.layers.enumerated() {
            let resultType = try concrete(layer.resultType, "result_t of layer '\(layer.name)'")
            guard layer.reuseFactor >= 1 else {
                throw UserError("ReuseFactor \(layer.reuseFactor) of layer '\(layer.name)' is not positive",
                                at: "HLSConfig.LayerName.\(layer.name).ReuseFactor", expected: "an integer ≥ 1")
            }
            var estimate: LayerEstimate
            switch layer.operation {
            case .dense(let dense):
                estimate = try denseEstimate(layer, dense, inputType: inputType, dsp: dsp, usableClock: usableClock)
                if layer.strategy == .resource { anyResource = true }
            case .batchNormalization(let norm):
                estimate = try batchNormEstimate(layer, norm, inputType: inputType, dsp: dsp)
            case .activation(let activation):
                estimate = activationEstimate(layer, activation, inputType: inputType, resultType: resultType,
                                              backend: target.backend)
            case .softmax(let softmax):
                estimate = try softmaxEstimate(layer, softmax, inputType: inputType, resultType: resultType,
                                               dsp: dsp, backend: target.backend)
            }
            // Registers the top level keeps between layers (not after the last one: the output port).
            if position < graph.layers.count - 1 {
                // io_stream: every layer output sits in a depth-1 FIFO between dataflow processes.
                let fraction = isStream ? 1.0 : calibration.registeredOutputFraction
                interfaceFF += Int((fraction * Double(layer.outputSize * resultType.width)).rounded())
            }
            if isStream { estimate.resources.latencyCycles += 1 } // FIFO hand-over between dataflow processes
            estimate.resources.latencyNs = Double(estimate.resources.latencyCycles) * clock
            layers.append(estimate)
            inputType = resultType
        }

        let interfaceCycles = 2
        var total = ResourceEstimate()
        for layer in layers {
            total.dsp += layer.resources.dsp
            total.lut += layer.resources.lut
            total.ff += layer.resources.ff
            total.bram18k += layer.resources.bram18k
            total.latencyCycles += layer.resources.latencyCycles
            total.ii = max(total.ii, layer.resources.ii)
        }
        total.ff += interfaceFF
        total.latencyCycles += interfaceCycles
        _ = anyResource // DATAFLOW vs PIPELINE changes neither sum nor max in this model.
        total.latencyNs = Double(total.latencyCycles) * clock
        return DesignEstimate(projectName: graph.projectName, backend: target.backend.rawValue, part: target.part,
                              clockPeriodNs: clock, ioType: target.ioType.rawValue, layers: layers,
                              interfaceCycles: interfaceCycles, interfaceFF: interfaceFF, total: total)
    }

    // MARK: Layers

    private func denseEstimate(_ layer: Layer, _ dense: Dense, inputType: FixedPointType, dsp: DSPShape,
                               usableClock: Double) throws -> LayerEstimate {
        let weightType = try concrete(dense.weightType, "weight_t of layer '\(layer.name)'")
        let accumType = try concrete(dense.accumType, "accum_t of layer '\(layer.name)'")
        let count = dense.inputs * dense.outputs
        guard dense.inputs > 0, dense.outputs > 0, dense.weights.count == count else {
            throw UserError("layer '\(layer.name)' has \(dense.weights.count) weights for \(dense.inputs)×\(dense.outputs)",
                            at: "layer \(layer.name)", expected: "n_in·n_out = \(count) weights")
        }
        let rf = layer.reuseFactor
        let constants = ConstantProducts(weights: dense.weights, type: weightType, dataWidth: inputType.width,
                                         dsp: dsp, calibration: calibration)
        var r = ResourceEstimate()
        let blockFactor = (count + rf - 1) / rf
        let multiplierLimit: Int
        // Deepest adder tree: non-zero products of the busiest output plus the bias.
        var busiest = 0
        for j in 0..<dense.outputs {
            var n = 0
            for i in 0..<dense.inputs where layer.strategy == .resource || constants.raw[i * dense.outputs + j] != 0 { n += 1 }
            busiest = max(busiest, n)
        }
        let depth = Self.ceilLog2(busiest + 1)
        let stages = max(1, Int((calibration.multiplierDelayNs + Double(depth) * calibration.adderDelayNs) / usableClock
                                + 0.999_999))
        let accumBits = Double(accumType.width)
        switch layer.strategy {
        case .latency:
            // hls4ml counts zeros of the weights as given (float), the tool removes those on the grid.
            multiplierLimit = blockFactor - dense.zeroWeightCount / rf
            let tiles = dsp.blocks(inputType.width, weightType.width)
            r.dsp = min(Int(constants.expectedDSP.rounded()), multiplierLimit * tiles)
            r.lut = Int((Double(constants.nonZero) * calibration.lutPerProductPerAccumBit * accumBits).rounded())
            r.ff = Int((Double(constants.nonZero) * calibration.ffPerProduct).rounded()) + dense.outputs * accumType.width
            r.latencyCycles = max(rf, stages + 1)
            r.ii = rf
        case .resource:
            multiplierLimit = blockFactor
            let narrow = inputType.width < calibration.minimumDSPDataWidth || weightType.width < calibration.minimumDSPDataWidth
            r.dsp = narrow ? 0 : blockFactor * dsp.blocks(inputType.width, weightType.width)
            var lut = Double(blockFactor) * calibration.lutPerProductPerAccumBit * accumBits
            if narrow { lut += Double(blockFactor * inputType.width * weightType.width) * 0.5 } // LUT multipliers
            lut += Double(dense.inputs * inputType.width) * Double(min(rf, dense.inputs)) / 8 // input selection muxes
            r.lut = Int(lut.rounded())
            r.ff = Int((Double(blockFactor) * calibration.ffPerProduct).rounded()) + dense.outputs * accumType.width * 2
            // Weights: a ROM of block_factor-wide words, RF deep; shallow ROMs become LUT RAM/registers.
            if rf >= 64 {
                let wordBits = blockFactor * weightType.width
                r.bram18k = Self.ceilDiv(wordBits, 36) * Self.ceilDiv(rf, 512)
            }
            r.latencyCycles = rf + stages + 1
            r.ii = rf
        }
        return LayerEstimate(name: layer.name, index: layer.index, kind: "dense", resources: r, multiplications: count,
                             nonZeroMultiplications: layer.strategy == .latency ? constants.nonZero : count,
                             shiftMultiplications: layer.strategy == .latency ? constants.shifts : 0,
                             multiplierLimit: multiplierLimit)
    }

    private func batchNormEstimate(_ layer: Layer, _ norm: BatchNormalization, inputType: FixedPointType,
                                   dsp: DSPShape) throws -> LayerEstimate {
        let scaleType = try concrete(norm.scaleType, "scale_t of layer '\(layer.name)'")
        let constants = ConstantProducts(weights: norm.scale, type: scaleType, dataWidth: inputType.width, dsp: dsp,
                                         calibration: calibration)
        let limit = (norm.size + layer.reuseFactor - 1) / layer.reuseFactor
        var r = ResourceEstimate()
        r.dsp = min(Int(constants.expectedDSP.rounded()), limit * dsp.blocks(inputType.width, scaleType.width))
        let width = Double(max(inputType.width, scaleType.width))
        r.lut = Int((Double(norm.size) * calibration.lutPerProductPerAccumBit * width).rounded())
        r.ff = Int((Double(constants.nonZero) * calibration.ffPerProduct).rounded())
        r.latencyCycles = max(layer.reuseFactor, 1)
        r.ii = layer.reuseFactor
        return LayerEstimate(name: layer.name, index: layer.index, kind: "batchnorm", resources: r,
                             multiplications: norm.size, nonZeroMultiplications: constants.nonZero,
                             shiftMultiplications: constants.shifts, multiplierLimit: limit)
    }

    private func activationEstimate(_ layer: Layer, _ activation: Activation, inputType: FixedPointType,
                                    resultType: FixedPointType, backend: HardwareTarget.Backend) -> LayerEstimate {
        var r = ResourceEstimate()
        let n = Double(activation.size)
        let inBits = Double(inputType.width)
        let rounds = resultType.quantization != .trn && resultType.fractionalBits < inputType.fractionalBits
        let saturates = resultType.overflow != .wrap
        let castLUT = (rounds ? calibration.roundingLUTPerBit * inBits : 0) + (saturates ? calibration.saturationLUTPerBit * inBits : 0)
        switch activation.function {
        case .relu:
            r.lut = Int((n * (calibration.activationLUTPerBit * inBits + castLUT)).rounded())
        case .linear:
            r.lut = Int((n * castLUT).rounded())
        case .sigmoid, .tanh:
            // Index computation and clamp per element, one table copy per two lookups.
            r.lut = Int((n * (calibration.activationLUTPerBit * inBits + castLUT)).rounded())
            r.bram18k = Self.tableBlocks(entries: activation.tableSize, width: activation.tableType.width,
                                         lookups: activation.size, backend: backend)
            r.ff = activation.size * resultType.width
            r.latencyCycles = 1
        }
        r.ii = 1
        return LayerEstimate(name: layer.name, index: layer.index, kind: activation.function.rawValue, resources: r)
    }

    private func softmaxEstimate(_ layer: Layer, _ softmax: Softmax, inputType: FixedPointType, resultType: FixedPointType,
                                 dsp: DSPShape, backend: HardwareTarget.Backend) throws -> LayerEstimate {
        var r = ResourceEstimate()
        let n = softmax.size
        switch softmax.implementation {
        case .argmax:
            r.lut = Int((Double(n) * 2.5 * Double(inputType.width)).rounded())
            r.latencyCycles = 1
        case .stable, .latency, .legacy:
            // One product e_i · (1/Σe) per class.
            r.dsp = n * dsp.blocks(softmax.expTableType.width, softmax.invTableType.width)
            r.lut = Int((Double(n) * calibration.softmaxLUTPerClass).rounded())
            r.ff = Int((Double(n) * calibration.softmaxFFPerClass).rounded())
            r.bram18k = Self.tableBlocks(entries: softmax.tableSize, width: softmax.expTableType.width, lookups: n,
                                         backend: backend)
                + Self.tableBlocks(entries: softmax.tableSize, width: softmax.invTableType.width, lookups: 1, backend: backend)
            r.latencyCycles = softmax.implementation == .latency ? 3 : 4
        }
        r.ii = 1
        return LayerEstimate(name: layer.name, index: layer.index, kind: "softmax", resources: r,
                             multiplications: softmax.implementation == .argmax ? 0 : n,
                             nonZeroMultiplications: softmax.implementation == .argmax ? 0 : n, multiplierLimit: n)
    }

    // MARK: Helpers

    private func concrete(_ precision: Precision, _ what: String) throws -> FixedPointType {
        switch precision {
        case .fixed(let type): return type
        case .auto:
            throw UserError("\(what) is still 'auto'", at: what,
                            expected: "concrete precisions (run the type-inference pass before estimating)")
        }
    }

    /// hls4ml's clock uncertainty ("12.5%" or an absolute "0.625" ns) in ns.
    static func uncertaintyNs(_ target: HardwareTarget) -> Double {
        let text = target.clockUncertainty.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("%"), let percent = Double(text.dropLast()) { return target.clockPeriod * percent / 100 }
        if let absolute = Double(text) { return absolute }
        return target.clockPeriod * 0.125
    }

    /// BRAM_18K blocks of a lookup table read `lookups` times in parallel.
    static func tableBlocks(entries: Int, width: Int, lookups: Int, backend: HardwareTarget.Backend) -> Int {
        let perCopy = ceilDiv(entries * width, 18 * 1024)
        let copies = ceilDiv(max(lookups, 1), 2)
        return copies * perCopy * (backend == .vitis ? 2 : 1)
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    static func ceilLog2(_ n: Int) -> Int {
        var bits = 0
        while (1 << bits) < n { bits += 1 }
        return bits
    }
}

/// Multiplier geometry of the target's DSP block (from the part name).
struct DSPShape: Sendable {
    var wide: Int
    var narrow: Int

    init(part: String) {
        let p = part.lowercased()
        if p.hasPrefix("xc7") || p.hasPrefix("xa7") || p.hasPrefix("xq7") {
            (wide, narrow) = (25, 18) // DSP48E1
        } else if p.hasPrefix("xcv") && !p.hasPrefix("xcvu") {
            (wide, narrow) = (27, 24) // Versal DSP58
        } else {
            (wide, narrow) = (27, 18) // DSP48E2 (UltraScale, UltraScale+)
        }
    }

    /// DSP blocks for one a×b-bit product.
    func blocks(_ a: Int, _ b: Int) -> Int {
        let (big, small) = a >= b ? (a, b) : (b, a)
        if big <= wide && small <= narrow { return 1 }
        return Estimator.ceilDiv(big, wide - 1) * Estimator.ceilDiv(small, narrow - 1)
    }
}

/// The constant operands of a layer on their firmware grid, classified for the DSP model.
struct ConstantProducts {
    /// Raw integers of the constants on the `weight_t` grid.
    var raw: [Int64]
    var zeros = 0
    var nonZero = 0
    var shifts = 0
    var expectedDSP = 0.0

    init(weights: [Float], type: FixedPointType, dataWidth: Int, dsp: DSPShape, calibration: Estimator.Calibration) {
        raw = weights.map { ConstantProducts.rawValue($0, type) }
        let dataIsNarrow = dataWidth < calibration.minimumDSPDataWidth
        for q in raw {
            if q == 0 { zeros += 1; continue }
            nonZero += 1
            let magnitude = q.magnitude
            let oddPart = magnitude >> UInt64(magnitude.trailingZeroBitCount)
            if oddPart == 1 { shifts += 1; continue }
            if dataIsNarrow { continue }
            let bits = Double(64 - oddPart.leadingZeroBitCount)
            let probability = 1 / (1 + exp(-(bits - calibration.dspCurveCentreBits) / calibration.dspCurveWidthBits))
            expectedDSP += probability * Double(dsp.blocks(dataWidth, Int(bits) + 1))
        }
    }

    /// The weight as the firmware holds it (facts §1.7: the printed value converted to weight_t):
    /// floor for TRN, the rounding mode otherwise, then wrap or saturate into W bits.
    static func rawValue(_ value: Float, _ type: FixedPointType) -> Int64 {
        guard value.isFinite else { return 0 }
        let scaled = Double(value) * pow(2, Double(type.fractionalBits))
        var q: Double
        switch type.quantization {
        case .trn: q = scaled.rounded(.down)
        case .trnZero: q = scaled.rounded(.towardZero)
        case .rnd: q = (scaled + 0.5).rounded(.down)
        case .rndZero: q = scaled >= 0 ? (scaled - 0.5).rounded(.up) : (scaled + 0.5).rounded(.down)
        case .rndMinInf: q = (scaled - 0.5).rounded(.up)
        case .rndInf: q = scaled.rounded(.toNearestOrAwayFromZero)
        case .rndConv: q = scaled.rounded(.toNearestOrEven)
        }
        // Types wider than 62 bits are treated as 62-bit ones: only the magnitude class of a constant
        // matters here, and Int64 must not overflow.
        let width = min(type.width, 62)
        let low: Double = type.isSigned ? -pow(2, Double(width - 1)) : 0
        let high: Double = type.isSigned ? pow(2, Double(width - 1)) - 1 : pow(2, Double(width)) - 1
        if !q.isFinite || q < low || q > high {
            if type.overflow != .wrap || type.width > 62 || !q.isFinite { return Int64(q < low ? low : high) }
            let span = pow(2, Double(width))
            q = q - span * (q / span).rounded(.down)
            if type.isSigned && q > high { q -= span }
        }
        return Int64(q)
    }
}

/// Renders rows as an aligned text table; the first column left-aligned, the others right-aligned.
func renderTable(_ rows: [[String]], separatorBefore: Set<Int> = []) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    var text = ""
    for (index, row) in rows.enumerated() {
        if separatorBefore.contains(index) {
            text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        }
        var cells: [String] = []
        for i in 0..<columns {
            let cell = i < row.count ? row[i] : ""
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            cells.append(i == 0 ? cell + pad : pad + cell)
        }
        text += cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
    }
    return text
}

/// Numbers without trailing zeros: 5, 4.371, 70.
func formatNumber(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    var text = String(format: "%.3f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
