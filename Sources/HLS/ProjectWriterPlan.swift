import Foundation
import FixedPoint
import ModelGraph
import Support

/// A weight array of the firmware: `w<N>`, `b<N>`, `s<N>` with its C type and values in the
/// order the kernel reads them.
struct WeightArray {
    var name: String
    var typeName: String
    var type: FixedPointType
    var values: [Float]
    /// Shape as printed in the header comment (Keras shape, or transposed for Resource).
    var shape: [Int]

    /// The values as hls4ml prints them (facts §1.7), comma+space separated.
    func text() -> String {
        var text = ""
        text.reserveCapacity(values.count * (max(0, type.fractionalBits) + 6))
        let digits = max(0, type.fractionalBits)
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(", ") }
            WeightFormatter.append(value, fractionalDigits: digits, to: &text)
        }
        return text
    }

    /// `text` is `text()`, passed in so the values are formatted once for the .h and the .txt.
    func header(text: String) -> String {
        let minimum = values.min() ?? 0
        let maximum = values.max() ?? 0
        let zeros = values.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let guardName = name.uppercased() + "_H_"
        return """
        //Numpy array shape [\(shape.map(String.init).joined(separator: ", "))]
        //Min \(String(format: "%.12f", Double(minimum)))
        //Max \(String(format: "%.12f", Double(maximum)))
        //Number of zeros \(zeros)

        #ifndef \(guardName)
        #define \(guardName)

        #ifndef __SYNTHESIS__
        \(typeName) \(name)[\(values.count)];
        #else
        \(typeName) \(name)[\(values.count)] = {\(text)};
        #endif

        #endif

        """
    }
}

/// Fast `%.Nf` formatting, identical to `FixedPointType.weightLiteral` (Python's `'{:.Nf}'`, glibc's
/// printf: the exact binary value rounded half-to-even to N decimals, "-" kept for negative values
/// that round to zero); a test checks it against weightLiteral. Exact integer arithmetic for
/// N ≤ 17 (the float's 24-bit significand times 5^N fits 64 bits), printf beyond that.
enum WeightFormatter {
    static let powersOfFive: [UInt64] = (0...27).map { n in (0..<n).reduce(UInt64(1)) { acc, _ in acc * 5 } }
    static let powersOfTen: [UInt64] = (0...19).map { n in (0..<n).reduce(UInt64(1)) { acc, _ in acc * 10 } }

    static func literal(_ value: Float, fractionalDigits: Int) -> String {
        var text = ""
        append(value, fractionalDigits: fractionalDigits, to: &text)
        return text
    }

    static func append(_ value: Float, fractionalDigits digits: Int, to text: inout String) {
        guard value.isFinite, digits <= 17 else { return appendSlow(value, digits, &text) }
        // |value| = m · 2^e exactly.
        let bits = value.bitPattern
        let exponentBits = Int((bits >> 23) & 0xFF)
        let fraction = UInt64(bits & 0x7F_FFFF)
        let m = exponentBits == 0 ? fraction : fraction | 0x80_0000
        let e = exponentBits == 0 ? -149 : exponentBits - 150
        // R = round_half_even(m · 5^N · 2^(N + e)).
        let product = m * powersOfFive[digits]          // < 2^24 · 5^17 < 2^64
        let shift = digits + e
        var rounded: UInt64
        if shift >= 0 {
            guard shift < 64, product.leadingZeroBitCount > shift else { return appendSlow(value, digits, &text) }
            rounded = product << UInt64(shift)
        } else if -shift >= 64 {
            rounded = 0                                  // below half a unit: product < 2^64 ≤ 2^(−shift−1)... unless −shift == 64
            if -shift == 64 && product > (1 << 63) { rounded = 1 }
        } else {
            let s = UInt64(-shift)
            rounded = product >> s
            let remainder = product & ((1 << s) - 1)
            let half: UInt64 = 1 << (s - 1)
            if remainder > half || (remainder == half && rounded & 1 == 1) { rounded += 1 }
        }
        if value.sign == .minus { text.append("-") }
        let scale = powersOfTen[digits]
        text.append(String(rounded / scale))
        if digits > 0 {
            text.append(".")
            let fractionDigits = String(rounded % scale)
            if fractionDigits.utf8.count < digits {
                text.append(String(repeating: "0", count: digits - fractionDigits.utf8.count))
            }
            text.append(fractionDigits)
        }
    }

    static func appendSlow(_ value: Float, _ digits: Int, _ text: inout String) {
        var buffer = [CChar](repeating: 0, count: 400)
        let count = withVaList([Int32(digits), Double(value)]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 400, "%.*f", arguments) }
        }
        if count < 0 || count >= 400 {
            text.append(String(format: "%.\(digits)f", Double(value)))
        } else {
            text.append(String(decoding: buffer[0..<Int(count)].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}

/// Everything the writer derives from the graph: C names, types, configs, weight arrays.
struct ProjectPlan {
    let graph: ModelGraph
    let projectName: String
    let stream: Bool
    let inputVariable: String
    /// Per layer: output variable, output C type name, element type.
    var outputVariables: [String] = []
    var outputTypeNames: [String] = []
    var outputTypes: [FixedPointType] = []
    /// Ordered, de-duplicated `typedef` lines of defines.h.
    var typedefs: [(name: String, cpp: String)] = []
    var configs: [String] = []
    var calls: [String] = []
    var weightArrays: [WeightArray] = []

    init(graph: ModelGraph) throws {
        self.graph = graph
        projectName = graph.projectName
        stream = graph.target.ioType == .stream
        guard ProjectPlan.isIdentifier(projectName) else {
            throw UserError("project name '\(projectName)' is not a valid C++ identifier", at: "ProjectName",
                            expected: "letters, digits and underscores, not starting with a digit (e.g. myproject)")
        }
        guard !graph.layers.isEmpty else {
            throw UserError("the model graph has no layers", at: "model", expected: "at least one layer")
        }
        guard graph.inputSize > 0 else {
            throw UserError("input size \(graph.inputSize)", at: "model input", expected: "a positive number of features")
        }
        inputVariable = ProjectPlan.identifier(graph.inputName.isEmpty ? "input_1" : graph.inputName)
        let inputType = try ProjectPlan.concrete(graph.inputType, "input", "result")
        addTypedef("input_t", tensor: inputType, size: graph.inputSize)

        var previousTypeName = "input_t"
        var previousType = inputType
        var previousSize = graph.inputSize
        var previousVariable = inputVariable
        var indexes = Set<Int>()
        for (position, layer) in graph.layers.enumerated() {
            guard indexes.insert(layer.index).inserted else {
                throw UserError("layer index \(layer.index) is used twice", at: "layer '\(layer.name)'",
                                expected: "unique hls4ml layer indexes")
            }
            let isLast = position == graph.layers.count - 1
            let resultType = try ProjectPlan.concrete(layer.resultType, layer.name, "result")
            let typeName = isLast ? "result_t" : "layer\(layer.index)_t"
            let variable = "layer\(layer.index)_out"
            addTypedef(typeName, tensor: resultType, size: layer.outputSize)
            let sizeMacro = "N_LAYER_\(layer.index)"
            let inputMacro = position == 0 ? "N_INPUT_1_1" : "N_LAYER_\(graph.layers[position - 1].index)"
            let label = ProjectPlan.identifier(layer.name)
            let ioType = stream ? "nnet::io_stream" : "nnet::io_parallel"
            switch layer.operation {
            case .dense(let dense):
                try ProjectPlan.check(dense.inputs == previousSize, layer,
                                      "has \(dense.inputs) inputs but the previous layer gives \(previousSize)")
                try ProjectPlan.check(dense.outputs > 0, layer, "has no outputs")
                try ProjectPlan.check(dense.weights.count == dense.inputs * dense.outputs, layer,
                                      "has \(dense.weights.count) weights, expected \(dense.inputs)×\(dense.outputs)")
                try ProjectPlan.check(dense.biases.count == dense.outputs, layer,
                                      "has \(dense.biases.count) biases, expected \(dense.outputs)")
                let weightType = try ProjectPlan.concrete(dense.weightType, layer.name, "weight")
                let biasType = try ProjectPlan.concrete(dense.biasType, layer.name, "bias")
                let accumType = try ProjectPlan.concrete(dense.accumType, layer.name, "accum")
                let reuse = layer.reuseFactor
                try ProjectPlan.check(reuse >= 1, layer, "has ReuseFactor \(reuse)")
                if layer.strategy == .resource && !ReuseFactorRule.isValid(reuse, inputs: dense.inputs, outputs: dense.outputs) {
                    let nearest = ReuseFactorRule.nearestValid(to: reuse, inputs: dense.inputs, outputs: dense.outputs)
                    throw UserError("invalid ReuseFactor=\(reuse) for Resource strategy (\(dense.inputs)×\(dense.outputs))",
                                    at: "layer '\(layer.name)' (ReuseFactor)",
                                    expected: "a valid value such as \(nearest.map(String.init).joined(separator: " or ")); all valid: \(ReuseFactorRule.validValues(inputs: dense.inputs, outputs: dense.outputs).map(String.init).joined(separator: ","))")
                }
                let weightName = "weight\(layer.index)_t", biasName = "bias\(layer.index)_t", accumName = "\(label)_accum_t"
                addTypedef(weightName, scalar: weightType)
                addTypedef(biasName, scalar: biasType)
                addTypedef(accumName, scalar: accumType)
                let zeros = dense.zeroWeightCount
                let product = dense.inputs * dense.outputs
                let multiplierLimit = (product + reuse - 1) / reuse - (layer.strategy == .latency ? zeros / reuse : 0)
                let blockFactor = (product + reuse - 1) / reuse
                var kernel = dense.weights
                var shape = [dense.inputs, dense.outputs]
                if layer.strategy == .resource {
                    // ApplyResourceStrategy: weights[j * n_in + i].
                    kernel = [Float](repeating: 0, count: product)
                    for i in 0..<dense.inputs { for j in 0..<dense.outputs { kernel[j * dense.inputs + i] = dense.weights[i * dense.outputs + j] } }
                    shape = [dense.outputs, dense.inputs]
                }
                weightArrays.append(WeightArray(name: "w\(layer.index)", typeName: weightName, type: weightType, values: kernel, shape: shape))
                weightArrays.append(WeightArray(name: "b\(layer.index)", typeName: biasName, type: biasType, values: dense.biases, shape: [dense.outputs]))
                configs.append("""
                // \(layer.name)
                struct config\(layer.index) : nnet::dense_config {
                    static const unsigned n_in = \(dense.inputs);
                    static const unsigned n_out = \(dense.outputs);
                    static const unsigned io_type = \(ioType);
                    static const unsigned strategy = nnet::\(layer.strategy == .latency ? "latency" : "resource");
                    static const unsigned reuse_factor = \(reuse);
                    static const unsigned n_zeros = \(zeros);
                    static const unsigned n_nonzeros = \(product - zeros);
                    static const unsigned multiplier_limit = \(max(1, multiplierLimit));
                    static const unsigned block_factor = \(blockFactor);
                    static const bool store_weights_in_bram = false;
                    typedef \(accumName) accum_t;
                    typedef \(biasName) bias_t;
                    typedef \(weightName) weight_t;
                };
                """)
                calls.append("nnet::dense<\(previousTypeName), \(typeName), config\(layer.index)>(\(previousVariable), \(variable), w\(layer.index), b\(layer.index)); // \(layer.name)")
            case .activation(let activation):
                try ProjectPlan.check(activation.size == previousSize, layer,
                                      "has size \(activation.size) but the previous layer gives \(previousSize)")
                let function = activation.function.rawValue
                let config = "\(function)_config\(layer.index)"
                var tableLine = ""
                if activation.function == .sigmoid || activation.function == .tanh {
                    try ProjectPlan.checkTableSize(activation.tableSize, layer)
                    let tableName = "\(label)_table_t"
                    addTypedef(tableName, scalar: activation.tableType)
                    tableLine = "\n    typedef \(tableName) table_t;"
                }
                configs.append("""
                // \(layer.name)
                struct \(config) : nnet::activ_config {
                    static const unsigned n_in = \(activation.size);
                    static const unsigned table_size = \(activation.tableSize);
                    static const unsigned io_type = \(ioType);
                    static const unsigned reuse_factor = \(layer.reuseFactor);\(tableLine)
                };
                """)
                calls.append("nnet::\(function)<\(previousTypeName), \(typeName), \(config)>(\(previousVariable), \(variable)); // \(layer.name)")
            case .softmax(let softmax):
                try ProjectPlan.check(softmax.size == previousSize, layer,
                                      "has size \(softmax.size) but the previous layer gives \(previousSize)")
                try ProjectPlan.checkTableSize(softmax.tableSize, layer)
                let sizes = SoftmaxTables(softmax: softmax, inputType: previousType)
                let accumType = try ProjectPlan.concrete(softmax.accumType, layer.name, "accum")
                let names = ["exp_table_t": softmax.expTableType, "inv_table_t": softmax.invTableType, "accum_t": accumType,
                             "inv_inp_t": softmax.invInputType, "inp_norm_t": sizes.normalizedInputType, "table_t": softmax.tableType]
                var typedefLines = ""
                for key in ["exp_table_t", "inv_table_t", "accum_t", "inv_inp_t", "inp_norm_t", "table_t"] {
                    let name = "\(label)_\(key)"
                    addTypedef(name, scalar: names[key]!)
                    typedefLines += "\n    typedef \(name) \(key);"
                }
                let implementation: String
                switch softmax.implementation {
                case .stable: implementation = "nnet::softmax_stable_impl"
                case .latency: implementation = "nnet::softmax_latency_impl"
                case .legacy: implementation = "nnet::softmax_legacy_impl"
                case .argmax: implementation = "nnet::softmax_argmax_impl"
                }
                configs.append("""
                // \(layer.name)
                struct softmax_config\(layer.index) : nnet::softmax_config {
                    static const unsigned n_in = \(softmax.size);
                    static const unsigned table_size = \(sizes.tableSize);
                    static const unsigned exp_table_size = \(sizes.expTableSize);
                    static const unsigned inv_table_size = \(sizes.invTableSize);
                    static const unsigned io_type = \(ioType);
                    static const unsigned reuse_factor = \(layer.reuseFactor);
                    static const unsigned implementation = \(implementation);\(typedefLines)
                };
                """)
                calls.append("nnet::softmax<\(previousTypeName), \(typeName), softmax_config\(layer.index)>(\(previousVariable), \(variable)); // \(layer.name)")
            case .batchNormalization(let norm):
                try ProjectPlan.check(norm.size == previousSize, layer,
                                      "has size \(norm.size) but the previous layer gives \(previousSize)")
                try ProjectPlan.check(norm.scale.count == norm.size && norm.bias.count == norm.size, layer,
                                      "needs \(norm.size) scales and biases")
                let scaleType = try ProjectPlan.concrete(norm.scaleType, layer.name, "scale")
                let biasType = try ProjectPlan.concrete(norm.biasType, layer.name, "bias")
                let scaleName = "scale\(layer.index)_t", biasName = "bias\(layer.index)_t"
                addTypedef(scaleName, scalar: scaleType)
                addTypedef(biasName, scalar: biasType)
                weightArrays.append(WeightArray(name: "s\(layer.index)", typeName: scaleName, type: scaleType, values: norm.scale, shape: [norm.size]))
                weightArrays.append(WeightArray(name: "b\(layer.index)", typeName: biasName, type: biasType, values: norm.bias, shape: [norm.size]))
                configs.append("""
                // \(layer.name)
                struct config\(layer.index) : nnet::batchnorm_config {
                    static const unsigned n_in = \(norm.size);
                    static const unsigned io_type = \(ioType);
                    static const unsigned reuse_factor = \(layer.reuseFactor);
                    static const unsigned multiplier_limit = \((norm.size + layer.reuseFactor - 1) / max(1, layer.reuseFactor));
                    typedef \(scaleName) scale_t;
                    typedef \(biasName) bias_t;
                };
                """)
                calls.append("nnet::normalize<\(previousTypeName), \(typeName), config\(layer.index)>(\(previousVariable), \(variable), s\(layer.index), b\(layer.index)); // \(layer.name)")
            }
            _ = sizeMacro
            _ = inputMacro
            outputVariables.append(variable)
            outputTypeNames.append(typeName)
            outputTypes.append(resultType)
            previousTypeName = typeName
            previousType = resultType
            previousSize = layer.outputSize
            previousVariable = variable
        }
    }

    // MARK: - Checks and names

    static func concrete(_ precision: Precision, _ layer: String, _ variable: String) throws -> FixedPointType {
        switch precision {
        case .fixed(let type): return type
        case .auto:
            throw UserError("precision '\(variable)' is still 'auto'", at: "layer '\(layer)'",
                            expected: "a concrete type such as fixed<16,6> (run precision inference before writing the project)")
        }
    }

    static func check(_ condition: Bool, _ layer: Layer, _ problem: String) throws {
        if !condition { throw UserError("layer '\(layer.name)' \(problem)", at: "model graph", expected: "a consistent sequential model") }
    }

    static func checkTableSize(_ size: Int, _ layer: Layer) throws {
        guard size >= 2, size & (size - 1) == 0 else {
            throw UserError("TableSize \(size) is not a power of two", at: "layer '\(layer.name)' (TableSize)",
                            expected: "a power of two such as 1024")
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
    }

    /// A C identifier from a Keras name (other characters become `_`).
    static func identifier(_ text: String) -> String {
        var result = String(text.unicodeScalars.map { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) ? Character($0) : "_" })
        if result.isEmpty || result.first!.isNumber { result = "_" + result }
        return result
    }

    mutating func addTypedef(_ name: String, scalar: FixedPointType) {
        if !typedefs.contains(where: { $0.name == name }) { typedefs.append((name, scalar.cppName)) }
    }

    /// Tensor types: the element type for io_parallel, an `nnet::array` pack for io_stream.
    mutating func addTypedef(_ name: String, tensor: FixedPointType, size: Int) {
        let cpp = stream ? "nnet::array<\(tensor.cppName), \(size)>" : tensor.cppName
        if !typedefs.contains(where: { $0.name == name }) { typedefs.append((name, cpp)) }
    }

    func checkColumns(_ array: NPYArray, expected: Int, what: String) throws {
        let columns = array.rowsAndColumns.columns
        guard columns == expected else {
            throw UserError("\(what) has \(columns) values per sample", at: what, expected: "\(expected) per sample")
        }
    }

    var inputSizeMacro: String { "N_INPUT_1_1" }
    var outputSizeMacro: String { "N_LAYER_\(graph.layers.last!.index)" }
    var outputVariable: String { outputVariables.last! }
    var elementInputType: String { stream ? "input_t::value_type" : "input_t" }
    var elementResultType: String { stream ? "result_t::value_type" : "result_t" }
}

/// Softmax table sizes and the normalized-input type as hls4ml ≥ 1.2 derives them (facts §3.6.1).
/// `table_size` is taken from the graph as is (the graph passes already applied hls4ml's
/// `fix_softmax_table_size`); the stable exp table of a signed input has min(table_size, 2^(W−1))
/// entries, indexed by `ufixed<W−1, I−1>`.
public struct SoftmaxTables: Sendable, Equatable {
    public var tableSize: Int
    public var expTableSize: Int
    public var invTableSize: Int
    public var normalizedInputType: FixedPointType

    public init(softmax: Softmax, inputType: FixedPointType) {
        tableSize = softmax.tableSize
        invTableSize = softmax.tableSize
        if inputType.isSigned {
            normalizedInputType = .ufixed(inputType.width - 1, inputType.integer - 1)
        } else {
            normalizedInputType = .ufixed(inputType.width, inputType.integer)
        }
        if softmax.implementation == .stable && inputType.isSigned && inputType.width - 1 < 62 {
            expTableSize = min(softmax.tableSize, 1 << (inputType.width - 1))
        } else {
            expTableSize = softmax.tableSize
        }
    }
}
