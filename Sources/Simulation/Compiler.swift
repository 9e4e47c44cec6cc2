import Foundation
import FixedPoint
import ModelGraph
import Support

/// Turns graph layers into plans: quantized weights, precomputed casts, tables.
enum Compiler {
    /// Raw values are Int64; 62 bits leave room for one exact addition.
    static let maximumWidth = 62

    static func checkWidth(_ type: FixedPointType, _ what: String, layer: String, maximum: Int = maximumWidth) throws {
        guard type.width >= 1, type.width <= maximum, !(type.isSigned && type.width < 2 && !type.isInteger) else {
            throw UserError("\(what) \(type) has \(type.width) bits", at: "layer '\(layer)'",
                            expected: "a width of 1...\(maximum) bits (layer outputs travel as 64-bit integers; Dense weights, biases and accumulators may have up to 64 bits)")
        }
    }

    static func concrete(_ precision: Precision, _ what: String, layer: String, maximum: Int = maximumWidth) throws -> FixedPointType {
        guard case .fixed(let type) = precision else {
            throw UserError("\(what) is 'auto'", at: "layer '\(layer)'",
                            expected: "a concrete precision such as ap_fixed<16,6> (run precision inference before simulating)")
        }
        try checkWidth(type, what, layer: layer, maximum: maximum)
        return type
    }

    /// A cast from values with `magnitudeBits` significant bits (sign included) and `fractionalBits`.
    static func cast(from fractionalBits: Int, magnitudeBits: Int, to target: FixedPointType, _ what: String,
                     layer: String) throws -> FixedCast {
        let left = max(0, target.fractionalBits - fractionalBits)
        guard magnitudeBits + left <= 63 else {
            throw UserError("aligning \(magnitudeBits)-bit values to \(what) \(target) needs \(magnitudeBits + left) bits",
                            at: "layer '\(layer)'", expected: "types whose alignment fits 63 bits")
        }
        return FixedCast(from: fractionalBits, to: target)
    }

    /// hls4ml's `ceillog2`: 1 for x ≤ 2, else 1 + ceillog2((x + 1) / 2).
    static func ceilLog2(_ x: Int) -> Int { x <= 2 ? 1 : 1 + ceilLog2((x + 1) / 2) }

    static func bitsFor(_ count: Int) -> Int { count <= 1 ? 0 : Int.bitWidth - (count - 1).leadingZeroBitCount }

    static func compile(_ layer: Layer, inputType: FixedPointType, inputSize: Int, storage: Storage) throws -> Step {
        let name = layer.name
        let result = try concrete(layer.resultType, "result_t", layer: name)
        func sizeCheck(_ size: Int, _ what: String) throws {
            guard size == inputSize else {
                throw UserError("\(what) is \(size) but the previous layer produces \(inputSize) values", at: "layer '\(name)'",
                                expected: "matching sizes")
            }
        }
        func step(_ plan: Plan, outputSize: Int, internalCasts: Int = 0) -> Step {
            Step(name: name, index: layer.index, plan: plan, inputSize: inputSize, outputSize: outputSize,
                 inputType: inputType, outputType: result, accumulatorCastsPerSample: internalCasts)
        }
        switch layer.operation {
        case .dense(let dense):
            try sizeCheck(dense.inputs, "n_in")
            guard dense.outputs > 0 else { throw UserError("Dense has \(dense.outputs) outputs", at: "layer '\(name)'", expected: "n_out ≥ 1") }
            guard dense.weights.count == dense.inputs * dense.outputs, dense.biases.count == dense.outputs else {
                throw UserError("Dense holds \(dense.weights.count) weights and \(dense.biases.count) biases", at: "layer '\(name)'",
                                expected: "\(dense.inputs * dense.outputs) weights (n_in × n_out) and \(dense.outputs) biases")
            }
            let plan = try compileDense(dense, layer: layer, inputType: inputType, result: result, storage: storage)
            let castsPerSample = dense.outputs * (1 + 2 * dense.inputs)
            return step(.dense(storage.keep(value: plan)), outputSize: dense.outputs, internalCasts: castsPerSample)
        case .activation(let activation):
            try sizeCheck(activation.size, "activation size")
            switch activation.function {
            case .relu:
                let cast = try cast(from: inputType.fractionalBits, magnitudeBits: inputType.width, to: result, "result_t", layer: name)
                return step(.relu(QuickCast(cast, source: inputType)), outputSize: activation.size)
            case .linear:
                let cast = try cast(from: inputType.fractionalBits, magnitudeBits: inputType.width, to: result, "result_t", layer: name)
                return step(.linear(QuickCast(cast, source: inputType)), outputSize: activation.size)
            case .sigmoid, .tanh:
                let plan = try compileTable(activation, layer: name, inputType: inputType, result: result, storage: storage)
                return step(.table(storage.keep(value: plan)), outputSize: activation.size)
            }
        case .softmax(let softmax):
            try sizeCheck(softmax.size, "softmax size")
            let plan = try compileSoftmax(softmax, layer: name, inputType: inputType, result: result, storage: storage)
            let internalCasts: Int
            switch softmax.implementation {
            case .stable: internalCasts = 3 * softmax.size
            case .latency: internalCasts = 2 * softmax.size
            case .legacy: internalCasts = softmax.size * softmax.size
            case .argmax: internalCasts = 0
            }
            return step(.softmax(storage.keep(value: plan)), outputSize: softmax.size, internalCasts: internalCasts)
        case .batchNormalization(let norm):
            try sizeCheck(norm.size, "BatchNormalization size")
            guard norm.scale.count == norm.size, norm.bias.count == norm.size else {
                throw UserError("BatchNormalization holds \(norm.scale.count) scales and \(norm.bias.count) biases",
                                at: "layer '\(name)'", expected: "\(norm.size) of each")
            }
            let scaleType = try concrete(norm.scaleType, "scale_t", layer: name)
            let biasType = try concrete(norm.biasType, "bias_t", layer: name)
            let plan = BatchNormPlan(
                scale: storage.keep(norm.scale.map { Int64(scaleType.quantizedWeight($0)) }),
                bias: storage.keep(norm.bias.map { Int64(biasType.quantizedWeight($0)) }),
                productFractionalBits: inputType.fractionalBits + scaleType.fractionalBits,
                biasFractionalBits: biasType.fractionalBits, resultType: result)
            return step(.batchNorm(storage.keep(value: plan)), outputSize: norm.size)
        }
    }

    static func compileDense(_ dense: Dense, layer: Layer, inputType: FixedPointType, result: FixedPointType,
                             storage: Storage) throws -> DensePlan {
        let name = layer.name
        let weightType = try concrete(dense.weightType, "weight_t", layer: name, maximum: FixedPointType.maximumWidth)
        let biasType = try concrete(dense.biasType, "bias_t", layer: name, maximum: FixedPointType.maximumWidth)
        let accum = try concrete(dense.accumType, "accum_t", layer: name, maximum: FixedPointType.maximumWidth)
        // |raw| ≤ 2^magnitude for every value of a type; |x·w| ≤ 2^productMagnitude.
        func magnitude(_ type: FixedPointType) -> Int { type.isSigned ? type.width - 1 : type.width }
        let productMagnitude = magnitude(inputType) + magnitude(weightType)
        let productFractional = inputType.fractionalBits + weightType.fractionalBits
        // Resource strategy with 1 < R < n_in adds the inputs in (i mod R, i div R) order (facts §3.3).
        var order = Array(0..<dense.inputs)
        let reuse = layer.reuseFactor
        if layer.strategy == .resource, reuse > 1, reuse < dense.inputs {
            order.sort { ($0 % reuse, $0 / reuse) < ($1 % reuse, $1 / reuse) }
        }
        // Beyond 64-bit arithmetic (products over 63 bits, accumulators over 62): exact 128-bit path.
        let productAlignment = max(0, accum.fractionalBits - productFractional)
        let resultAlignment = max(0, result.fractionalBits - accum.fractionalBits)
        if productMagnitude > 62 || weightType.width > 62 || biasType.width > 62 || accum.width > 62
            || productMagnitude + productAlignment > 62 || accum.width + resultAlignment > 63 {
            let placeholder = FixedCast(from: 0, to: .fixed(16, 16))
            let empty64: UnsafePointer<Int64> = storage.keep([Int64]())
            let wide = WideDense(weights: storage.keep(dense.weights.map { weightType.quantizedWeight($0) }),
                                 biases: storage.keep(dense.biases.map { biasType.quantizedWeight($0) }),
                                 biasFractionalBits: biasType.fractionalBits, productFractionalBits: productFractional,
                                 accumType: accum, resultType: result)
            return DensePlan(nIn: dense.inputs, nOut: dense.outputs, weights: empty64, weights32: storage.keep([Int32]()),
                             weights16: storage.keep([Int16]()), preshifted: false, weightsHigh16: storage.keep([Int16]()),
                             weightsTransposed16: nil,
                             biasAccum16: storage.keep([Int16]()),
                             biasAccum: empty64, biasAccum32: storage.keep([Int32]()), biasOverflows: 0,
                             productCast: placeholder, sumCast: placeholder, resultCast: QuickCast(placeholder),
                             order: storage.keep(order), mode: .wide128, productShift: 0, accumUnused: 0,
                             wide: storage.keep(value: wide))
        }
        let productCast = try cast(from: productFractional, magnitudeBits: productMagnitude + 1, to: accum, "accum_t", layer: name)
        let sumCast = FixedCast(from: accum.fractionalBits, to: accum)
        let resultCast = try cast(from: accum.fractionalBits, magnitudeBits: accum.width, to: result, "result_t", layer: name)
        let weights = dense.weights.map { Int64(weightType.quantizedWeight($0)) }
        var biasOverflows = 0
        let biasAccum: [Int64] = dense.biases.map {
            let conversion = accum.convert(raw: biasType.quantizedWeight($0), fractionalBits: biasType.fractionalBits)
            if conversion.overflowed { biasOverflows += 1 }
            return Int64(conversion.raw)
        }
        // The wrap shortcut: every product and partial sum wraps mod 2^W_acc, so the order and the
        // intermediate wraps do not matter; the floored products are summed and wrapped once.
        let shift = productFractional - accum.fractionalBits
        var mode = DenseMode.general
        // (Signed accumulators only: the final wrap sign-extends.)
        if accum.overflow == .wrap, accum.isSigned, shift <= 0 || accum.quantization == .trn {
            let left = max(0, -shift)
            let termMagnitude = shift >= 0 ? max(productMagnitude - shift, 0) : productMagnitude + left
            let sumMagnitude = max(termMagnitude, accum.width) + bitsFor(dense.inputs + 2)
            // (Shift counts must stay below the lane width: `&>>` masks them.)
            if sumMagnitude <= 30 && productMagnitude + left <= 30 && shift < 32 {
                mode = .wrap32
            } else if sumMagnitude <= 62 && productMagnitude + left <= 62 && shift < 64 {
                mode = .wrap64
            }
            // 16-bit lanes: inputs and weights must fit Int16 as they are, the accumulator 16 bits.
            if accum.width <= 16 && magnitude(inputType) <= 15 && magnitude(weightType) <= 15 && shift >= 1 && shift <= 15 {
                mode = .wrap16
            }
        }
        let preshifted = mode == .wrap16 && weights.allSatisfy { Int16(exactly: $0 << (16 - shift)) != nil }
        /// w = low + high·2^sh with low ∈ [−2^(sh−1), 2^(sh−1)) (only for 1 ≤ sh ≤ 15, wrap16).
        func splitWeight(_ w: Int64) -> (low: Int64, high: Int64) {
            let high = (w + (1 << (shift - 1))) >> shift
            return (w - (high << shift), high)
        }
        return DensePlan(
            nIn: dense.inputs, nOut: dense.outputs,
            weights: storage.keep(weights),
            weights32: storage.keep(mode == .wrap32 || mode == .wrap16 ? weights.map { Int32(truncatingIfNeeded: $0) } : []),
            weights16: storage.keep(mode != .wrap16 ? [] : preshifted ? weights.map { Int16($0 << (16 - shift)) }
                                                              : weights.map { Int16(splitWeight($0).low << (16 - shift)) }),
            preshifted: preshifted,
            weightsHigh16: storage.keep(mode != .wrap16 || preshifted ? [] : weights.map { Int16(splitWeight($0).high) }),
            weightsTransposed16: preshifted && dense.outputs < 8
                ? storage.keep((0..<(dense.inputs * dense.outputs)).map { k -> Int16 in
                    let j = k / dense.inputs, i = k % dense.inputs
                    return Int16(weights[i * dense.outputs + j] << (16 - shift))
                }) : nil,
            biasAccum16: storage.keep(mode == .wrap16 ? biasAccum.map { Int16(truncatingIfNeeded: $0) } : []),
            biasAccum: storage.keep(biasAccum),
            biasAccum32: storage.keep(mode == .wrap32 ? biasAccum.map { Int32(truncatingIfNeeded: $0) } : []),
            biasOverflows: biasOverflows,
            productCast: productCast, sumCast: sumCast, resultCast: QuickCast(resultCast, source: accum),
            order: storage.keep(order), mode: mode, productShift: shift, accumUnused: 64 - accum.width, wide: nil)
    }

    static func compileTable(_ activation: Activation, layer: String, inputType: FixedPointType, result: FixedPointType,
                             storage: Storage) throws -> TablePlan {
        let size = activation.tableSize
        guard size >= 2 else {
            throw UserError("table_size \(size)", at: "layer '\(layer)'", expected: "a table size of at least 2 (default 1024)")
        }
        let tableType = activation.tableType
        try checkWidth(tableType, "table_t", layer: layer)
        let isSigmoid = activation.function == .sigmoid
        var table: [Int64] = []
        table.reserveCapacity(size)
        for k in 0..<size {
            // The sample point is computed in double and stored as float, the function evaluated in float.
            let range = isSigmoid ? 8.0 : 4.0
            let point = Float(2 * range * (Double(k) - Double(size) / 2.0) / Double(size))
            let value: Float
            if isSigmoid {
                value = Float(1.0 / Double(1 + expf(-point)))
            } else {
                value = tanhf(point)
            }
            table.append(Int64(tableType.convert(value).raw))
        }
        return TablePlan(table: storage.keep(table), size: size, divisor: isSigmoid ? 16 : 8,
                         inputFractionalBits: inputType.fractionalBits,
                         resultCast: try cast(from: tableType.fractionalBits, magnitudeBits: tableType.width, to: result,
                                              "result_t", layer: layer))
    }

    /// The value of the type whose top `bits` bits are `index` and lower bits zero, as float.
    static func valueOfIndex(_ index: Int, bits: Int, type: FixedPointType) -> Float {
        let raw: FixedRaw = bits <= type.width ? FixedRaw(index) << (type.width - bits) : FixedRaw(index) >> (bits - type.width)
        return Float(type.toDouble(raw: type.wrap(raw)))
    }

    static func compileSoftmax(_ softmax: Softmax, layer: String, inputType: FixedPointType, result: FixedPointType,
                               storage: Storage) throws -> SoftmaxPlan {
        let n = softmax.size
        guard n >= 1 else { throw UserError("softmax size \(n)", at: "layer '\(layer)'", expected: "at least 1") }
        guard softmax.tableSize >= 2 else {
            throw UserError("table_size \(softmax.tableSize)", at: "layer '\(layer)'", expected: "a table size of at least 2 (default 1024)")
        }
        let expType = softmax.expTableType, invType = softmax.invTableType, invInput = softmax.invInputType
        try checkWidth(expType, "exp_table_t", layer: layer)
        try checkWidth(invType, "inv_table_t", layer: layer)
        try checkWidth(invInput, "inv_inp_t", layer: layer)
        try checkWidth(softmax.tableType, "table_t", layer: layer)
        let identity = FixedCast(from: 0, to: .fixed(16, 16))
        let empty: UnsafePointer<Int64> = storage.keep([Int64]())
        let quickIdentity = QuickCast(identity)
        var plan = SoftmaxPlan(kind: .stable, size: n, normCast: quickIdentity, expTable: empty, expIndexShift: 0, expIndexWidth: 1,
                               expToAccum: quickIdentity, sumCast: quickIdentity, invInputCast: quickIdentity, invTable: empty,
                               invIndexShift: 0, invIndexWidth: 1, resultCast: quickIdentity, tableSize: softmax.tableSize,
                               inputFractionalBits: inputType.fractionalBits, legacyOne: 0, legacySumCast: identity,
                               legacyTableFractionalBits: 0, oneRaw: 0)
        switch softmax.implementation {
        case .argmax:
            plan.kind = .argmax
            plan.oneRaw = Int64(result.convert(1.0).raw)
            return plan
        case .legacy:
            plan.kind = .legacy
            let tableType = softmax.tableType
            let size = softmax.tableSize
            var expTable: [Int64] = [], invTable: [Int64] = []
            for k in 0..<size {
                let point = Float(2 * 8.0 * (Double(k) - Double(size) / 2.0) / Double(size))
                expTable.append(Int64(tableType.convert(expf(point)).raw))
                let denominator = Float(64.0 * Double(k) / Double(size))
                invTable.append(denominator > 0 ? Int64(tableType.convert(1.0 / Double(denominator)).raw) : 0)
            }
            plan.expTable = storage.keep(expTable)
            plan.invTable = storage.keep(invTable)
            plan.legacyOne = Int64(tableType.convert(1.0).raw)
            plan.legacySumCast = FixedCast(from: tableType.fractionalBits, to: tableType)
            plan.legacyTableFractionalBits = tableType.fractionalBits
            plan.resultCast = QuickCast(try cast(from: tableType.fractionalBits, magnitudeBits: tableType.width, to: result, "result_t", layer: layer))
            return plan
        case .stable, .latency:
            break
        }
        let accum = try concrete(softmax.accumType, "accum_t", layer: layer)
        plan.expToAccum = QuickCast(try cast(from: expType.fractionalBits, magnitudeBits: expType.width, to: accum, "accum_t", layer: layer))
        plan.sumCast = QuickCast(FixedCast(from: accum.fractionalBits, to: accum))
        plan.invInputCast = QuickCast(try cast(from: accum.fractionalBits, magnitudeBits: accum.width + 1, to: invInput, "inv_inp_t", layer: layer))
        // Inverse table, indexed by the top bits of inv_inp_t (facts §3.6.2 step 5).
        let invSize = softmax.tableSize
        let invBits = ceilLog2(invSize)
        var invTable: [Int64] = []
        for k in 0..<(1 << invBits) {
            let value = valueOfIndex(k, bits: invBits, type: invInput)
            invTable.append(Int64(invType.convert(1 / value).raw))
        }
        plan.invTable = storage.keep(invTable)
        plan.invIndexWidth = invInput.width
        plan.invIndexShift = invInput.width - invBits
        plan.resultCast = QuickCast(try cast(from: accum.fractionalBits + invType.fractionalBits, magnitudeBits: accum.width + invType.width,
                                             to: result, "result_t", layer: layer))
        guard accum.width + invType.width <= 63 else {
            throw UserError("softmax products of \(accum) and \(invType) need more than 63 bits", at: "layer '\(layer)'")
        }
        if softmax.implementation == .stable {
            plan.kind = .stable
            // inp_norm_t: ap_ufixed<W−1, I−1> for a signed input, ap_ufixed<W, I> for an unsigned one.
            let norm = inputType.isSigned ? FixedPointType.ufixed(inputType.width - 1, inputType.integer - 1)
                                          : FixedPointType.ufixed(inputType.width, inputType.integer)
            guard norm.width >= 1 else { throw UserError("softmax input \(inputType) is too narrow", at: "layer '\(layer)'") }
            plan.normCast = QuickCast(try cast(from: inputType.fractionalBits, magnitudeBits: inputType.width + 1, to: norm, "inp_norm_t", layer: layer))
            let expSize = inputType.isSigned ? min(softmax.tableSize, 1 << min(inputType.width - 1, 40)) : softmax.tableSize
            let expBits = ceilLog2(expSize)
            var expTable: [Int64] = []
            for k in 0..<(1 << expBits) {
                let value = valueOfIndex(k, bits: expBits, type: norm)
                expTable.append(Int64(expType.convert(expf(-value * 1.0)).raw))
            }
            plan.expTable = storage.keep(expTable)
            plan.expIndexWidth = norm.width
            plan.expIndexShift = norm.width - expBits
        } else {
            plan.kind = .latency
            let expBits = ceilLog2(softmax.tableSize)
            var expTable: [Int64] = []
            for k in 0..<(1 << expBits) {
                let value = valueOfIndex(k, bits: expBits, type: inputType)
                expTable.append(Int64(expType.convert(expf(value)).raw))
            }
            plan.expTable = storage.keep(expTable)
            plan.expIndexWidth = inputType.width
            plan.expIndexShift = inputType.width - expBits
        }
        return plan
    }
}
